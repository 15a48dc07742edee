"""What the solver hands back: per-day buses with their timed trips, and the figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PlannedTrip:
    """One trip as a bus runs it: shifted times and the empty drive that precedes it."""

    trip_id: str
    shift_s: int
    start_s: int
    end_s: int
    deadhead_s: int = 0
    """Travel from the previous trip of the same bus (0 for the first)."""


@dataclass(frozen=True, slots=True)
class Bus:
    id: str
    trips: tuple[PlannedTrip, ...]


@dataclass(frozen=True, slots=True)
class Unassigned:
    trip_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class DayStats:
    trips: int
    buses: int
    lower_bound: int
    deadhead_s: int
    abs_shift_s: int
    max_abs_shift_s: int
    shifted_trips: int
    trips_per_bus_min: int
    trips_per_bus_median: float
    trips_per_bus_max: int
    seconds: float
    optimal: bool
    """True when the bus count is proven minimal (it equals the lower bound)."""

    @property
    def gap(self) -> int:
        return self.buses - self.lower_bound


@dataclass(frozen=True, slots=True)
class DayPlan:
    day: str
    buses: tuple[Bus, ...]
    unassigned: tuple[Unassigned, ...] = ()
    stats: DayStats | None = None
    same_as: str | None = None
    """Another day with exactly the same trips, solved once and copied."""


@dataclass(frozen=True)
class Solution:
    days: dict[str, DayPlan]
    seconds: float = 0.0
    status: str = "completed"
    extra: dict[str, Any] = field(default_factory=dict)
