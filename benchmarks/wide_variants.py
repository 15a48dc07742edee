"""Wide-window variants of a generated problem, as used by the wide-window benchmarks.

`variant(problem, window_min=30, seats=False, uniform=True)` gives every trip the window
+-`window_min`, optionally removes the seat fields (one vehicle size) and optionally replaces
every travel time by 10 minutes with buffer 0: the settings in which many trips can share a bus
and the solver's usual stages lose their grip.
"""

from __future__ import annotations

import copy
from typing import Any

UNIFORM_MIN = 10


def variant(
    problem: dict[str, Any], window_min: int = 30, seats: bool = True, uniform: bool = False
) -> dict[str, Any]:
    out = copy.deepcopy(problem)
    settings = out.setdefault("settings", {})
    settings["entry_shift_min"] = [-window_min, window_min]
    settings["exit_shift_min"] = [-window_min, window_min]
    for trip in out["trips"]:
        trip.pop("shift_min", None)
        if not seats:
            trip.pop("seats", None)
            trip.pop("vehicle_seats", None)
    if uniform:
        n = len(out["trips"])
        out["travel"] = {"minutes": [[UNIFORM_MIN] * n for _ in range(n)]}
        settings["buffer_min"] = 0
    out["name"] = (
        f"{problem.get('name', 'problem')} +-{window_min} min"
        f"{'' if seats else ', no seats'}{', uniform 10 min' if uniform else ''}"
    )
    return out
