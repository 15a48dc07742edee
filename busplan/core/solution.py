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
    """One vehicle and its driver for a day. A bus id names the same vehicle on every day."""

    id: str
    trips: tuple[PlannedTrip, ...]
    depot: str = ""
    """The depot it leaves before its first trip and returns to after its last ("" = none)."""
    vehicle: str = ""
    """The fleet entry it is drawn from ("" = no fleet given)."""
    seats: int | None = None
    """The vehicle's seat count, when a fleet is given."""
    pull_out_s: int = 0
    """Drive from the depot to the first trip's start."""
    pull_in_s: int = 0
    """Drive from the last trip's end back to the depot."""

    @property
    def leaves_s(self) -> int:
        """When the bus leaves its depot (or starts its first trip, without depots)."""
        return self.trips[0].start_s - self.pull_out_s

    @property
    def returns_s(self) -> int:
        """When the bus is back at its depot (or ends its last trip, without depots)."""
        return self.trips[-1].end_s + self.pull_in_s

    @property
    def spread_s(self) -> int:
        """The driver's day: from leaving to returning."""
        return self.returns_s - self.leaves_s

    @property
    def drive_s(self) -> int:
        """Time at the wheel: trips, deadhead between them, pull-out and pull-in."""
        on_trips = sum(p.end_s - p.start_s + p.deadhead_s for p in self.trips)
        return on_trips + self.pull_out_s + self.pull_in_s


@dataclass(frozen=True, slots=True)
class Unassigned:
    trip_id: str
    reason: str
    """In words, for programmers and English readers."""
    rule: str = ""
    """The rule that left it out, as a code the edges put into words: `vehicle_size`,
    `fleet_size`, `no_depot`, `duty`, `fleet_count` or `depot_capacity`."""


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
    pull_s: int = 0
    """Pull-out and pull-in driving, also counted in `deadhead_s`."""
    unassigned: int = 0
    fleet_used: tuple[tuple[str, int], ...] = ()
    """Buses per fleet entry, in the fleet's order."""
    deadhead_bound_s: int | None = None
    """A proven lower bound on the deadhead (pulls included) of any plan with these buses."""
    unassigned_bound: int | None = None
    """Where trips are unassigned: a proven lower bound on how many any plan leaves out."""

    @property
    def deadhead_gap_s(self) -> int | None:
        return None if self.deadhead_bound_s is None else self.deadhead_s - self.deadhead_bound_s

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
    stability: float | None = None
    """Of all (trip, day) pairs, the share on that trip's most frequent bus over the week;
    None for plans without the week rules (format version 1)."""
