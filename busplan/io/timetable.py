"""A plan as drivers and planners read it: per day, per bus, each trip with its official and
planned times, where it goes, and the room left before the next one.

Both exports (PDF and XLSX) are drawn from this one view, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from busplan.core.model import DAY_NAMES, DAYS, Problem, Trip
from busplan.core.solution import DayPlan, PlannedTrip, Solution, Unassigned

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


@dataclass(frozen=True, slots=True)
class BusDay:
    bus: str
    rows: tuple[TimetableRow, ...]

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
    return [_day(plan, trips, problem.settings.buffer_s, bounds or {}) for plan in days]


def _day(
    plan: DayPlan, trips: Mapping[str, Trip], buffer_s: int, bounds: Mapping[str, int]
) -> DayTimetable:
    buses = tuple(
        BusDay(bus.id, _rows(bus.id, bus.trips, trips, buffer_s, plan.day)) for bus in plan.buses
    )
    unassigned = tuple((_trip(u.trip_id, trips, plan.day), u) for u in plan.unassigned)
    bound = plan.stats.lower_bound if plan.stats else bounds.get(plan.day)
    return DayTimetable(plan.day, buses, unassigned, bound, plan.same_as)


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
