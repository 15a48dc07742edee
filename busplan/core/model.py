"""The problem model: immutable trips, settings and an optional travel matrix, in seconds.

Objects here are built by the loaders in `busplan.io`, which report every input error with its
JSON path; the checks in `__post_init__` guard the invariants the solver relies on, so that a
model built by hand cannot be inconsistent either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

DAYS: tuple[str, ...] = ("L", "M", "Mc", "X", "V")
"""Weekday codes in week order: Monday (Luns), Tuesday, Wednesday (Mércores), Thursday (Xoves),
Friday (Venres)."""

DAY_NAMES = {"L": "Monday", "M": "Tuesday", "Mc": "Wednesday", "X": "Thursday", "V": "Friday"}


class Kind(StrEnum):
    """An entry arrives at school at its bell; an exit leaves school at its bell."""

    ENTRY = "entry"
    EXIT = "exit"


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"({self.lat}, {self.lon}) is not a WGS84 coordinate")


@dataclass(frozen=True, slots=True)
class Stop:
    name: str
    point: Point
    offset_s: int = 0
    boarding: int = 0


@dataclass(frozen=True, slots=True)
class Window:
    """How far an official time may move, in seconds: [earliest, latest], negative = earlier."""

    earliest: int
    latest: int

    def __post_init__(self) -> None:
        if self.earliest > self.latest:
            raise ValueError(
                f"shift window earliest {self.earliest} s is after latest {self.latest} s"
            )

    def __contains__(self, shift: object) -> bool:
        return isinstance(shift, int) and self.earliest <= shift <= self.latest


@dataclass(frozen=True, slots=True)
class SeatRange:
    """Seats a vehicle must have to run a trip under its contract; None = no bound."""

    min: int | None = None
    max: int | None = None


@dataclass(frozen=True, slots=True)
class Trip:
    id: str
    kind: Kind
    time_s: int
    """Official time of day: arrival at school for an entry, departure for an exit."""
    duration_s: int
    start: Point | None = None
    end: Point | None = None
    stops: tuple[Stop, ...] = ()
    school_id: str = ""
    school_name: str = ""
    seats: int = 0
    vehicle_seats: SeatRange = SeatRange()
    contract: str = ""
    days: frozenset[str] = frozenset(DAYS)
    shift: Window | None = None
    """Per-trip shift window; None means the problem's setting for its kind."""
    operator: str = ""
    """The company that runs the trip; trips of different operators never share a bus."""

    def __post_init__(self) -> None:
        if self.duration_s <= 0:
            raise ValueError(f"trip {self.id}: duration must be positive")
        if not self.days or not self.days <= set(DAYS):
            raise ValueError(f"trip {self.id}: days must be a non-empty subset of {DAYS}")

    @property
    def base_start(self) -> int:
        """Start of the trip at its official time (shift 0)."""
        return self.time_s - self.duration_s if self.kind is Kind.ENTRY else self.time_s

    @property
    def base_end(self) -> int:
        return self.base_start + self.duration_s

    def seat_interval(self) -> tuple[int, float]:
        """Vehicle sizes that can run this trip: [lowest, highest]; empty when lowest > highest."""
        low = max(self.seats, self.vehicle_seats.min or 0)
        high = float("inf") if self.vehicle_seats.max is None else self.vehicle_seats.max
        return low, high


@dataclass(frozen=True, slots=True)
class Depot:
    """A garage. With depots, every bus leaves one before its first trip and returns to it."""

    id: str
    point: Point | None = None
    name: str = ""
    operator: str = ""
    """The company that owns it ("" = any operator may use it)."""
    max_buses: int | None = None
    """Buses based here on any one day, at most."""


@dataclass(frozen=True, slots=True)
class FleetEntry:
    """`count` vehicles of `seats` seats that an operator keeps at a depot."""

    id: str
    operator: str
    depot: str
    seats: int
    count: int

    def __post_init__(self) -> None:
        if self.seats <= 0 or self.count < 0:
            raise ValueError(f"fleet {self.id}: seats must be positive and count not negative")


@dataclass(frozen=True, slots=True)
class Duty:
    """Limits on one bus's day (one driver), seconds; None = no limit.

    `break_after_s` / `break_s`: no stretch of driving and waiting without a pause of at least
    `break_s` may last longer than `break_after_s`.
    """

    max_spread_s: int | None = None
    max_drive_s: int | None = None
    break_after_s: int | None = None
    break_s: int | None = None

    def __post_init__(self) -> None:
        values = (self.max_spread_s, self.max_drive_s, self.break_after_s, self.break_s)
        if any(v is not None and v <= 0 for v in values):
            raise ValueError("duty limits must be positive")
        if (self.break_after_s is None) != (self.break_s is None):
            raise ValueError("break_after and break go together")

    @property
    def limited(self) -> bool:
        return any(
            v is not None
            for v in (self.max_spread_s, self.max_drive_s, self.break_after_s, self.break_s)
        )


@dataclass(frozen=True, slots=True)
class Settings:
    entry_shift: Window = Window(-5 * 60, 5 * 60)
    exit_shift: Window = Window(-5 * 60, 10 * 60)
    buffer_s: int = 5 * 60
    """Slack added to every deadhead connection."""
    contracts_apart: bool = False
    """Trips of different contracts never share a bus."""
    duty: Duty = Duty()
    stable_week: bool = False
    """Each trip on the same bus (same id, same vehicle) on every day it runs, as far as that
    costs no bus on any day."""
    max_ride_s: int | None = None
    """Pupils' longest time on board: longer trips are reported, not refused."""

    def __post_init__(self) -> None:
        if self.buffer_s < 0:
            raise ValueError("buffer must not be negative")


@dataclass(frozen=True, eq=False)
class Problem:
    """A day-by-day school-bus problem. `travel_s[i, j]` (optional) is the driving time in
    seconds from the end of trip i to the start of trip j, in the order of `trips`."""

    trips: tuple[Trip, ...]
    settings: Settings = Settings()
    name: str = ""
    travel_s: NDArray[np.int64] | None = field(default=None, repr=False)
    depots: tuple[Depot, ...] = ()
    fleet: tuple[FleetEntry, ...] = ()
    depot_out_s: NDArray[np.int64] | None = field(default=None, repr=False)
    """[d, j]: seconds from depot d to the start of trip j (orders of `depots` and `trips`)."""
    depot_in_s: NDArray[np.int64] | None = field(default=None, repr=False)
    """[i, d]: seconds from the end of trip i to depot d."""

    def __post_init__(self) -> None:
        if not self.trips:
            raise ValueError("a problem needs at least one trip")
        ids = [t.id for t in self.trips]
        if len(set(ids)) != len(ids):
            raise ValueError("trip ids must be unique")
        if self.travel_s is not None:
            n = len(self.trips)
            if self.travel_s.shape != (n, n):
                raise ValueError(f"travel matrix must be {n}x{n}")
            if (self.travel_s < 0).any():
                raise ValueError("travel times must not be negative")
            self.travel_s.setflags(write=False)
        self._check_depots()

    def _check_depots(self) -> None:
        ids = [d.id for d in self.depots]
        if len(set(ids)) != len(ids):
            raise ValueError("depot ids must be unique")
        fleet_ids = [f.id for f in self.fleet]
        if len(set(fleet_ids)) != len(fleet_ids):
            raise ValueError("fleet ids must be unique")
        depots = {d.id: d for d in self.depots}
        for f in self.fleet:
            depot = depots.get(f.depot)
            if depot is None:
                raise ValueError(f"fleet {f.id}: unknown depot {f.depot}")
            if depot.operator and depot.operator != f.operator:
                raise ValueError(f"fleet {f.id}: depot {f.depot} belongs to {depot.operator}")
        shapes = {
            "depot_out": (self.depot_out_s, (len(self.depots), len(self.trips))),
            "depot_in": (self.depot_in_s, (len(self.trips), len(self.depots))),
        }
        for name, (matrix, shape) in shapes.items():
            if matrix is None:
                continue
            if matrix.shape != shape:
                raise ValueError(f"{name} travel matrix must be {shape[0]}x{shape[1]}")
            if (matrix < 0).any():
                raise ValueError("travel times must not be negative")
            matrix.setflags(write=False)

    def window(self, trip: Trip) -> Window:
        """The shift window that applies to a trip."""
        if trip.shift is not None:
            return trip.shift
        return self.settings.entry_shift if trip.kind is Kind.ENTRY else self.settings.exit_shift

    def days(self) -> list[str]:
        """Weekdays on which at least one trip runs, in week order."""
        return [d for d in DAYS if any(d in t.days for t in self.trips)]

    def trips_on(self, day: str) -> tuple[int, ...]:
        """Indices of the trips that run on a day."""
        return tuple(i for i, t in enumerate(self.trips) if day in t.days)
