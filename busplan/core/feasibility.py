"""The feasibility rules, checked on any plan: the solver's own output or a hand-edited one.

The solver runs every solution through `check` before returning it, so the rules live here
once. Each violation names the day, the bus and the trip, and says why. The operators' rules of
format version 2 (depots, fleet, duty, operators, one vehicle per bus id all week) come from
`busplan.core.rules`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from busplan.core.model import DAYS, Problem, Trip
from busplan.core.rules import Timed, alone_errors, bus_key, duty_errors, entry_fits
from busplan.core.seats import fits
from busplan.core.solution import Bus, DayPlan, PlannedTrip, Solution
from busplan.core.travel import UNREACHABLE, DepotTravel, TravelTimes, default_travel, depot_travel
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


@dataclass(frozen=True)
class Rules:
    """A problem's rules with what checking them needs: trip ids, travel and depot times."""

    problem: Problem
    index: dict[str, int]
    travel: TravelTimes
    depots: DepotTravel

    @classmethod
    def of(
        cls, problem: Problem, travel: TravelTimes | None = None, depots: DepotTravel | None = None
    ) -> Rules:
        return cls(
            problem,
            {t.id: k for k, t in enumerate(problem.trips)},
            travel or default_travel(problem),
            depots or depot_travel(problem),
        )

    def with_trips(self, bus: Bus, trips: Sequence[PlannedTrip]) -> Bus:
        """`bus` running `trips` instead, with the deadheads and pulls they make."""
        ks = [self.index[p.trip_id] for p in trips]
        drive = self.travel.matrix(ks, ks)
        planned = [replace(trips[0], deadhead_s=0)]
        planned += [replace(b, deadhead_s=int(drive[n, n + 1])) for n, b in enumerate(trips[1:])]
        pull_out = pull_in = 0
        depot = next((n for n, d in enumerate(self.problem.depots) if d.id == bus.depot), None)
        if depot is not None:
            pull_out = int(self.depots.out_s[depot, ks[0]])
            pull_in = int(self.depots.in_s[ks[-1], depot])
        return replace(bus, trips=tuple(planned), pull_out_s=pull_out, pull_in_s=pull_in)


def check(
    problem: Problem,
    solution: Solution,
    travel: TravelTimes | None = None,
    days: Iterable[str] | None = None,
    depots: DepotTravel | None = None,
) -> list[Violation]:
    """Every way in which `solution` breaks the rules of `problem`; empty when feasible.

    `days` are the weekdays the solution must cover (default: every day a trip runs).
    """
    ctx = Rules.of(problem, travel, depots)
    violations: list[Violation] = []
    for day, plan in solution.days.items():
        if day not in DAYS:
            violations.append(Violation(day, "", "", "not a weekday code"))
            continue
        violations += _check_day(ctx, plan)
    for day in problem.days() if days is None else days:
        if day not in solution.days:
            violations.append(Violation(day, "", "", "day missing from the solution"))
    return violations + _check_week(solution)


def _check_week(solution: Solution) -> list[Violation]:
    """A bus id names one vehicle all week: the same depot and vehicle every day it runs."""
    seen: dict[str, tuple[str, str, str]] = {}
    out = []
    for day, plan in solution.days.items():
        for bus in plan.buses:
            first = seen.setdefault(bus.id, (day, bus.depot, bus.vehicle))
            if first[1:] != (bus.depot, bus.vehicle):
                out.append(
                    Violation(
                        day,
                        bus.id,
                        "",
                        f"depot {bus.depot or '-'} and vehicle {bus.vehicle or '-'} differ from "
                        f"{first[0]} ({first[1] or '-'}, {first[2] or '-'}): a bus id is one "
                        "vehicle all week",
                    )
                )
    return out


def _check_day(ctx: Rules, plan: DayPlan) -> list[Violation]:
    day = plan.day
    out: list[Violation] = []
    for bus in plan.buses:
        out += check_bus(ctx, day, bus)
    out += _check_capacity(ctx.problem, plan)
    seen = Counter(p.trip_id for bus in plan.buses for p in bus.trips)
    seen.update(u.trip_id for u in plan.unassigned)
    for trip_id, count in seen.items():
        if count > 1:
            out.append(Violation(day, "", trip_id, f"planned {count} times"))
    for k in ctx.problem.trips_on(day):
        trip_id = ctx.problem.trips[k].id
        if trip_id not in seen:
            out.append(Violation(day, "", trip_id, "runs this day but is on no bus"))
    out += _check_unassigned(ctx, plan)
    return out


def _check_capacity(problem: Problem, plan: DayPlan) -> list[Violation]:
    """Depot `max_buses` and fleet `count` on one day."""
    out = []
    for depot in problem.depots:
        based = sum(1 for b in plan.buses if b.depot == depot.id)
        if depot.max_buses is not None and based > depot.max_buses:
            out.append(
                Violation(plan.day, "", "", f"depot {depot.id}: {based} buses > {depot.max_buses}")
            )
    for entry in problem.fleet:
        used = sum(1 for b in plan.buses if b.vehicle == entry.id)
        if used > entry.count:
            out.append(
                Violation(plan.day, "", "", f"fleet {entry.id}: {used} buses > {entry.count}")
            )
    return out


def _check_unassigned(ctx: Rules, plan: DayPlan) -> list[Violation]:
    """A trip may be left out only for a reason the problem proves: it cannot run even on a
    bus of its own, or every vehicle (and depot place) that could run it is taken that day."""
    out = []
    for u in plan.unassigned:
        k = ctx.index.get(u.trip_id)
        if k is None:
            out.append(Violation(plan.day, "", u.trip_id, "unknown trip left unassigned"))
        elif not alone_errors(ctx.problem, k, ctx.depots) and not _no_place_left(ctx, plan, k):
            out.append(
                Violation(plan.day, "", u.trip_id, "left unassigned although a bus could run it")
            )
    return out


def _no_place_left(ctx: Rules, plan: DayPlan, k: int) -> bool:
    """Every fleet entry or depot that could base a bus for trip k is full on this day."""
    problem, trip = ctx.problem, ctx.problem.trips[k]
    if problem.fleet:
        full = {
            e.id
            for e in problem.fleet
            if sum(1 for b in plan.buses if b.vehicle == e.id) >= e.count
            or _depot_full(problem, plan, e.depot)
        }
        return all(e.id in full for e in problem.fleet if entry_fits(e, [trip]))
    if problem.depots:
        fitting = [d.id for d in problem.depots if not d.operator or d.operator == trip.operator]
        return all(_depot_full(problem, plan, d) for d in fitting)
    return False


def _depot_full(problem: Problem, plan: DayPlan, depot_id: str) -> bool:
    cap = next((d.max_buses for d in problem.depots if d.id == depot_id), None)
    return cap is not None and sum(1 for b in plan.buses if b.depot == depot_id) >= cap


def check_bus(ctx: Rules, day: str, bus: Bus) -> list[Violation]:
    """Every rule one bus breaks on its own (not the day's counts nor the week's ids)."""
    problem, index, travel = ctx.problem, ctx.index, ctx.travel
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
    if known:
        out += [Violation(day, bus.id, "", m) for m in _operator_errors(ctx, bus, known)]
    return out


def _operator_errors(ctx: Rules, bus: Bus, known: list[tuple[PlannedTrip, int]]) -> list[str]:
    """Format version 2 rules for one bus: who shares it, its depot, vehicle and duty."""
    problem = ctx.problem
    trips = [problem.trips[k] for _, k in known]
    errors = []
    keys = {bus_key(problem, t) for t in trips}
    if len({op for op, _ in keys}) > 1:
        errors.append(f"mixes operators {sorted({op for op, _ in keys})}")
    elif len(keys) > 1:
        errors.append(f"mixes contracts {sorted({c for _, c in keys})} (contracts_apart)")
    pull_out = pull_in = 0
    depots = {d.id: n for n, d in enumerate(problem.depots)}
    if problem.depots:
        d = depots.get(bus.depot)
        operators = {t.operator for t in trips if t.operator}
        if d is None:
            errors.append(f"depot {bus.depot!r} is not one of the problem's depots")
        else:
            owner = problem.depots[d].operator
            if owner and operators - {owner}:
                errors.append(f"depot {bus.depot} belongs to {owner}, trips to {sorted(operators)}")
            pull_out = int(ctx.depots.out_s[d, known[0][1]])
            pull_in = int(ctx.depots.in_s[known[-1][1], d])
    elif bus.depot:
        errors.append(f"depot {bus.depot!r} given but the problem has no depots")
    if (bus.pull_out_s, bus.pull_in_s) != (pull_out, pull_in):
        errors.append(
            f"pull-out {seconds_to_minutes(bus.pull_out_s)} / pull-in "
            f"{seconds_to_minutes(bus.pull_in_s)} min, the drives are "
            f"{seconds_to_minutes(pull_out)} / {seconds_to_minutes(pull_in)}"
        )
    errors += _vehicle_errors(problem, bus, trips)
    timed = [
        Timed(p.start_s, p.end_s, nxt.deadhead_s)
        for (p, _), (nxt, _) in zip(
            known, [*known[1:], (PlannedTrip("", 0, 0, 0), -1)], strict=True
        )
    ]
    return errors + duty_errors(problem.settings.duty, timed, pull_out, pull_in)


def _vehicle_errors(problem: Problem, bus: Bus, trips: list[Trip]) -> list[str]:
    if not problem.fleet:
        return (
            [f"vehicle {bus.vehicle!r} given but the problem has no fleet"] if bus.vehicle else []
        )
    entry = next((f for f in problem.fleet if f.id == bus.vehicle), None)
    if entry is None:
        return [f"vehicle {bus.vehicle!r} is not a fleet entry"]
    errors = []
    if not entry_fits(entry, trips):
        errors.append(
            f"vehicle {entry.id} ({entry.seats} seats, {entry.operator}) cannot run all its trips"
        )
    if entry.depot != bus.depot:
        errors.append(f"vehicle {entry.id} is based at {entry.depot}, the bus at {bus.depot}")
    if bus.seats != entry.seats:
        errors.append(f"seats {bus.seats} differ from vehicle {entry.id}'s {entry.seats}")
    return errors


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
