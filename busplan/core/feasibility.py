"""The feasibility rules, checked on any plan: the solver's own output or a hand-edited one.

The solver runs every solution through `check` before returning it, so the rules live here
once. Each violation names the day, the bus and the trip, and says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from busplan.core.model import DAYS, Problem, Trip
from busplan.core.seats import fits
from busplan.core.solution import Bus, DayPlan, PlannedTrip, Solution
from busplan.core.travel import UNREACHABLE, TravelTimes, default_travel
from busplan.core.units import format_clock, seconds_to_minutes


@dataclass(frozen=True, slots=True)
class Violation:
    day: str
    bus: str
    trip: str
    message: str

    def __str__(self) -> str:
        where = " ".join(p for p in (self.day, self.bus, self.trip) if p)
        return f"{where}: {self.message}"


def check(
    problem: Problem,
    solution: Solution,
    travel: TravelTimes | None = None,
    days: Iterable[str] | None = None,
) -> list[Violation]:
    """Every way in which `solution` breaks the rules of `problem`; empty when feasible.

    `days` are the weekdays the solution must cover (default: every day a trip runs).
    """
    travel = travel or default_travel(problem)
    index = {t.id: k for k, t in enumerate(problem.trips)}
    violations: list[Violation] = []
    for day, plan in solution.days.items():
        if day not in DAYS:
            violations.append(Violation(day, "", "", "not a weekday code"))
            continue
        violations += _check_day(problem, plan, index, travel)
    for day in problem.days() if days is None else days:
        if day not in solution.days:
            violations.append(Violation(day, "", "", "day missing from the solution"))
    return violations


def _check_day(
    problem: Problem, plan: DayPlan, index: dict[str, int], travel: TravelTimes
) -> list[Violation]:
    day = plan.day
    out: list[Violation] = []
    for bus in plan.buses:
        out += _check_bus(problem, day, bus, index, travel)
    seen = Counter(p.trip_id for bus in plan.buses for p in bus.trips)
    seen.update(u.trip_id for u in plan.unassigned)
    for trip_id, count in seen.items():
        if count > 1:
            out.append(Violation(day, "", trip_id, f"planned {count} times"))
    for k in problem.trips_on(day):
        trip_id = problem.trips[k].id
        if trip_id not in seen:
            out.append(Violation(day, "", trip_id, "runs this day but is on no bus"))
    return out


def _check_bus(
    problem: Problem, day: str, bus: Bus, index: dict[str, int], travel: TravelTimes
) -> list[Violation]:
    out: list[Violation] = []
    known = []
    for p in bus.trips:
        k = index.get(p.trip_id)
        if k is None:
            out.append(Violation(day, bus.id, p.trip_id, "unknown trip"))
            continue
        trip = problem.trips[k]
        known.append((p, k))
        out += [Violation(day, bus.id, p.trip_id, m) for m in _trip_errors(problem, trip, p, day)]
    if known and known[0][0].deadhead_s != 0:
        out.append(Violation(day, bus.id, known[0][0].trip_id, "first trip of a bus has deadhead"))
    drives = travel.matrix([k for _, k in known], [k for _, k in known])
    for n, ((a, _), (b, _)) in enumerate(pairwise(known)):
        drive = int(drives[n, n + 1])
        if drive >= UNREACHABLE:
            out.append(Violation(day, bus.id, b.trip_id, f"no road from {a.trip_id}"))
            continue
        gap, need = b.start_s - a.end_s, drive + problem.settings.buffer_s
        if gap < need:
            out.append(
                Violation(
                    day,
                    bus.id,
                    b.trip_id,
                    f"starts {seconds_to_minutes(gap)} min after {a.trip_id} ends; needs "
                    f"{seconds_to_minutes(need)} (drive {seconds_to_minutes(drive)} + buffer)",
                )
            )
        if b.deadhead_s != drive:
            out.append(
                Violation(
                    day,
                    bus.id,
                    b.trip_id,
                    f"deadhead {seconds_to_minutes(b.deadhead_s)} min, drive is "
                    f"{seconds_to_minutes(drive)}",
                )
            )
    trips = [problem.trips[k] for _, k in known]
    if trips and not _one_vehicle_fits(trips):
        out.append(Violation(day, bus.id, "", "no vehicle size fits all its trips"))
    return out


def _trip_errors(problem: Problem, trip: Trip, p: PlannedTrip, day: str) -> list[str]:
    errors = []
    if day not in trip.days:
        errors.append(f"does not run on {day}")
    window = problem.window(trip)
    if p.shift_s not in window:
        errors.append(
            f"shift {seconds_to_minutes(p.shift_s)} min outside "
            f"[{seconds_to_minutes(window.earliest)}, {seconds_to_minutes(window.latest)}]"
        )
    start, end = trip.base_start + p.shift_s, trip.base_end + p.shift_s
    if (p.start_s, p.end_s) != (start, end):
        errors.append(
            f"times {format_clock(p.start_s)}-{format_clock(p.end_s)} disagree with its shift "
            f"(expected {format_clock(start)}-{format_clock(end)})"
        )
    return errors


def _one_vehicle_fits(trips: list[Trip]) -> bool:
    low = max(t.seat_interval()[0] for t in trips)
    high = min(t.seat_interval()[1] for t in trips)
    return fits((low, high))
