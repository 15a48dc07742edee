"""Where a run's travel times came from, and how many of them are only estimates.

The report travels with the solution: the CLI prints its warnings, the API returns them, and
per-day counts let an operator judge whether a day's plan rests on road times or on guesses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from busplan.core.model import DAY_NAMES, Problem
from busplan.routing.cache import CacheStats

Source = Literal["problem", "osrm", "estimate"]


@dataclass(frozen=True)
class TravelReport:
    source: Source
    """"problem": the matrix the problem carries; "osrm": road times (some may be estimated,
    see `estimated`); "estimate": no router configured, the built-in estimate throughout."""
    connections: dict[str, int]
    """Per day: ordered pairs of distinct trips running that day."""
    estimated: dict[str, int]
    """Per day: how many of those connections use the built-in estimate."""
    fallback_reason: str | None = None
    """Why road times were replaced by the estimate; None when they were not."""
    server: str = ""
    profile: str = ""
    data_version: str = ""
    requests: dict[str, int] = field(default_factory=dict)
    """Requests sent, per service ("table", "table retry", "route", "nearest", ...)."""
    cache: CacheStats | None = None
    duration_source: str = "timetable"
    """"timetable": trip durations as the contract says; "route": OSRM Route via the stops
    plus dwell."""
    durations_changed: int = 0
    duration_warning: str | None = None

    @property
    def estimated_total(self) -> int:
        return sum(self.estimated.values())

    @property
    def connections_total(self) -> int:
        return sum(self.connections.values())

    @property
    def warnings(self) -> list[str]:
        """Messages a user must see: a fallback is never silent."""
        out = []
        if self.fallback_reason is not None and self.estimated_total:
            days = ", ".join(
                f"{DAY_NAMES[d]} {n}/{self.connections[d]}" for d, n in self.estimated.items() if n
            )
            out.append(
                f"{self.estimated_total} of {self.connections_total} connections use the "
                f"straight-line estimate, not road times ({days}): {self.fallback_reason}"
            )
        if self.duration_warning:
            out.append(self.duration_warning)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary for solutions, job results and logs."""
        data = asdict(self)
        data["cache"] = None if self.cache is None else {**asdict(self.cache)}
        data["estimated_total"] = self.estimated_total
        data["connections_total"] = self.connections_total
        data["warnings"] = self.warnings
        return data


def connections_per_day(
    problem: Problem, estimated: NDArray[np.bool_]
) -> tuple[dict[str, int], dict[str, int]]:
    """Connections and estimated connections per day, from a trip x trip mask."""
    total: dict[str, int] = {}
    guessed: dict[str, int] = {}
    for day in problem.days():
        trips = np.asarray(problem.trips_on(day), int)
        total[day] = len(trips) * (len(trips) - 1)
        sub = estimated[np.ix_(trips, trips)]
        guessed[day] = int(sub.sum() - np.trace(sub))
    return total, guessed
