"""A plan as drivers and planners read it: per day, per bus, each trip with its official and
planned times, where it goes, and the room left before the next one.

Both exports (PDF and XLSX) are drawn from this one view, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from busplan.core.model import DAY_NAMES, DAYS, Kind, Problem, Stop, Trip
from busplan.core.solution import Bus, DayPlan, PlannedTrip, Solution, Unassigned
from busplan.i18n import Words

TIGHT_MARGIN_S = 5 * 60
"""A connection is tight when its slack is under the buffer plus this margin: on paper those
are the places a late bus spreads its delay."""


class ExportError(ValueError):
    """The solution does not belong to the problem (a trip id the problem does not have)."""


@dataclass(frozen=True, slots=True)
class TimetableRow:
    bus: str
    position: int
    """1-based place of the trip in the bus's day."""
    trip: Trip
    planned: PlannedTrip
    slack_s: int | None
    """Time left before the next trip once its deadhead is driven; None for the last trip."""
    deadhead_next_s: int | None
    tight: bool

    @property
    def first_stop(self) -> str:
        return self.trip.stops[0].name if self.trip.stops else ""

    @property
    def last_stop(self) -> str:
        return self.trip.stops[-1].name if self.trip.stops else ""

    @property
    def bell_s(self) -> int:
        """The planned bell: arrival at school for an entry, departure for an exit."""
        return self.planned.end_s if self.trip.kind is Kind.ENTRY else self.planned.start_s

    def stop_times(self) -> list[tuple[int, Stop]]:
        """Every stop in driving order with its planned time: the trip's planned start plus
        the stop's offset from the first stop."""
        return [(self.planned.start_s + s.offset_s, s) for s in self.trip.stops]

    def school_stop(self) -> int | None:
        """Index of the school among the stops: the last of an entry, the first of an exit."""
        if not self.trip.stops:
            return None
        return len(self.trip.stops) - 1 if self.trip.kind is Kind.ENTRY else 0


@dataclass(frozen=True, slots=True)
class BusDay:
    bus: str
    rows: tuple[TimetableRow, ...]
    plan: Bus | None = None
    """The solver's bus: its depot, vehicle, pull-out and pull-in (when it has them)."""
    depot_name: str = ""
    """The name of its depot ("" without a depot)."""

    @property
    def depot(self) -> str:
        return self.plan.depot if self.plan else ""

    @property
    def leaves_s(self) -> int:
        """Leaving the depot, or the first trip's start without one."""
        return self.plan.leaves_s if self.plan else self.start_s

    @property
    def returns_s(self) -> int:
        """Back at the depot, or the last trip's end without one."""
        return self.plan.returns_s if self.plan else self.end_s

    def signature(self) -> tuple[object, ...]:
        """What a driver does, for telling whether two days are driven alike."""
        trips = tuple(
            (r.trip.id, r.planned.start_s, r.planned.end_s, r.planned.deadhead_s) for r in self.rows
        )
        plan = self.plan
        depot = (plan.depot, plan.pull_out_s, plan.pull_in_s) if plan else ("", 0, 0)
        return (trips, depot)

    @property
    def spread_s(self) -> int:
        """The driver's day: from leaving the depot (or the first trip) to coming back."""
        return self.returns_s - self.leaves_s

    @property
    def drive_s(self) -> int:
        """At the wheel: trips, empty drives between them, pull-out and pull-in."""
        if self.plan is not None:
            return self.plan.drive_s
        return sum(r.planned.end_s - r.planned.start_s + r.planned.deadhead_s for r in self.rows)

    @property
    def pull_s(self) -> int:
        """Pull-out plus pull-in: the empty drives from and to the depot."""
        return self.plan.pull_out_s + self.plan.pull_in_s if self.plan else 0

    @property
    def start_s(self) -> int:
        return self.rows[0].planned.start_s

    @property
    def end_s(self) -> int:
        return self.rows[-1].planned.end_s

    @property
    def deadhead_s(self) -> int:
        return sum(r.planned.deadhead_s for r in self.rows)


@dataclass(frozen=True, slots=True)
class DayTimetable:
    day: str
    buses: tuple[BusDay, ...]
    unassigned: tuple[tuple[Trip, Unassigned], ...]
    lower_bound: int | None
    """Proven minimum of buses for the day, when the solution states it."""
    same_as: str | None
    deadhead_bound_s: int | None = None
    """Proven minimum of empty driving (depot drives included) for the day's fleet."""
    unassigned_bound: int | None = None
    """Proven minimum of trips any plan of the day leaves unassigned, when some are."""

    @property
    def name(self) -> str:
        return DAY_NAMES.get(self.day, self.day)

    @property
    def trips(self) -> int:
        return sum(len(b.rows) for b in self.buses) + len(self.unassigned)

    @property
    def deadhead_s(self) -> int:
        return sum(b.deadhead_s for b in self.buses)

    @property
    def pull_s(self) -> int:
        """Every bus's pull-out and pull-in (not part of `deadhead_s`)."""
        return sum(b.pull_s for b in self.buses)

    @property
    def vehicles(self) -> int:
        """Buses with a vehicle of the fleet."""
        return sum(1 for b in self.buses if b.plan is not None and b.plan.vehicle)

    @property
    def abs_shift_s(self) -> int:
        return sum(abs(r.planned.shift_s) for b in self.buses for r in b.rows)

    @property
    def shifted_trips(self) -> int:
        return sum(1 for b in self.buses for r in b.rows if r.planned.shift_s)

    @property
    def tight_connections(self) -> int:
        return sum(1 for b in self.buses for r in b.rows if r.tight)


def timetables(
    problem: Problem, solution: Solution, bounds: Mapping[str, int] | None = None
) -> list[DayTimetable]:
    """Every day of the solution in week order. `bounds` supplies lower bounds for days whose
    plan carries no statistics (a solution read back from a file)."""
    trips = {t.id: t for t in problem.trips}
    order = {d: n for n, d in enumerate(DAYS)}
    days = sorted(solution.days.values(), key=lambda p: order.get(p.day, len(order)))
    depots = {d.id: d.name or d.id for d in problem.depots}
    return [_day(plan, trips, problem.settings.buffer_s, bounds or {}, depots) for plan in days]


def _day(
    plan: DayPlan,
    trips: Mapping[str, Trip],
    buffer_s: int,
    bounds: Mapping[str, int],
    depots: Mapping[str, str],
) -> DayTimetable:
    buses = tuple(
        BusDay(
            bus.id,
            _rows(bus.id, bus.trips, trips, buffer_s, plan.day),
            bus,
            depots.get(bus.depot, bus.depot),
        )
        for bus in plan.buses
    )
    unassigned = tuple((_trip(u.trip_id, trips, plan.day), u) for u in plan.unassigned)
    bound = plan.stats.lower_bound if plan.stats else bounds.get(plan.day)
    deadhead_bound = plan.stats.deadhead_bound_s if plan.stats else None
    short = plan.stats.unassigned_bound if plan.stats else None
    return DayTimetable(plan.day, buses, unassigned, bound, plan.same_as, deadhead_bound, short)


def _rows(
    bus: str,
    planned: tuple[PlannedTrip, ...],
    trips: Mapping[str, Trip],
    buffer_s: int,
    day: str,
) -> tuple[TimetableRow, ...]:
    rows = []
    for n, p in enumerate(planned):
        following = planned[n + 1] if n + 1 < len(planned) else None
        slack = None if following is None else following.start_s - p.end_s - following.deadhead_s
        rows.append(
            TimetableRow(
                bus=bus,
                position=n + 1,
                trip=_trip(p.trip_id, trips, day),
                planned=p,
                slack_s=slack,
                deadhead_next_s=None if following is None else following.deadhead_s,
                tight=slack is not None and slack < buffer_s + TIGHT_MARGIN_S,
            )
        )
    return tuple(rows)


def _trip(trip_id: str, trips: Mapping[str, Trip], day: str) -> Trip:
    trip = trips.get(trip_id)
    if trip is None:
        raise ExportError(f"day {day}: trip {trip_id} of the solution is not in the problem")
    return trip


@dataclass(frozen=True, slots=True)
class Variant:
    """Days on which a bus is driven exactly alike, and how."""

    days: tuple[str, ...]
    bus: BusDay


@dataclass(frozen=True, slots=True)
class BusWeek:
    """One bus over the week: the ways it is driven (the most common first) and the days of
    the plan on which it does not run. A bus id names the same vehicle on every day."""

    bus: str
    variants: tuple[Variant, ...]
    idle: tuple[str, ...]

    @property
    def days(self) -> tuple[str, ...]:
        order = {d: n for n, d in enumerate(DAYS)}
        return tuple(
            sorted((d for v in self.variants for d in v.days), key=lambda d: order.get(d, 99))
        )


def bus_weeks(days: list[DayTimetable]) -> list[BusWeek]:
    """Every bus of the plan with its week, in the order buses first appear."""
    found: dict[str, dict[str, BusDay]] = {}
    for timetable in days:
        for bus_day in timetable.buses:
            found.setdefault(bus_day.bus, {})[timetable.day] = bus_day
    weeks = []
    for bus_id, by_day in found.items():
        groups: dict[tuple[object, ...], list[str]] = {}
        for code, bus_day in by_day.items():
            groups.setdefault(bus_day.signature(), []).append(code)
        variants = [Variant(tuple(codes), by_day[codes[0]]) for codes in groups.values()]
        variants.sort(key=lambda v: -len(v.days))
        idle = tuple(d.day for d in days if d.day not in by_day)
        weeks.append(BusWeek(bus_id, tuple(variants), idle))
    return weeks


def unassigned_words(trip: Trip, unassigned: Unassigned, w: Words) -> str:
    """Why a trip is unassigned, in the reader's language. English keeps the solver's own
    sentence, which names the values; other languages say the rule, and for vehicle sizes
    the trip's seats and contract range."""
    if w.lang == "en":
        return unassigned.reason
    if unassigned.rule and unassigned.rule != "vehicle_size":
        return w(f"unassigned.rule.{unassigned.rule}")
    if not unassigned.reason.startswith("no vehicle fits"):
        return unassigned.reason  # a plan written before rules had codes
    any_size = w("unassigned.any")
    return w(
        "unassigned.no_vehicle",
        seats=trip.seats,
        min=trip.vehicle_seats.min or any_size,
        max=trip.vehicle_seats.max or any_size,
    )
