"""A school week with distinct day sets and vehicle sizes that never share a bus."""

from __future__ import annotations

import random
from typing import Any

PATTERNS = [["L", "M", "Mc", "X", "V"]] * 6 + [["L", "M", "X", "V"], ["Mc", "X", "V"]]
"""Most routes run every day; some skip Wednesday (Mc), some run only from Wednesday: three
day sets, {L, M}, {Mc} and {X, V}."""
SIZES = [(20, [10, 25]), (45, [39, 55])]
"""Small and large vehicles: their size ranges do not overlap, so no bus mixes them."""


def make_week(routes: int, seed: int = 1) -> dict[str, Any]:
    """`routes` routes, each a morning entry and an afternoon exit, in one small town."""
    rnd = random.Random(seed)
    trips = []
    for r in range(routes):
        days = rnd.choice(PATTERNS)
        seats, vehicle = rnd.choice(SIZES)
        start = [42.2 + rnd.random() * 0.1, -8.7 + rnd.random() * 0.1]
        school = [42.2 + rnd.random() * 0.1, -8.7 + rnd.random() * 0.1]
        for kind, hour in (("entry", rnd.choice([8, 9])), ("exit", rnd.choice([14, 16, 17]))):
            trips.append(
                {
                    "id": f"R{r:03d}{kind[:2]}",
                    "kind": kind,
                    "time": f"{hour:02d}:{rnd.choice([0, 10, 20, 30, 40, 50]):02d}",
                    "duration_min": rnd.randint(15, 40),
                    "start": start if kind == "entry" else school,
                    "end": school if kind == "entry" else start,
                    "seats": seats,
                    "vehicle_seats": vehicle,
                    "days": days,
                }
            )
    return {
        "version": 1,
        "name": f"week-{routes}",
        "trips": trips,
        "settings": {"entry_shift_min": [-10, 10], "exit_shift_min": [-10, 10], "buffer_min": 3},
    }
