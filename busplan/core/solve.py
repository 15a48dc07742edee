"""`solve`: the one front door to the optimizer.

The whole day is solved at once, not block by block: for every weekday (days with identical
trips are solved once), trips are split only where no bus could ever mix them (vehicle classes),
and each group goes through the stages of `busplan.core.group`. Objectives, in order: fewest
buses, least deadhead, least total |shift|. Every plan is verified by
`busplan.core.feasibility.check` before it is returned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from busplan.core.bounds import deadhead_lower_bound, fleet_lower_bound
from busplan.core.chain_columns import chain_bound
from busplan.core.chain_model import Plan
from busplan.core.connections import Connections
from busplan.core.duty_model import DayLimits
from busplan.core.feasibility import Rules, check
from busplan.core.group import Group, start_group
from busplan.core.model import DAYS, Problem
from busplan.core.peak import PeakPart, peak_bound, wide_windows
from busplan.core.progress import ProgressCallback, Reporter
from busplan.core.rules import Refusal, alone_errors, seat_interval
from busplan.core.search import Runner, SearchLimits, runner
from busplan.core.seats import vehicle_classes
from busplan.core.sized_model import SizedChainModel, class_sizes, classes_of
from busplan.core.solution import Bus, DayPlan, Solution, Unassigned
from busplan.core.space import TripSpace, home_pulls
from busplan.core.stable_swaps import StableSwaps
from busplan.core.stats import day_stats, stability
from busplan.core.time_indexed import time_indexed_bound, time_indexed_shifts
from busplan.core.travel import TravelTimes, default_travel, depot_travel
from busplan.core.unassigned_bound import unassigned_lower_bound
from busplan.core.week import WeekPlanner, operational, timed_runs

MIN_SOLVE_SECONDS = 1.0
"""What the solver gets at least when reading the problem took the whole limit."""


@dataclass(frozen=True)
class SolveParams:
    time_limit: float = 60.0
    """Seconds for the whole solve; stages that prove optimality finish sooner."""
    seed: int = 0
    workers: int = 1
    """CP-SAT search workers. One is deterministic and, measured on 230-3000 trips, both
    faster and better than two interleaved ones; more pay off only on spare cores."""
    days: tuple[str, ...] | None = None
    """Weekdays to solve; None = every day on which a trip runs."""
    neighbours: int = 25
    """Candidate successors and predecessors kept per trip and criterion in the search."""
    effort_per_trip: float = 0.005
    """Deterministic search seconds per trip for the deadhead stage, which rarely proves
    optimality and finds its improvements early."""

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise ValueError("time limit must be positive")
        if not 0 <= self.seed < 2**31:
            raise ValueError("seed must be between 0 and 2147483647")
        if self.workers < 1 or self.neighbours < 1:
            raise ValueError("workers and neighbours must be at least 1")
        unknown = [d for d in self.days or () if d not in DAYS]
        if unknown:
            raise ValueError(f"unknown day codes {unknown}; use {', '.join(DAYS)}")

    def after(self, spent: float) -> SolveParams:
        """The limit left once `spent` seconds have gone on reading the problem: a time limit
        is the user's for the whole run, and the solver always gets `MIN_SOLVE_SECONDS`."""
        return replace(self, time_limit=max(self.time_limit - spent, MIN_SOLVE_SECONDS))


@dataclass
class DaySet:
    """Weekdays with exactly the same trips, solved once."""

    days: list[str]
    trips: tuple[int, ...]
    lower_bound: int = 0
    groups: list[Group] = field(default_factory=list)
    seconds: float = 0.0
    parts: list[Connections] = field(default_factory=list)
    """The parts no bus can mix, for the deadhead bound."""
    part_bounds: list[int] = field(default_factory=list)
    """The best proven bound on buses of each part."""
    part_limits: list[DayLimits | None] = field(default_factory=list)
    """Each part's duty limits, for the bound on trips left out."""


PEAK_SHARE = 0.6
"""Of the time left after the first plans, the share the peak stage (bounds and starts) may use
where shift windows are wide: at 230 trips and +-30 min windows the fleet search from its
start saved no bus in the rest."""
ROUNDED_NARROW_SHARE = 0.7
"""Of the time left after the first plans, the share for the rounded time-indexed flows of the
parts with narrow windows whose first plans are above their bound: where they fit they
usually end at the bound, which the fleet search does not, and they stop there. Measured at
10,000 trips a day with 150 s: half the time left was 2-6 s for each of the largest parts,
and their afternoons' flows did not fit it."""
NARROW_GRIDS_S = (300, 120, 60)
"""Grids for narrow windows (5 to 15 minutes wide): a ten-minute grid would fix most trips."""
RELAXATION_SHARE = 0.35
"""Of a wide part's time in the peak stage, the share by which the peak relaxation must end
(it proves uniform-drive days of 230 trips in a few seconds; with real drives its MIP runs on)."""
ROUNDED_SHARE = 0.6
"""Of a wide part's time in the peak stage, the share by which the exact time-indexed flow's
rounding must end (its LP at a five-minute grid takes 4-6 s at 230 trips with +-30 min
windows); the relaxed flow's bound has the rest."""
FLEET_SHARE = 0.7
"""Of the time left after the first plans, the share the fleet stage may use (it usually stops
early, at the lower bound; where it does not, buses come before deadhead)."""
WIDE_FLEET_SHARE = 0.8
"""With wide windows the fleet search rarely proves its optimum and keeps finding buses to save,
so it gets most of the time left."""
DEADHEAD_SHARE = 0.9
RESERVE_SHARE = 0.05
STABLE_CHAINS_SHARE = 0.2
"""Of the time left after the first plans, the share kept for the week planner to re-plan the
smaller days' whole chains for stability, where a spread limit makes them the plans."""
CHAIN_BOUND_SHARE = 0.2
"""Of the time limit, at most the share the whole-chain bound may take where a driver's spread
is limited; a part that converges early leaves its time to the day's other parts. Measured: 3-4 s
for a 1000-trip rural day, converged; the bound is weak until it converges, and at 10 % of a
120 s limit a 168-trip part stopped at 34 where it converges at 50."""
UNASSIGNED_BOUND_SHARE = 0.05
"""Of the time limit, at most the share the whole-chain bound on trips left out may take, for
days whose plan leaves out more than the vehicle families prove (measured: 0.1 s a day on rural
230-trip weeks, where it converges)."""
FINISH_SHARE = 0.5
"""The searches end early by this share of the time the first plans took, which is what the
week's timetables, the final check and the statistics (an exact flow per part for the deadhead
bound) take after them, and writing the plan: measured at 10,000 trips, 8.5 s after first plans
of 29 s, and 2 s to write. Without it a solve ran 5 % past its time limit."""
SIZED_SHARE = 0.8
"""Of the time left after the fleet stage, the share the whole-part search with vehicle sizes
may use where a part was split into classes (the classes usually prove their own optimum
early, leaving the rest of the fleet stage's time)."""
SIZED_EFFORT_PER_TRIP = 0.2
"""Deterministic seconds of that search per trip of the part."""
SIZED_MAX_TRIPS = 400
"""Largest part searched with every possible connection and a size per trip."""
SWAPS_SHARE = 0.02
"""Of the time limit, what the exchanges for a stable week may take even where the week's
searches ran late: they converge in 0.1-0.2 s on a rural 1000-trip week, and without them its
stability fell from 0.975 to 0.938 (seed 4, whose searches end at the limit)."""
STATS_SHARE = UNASSIGNED_BOUND_SHARE + 0.02
"""Of the time limit, the share kept at the end for the final check and the statistics (their
bound on trips left out may take `UNASSIGNED_BOUND_SHARE`). The moves after the week's searches
end by then: trips left without a vehicle placed on running buses (measured: about 1 s on a
short-fleet rural 230-trip week) and the exchanges for a stable week (0.2 s on a rural
1000-trip week, where they converge)."""
MOVES_SHARE = 0.05
"""Of the time limit, the share kept before `STATS_SHARE` for the moves after the week's
searches (placing trips left without a vehicle, exchanges for a stable week): the week's
searches end by then. Without it a rural 230-trip week whose depot stage searched until the
limit placed no trip and left out 38 trip-days where 34 is the proven fewest."""
SPARE_SHARE = 0.9
"""With wide windows, of the time the stages leave, the share the fleet search over every
possible connection may take; the rest cuts the deadhead of a plan it improved."""
SPARE_MIN_S = 2.0
"""Less time left than this is not worth building that search."""
STAGE_WORDS = {
    "fleet": "saving buses",
    "spare": "saving buses over every connection",
    "deadhead": "cutting deadhead",
    "moves": "restoring bells",
}


def solve(
    problem: Problem,
    params: SolveParams | None = None,
    *,
    travel: TravelTimes | None = None,
    progress: ProgressCallback | None = None,
) -> Solution:
    """Plan buses for every requested day. Raises `Cancelled` when the callback asks to stop."""
    params = params or SolveParams()
    reporter = Reporter(progress)
    with reporter.heartbeat():
        return _solve(problem, params, travel or default_travel(problem), reporter)


def _solve(
    problem: Problem, params: SolveParams, travel: TravelTimes, reporter: Reporter
) -> Solution:
    started = time.monotonic()
    deadline = started + params.time_limit
    reporter.phase("starting", "optimization started")
    reporter.phase("loading", f"{len(problem.trips)} trips")

    reporter.phase("preprocessing", "grouping days and vehicle classes")
    day_sets = _day_sets(problem, params.days)
    depots = depot_travel(problem)
    alone = {k: alone_errors(problem, k, depots) for ds in day_sets for k in ds.trips}
    intervals = [seat_interval(problem, t) for t in problem.trips]

    reporter.phase("travel_matrix", "travel times between trips")
    needed = sorted(k for k, errors in alone.items() if not errors)
    matrix = travel.matrix(needed, needed) if needed else np.zeros((0, 0), np.int64)
    space = TripSpace(problem, needed, matrix, intervals, home_pulls(problem, depots))
    del matrix  # the space holds it, 32-bit when it fits

    reporter.phase("building_chains", "lower bounds and first plans")
    trips_total = sum(len(ds.trips) for ds in day_sets) or 1
    for n, ds in enumerate(day_sets):
        t0 = time.monotonic()
        budget = CHAIN_BOUND_SHARE * params.time_limit * len(ds.trips) / trips_total
        _build_groups(space, ds, params, budget, reporter)
        ds.seconds += time.monotonic() - t0
        reporter.within((n + 1) / len(day_sets), f"first plans for {', '.join(ds.days)}")

    if not operational(problem):
        space.release()
    deadline = max(deadline - FINISH_SHARE * (time.monotonic() - started), time.monotonic())
    moves_deadline = min(deadline, started + (1 - STATS_SHARE) * params.time_limit)
    if operational(problem):  # the week's searches leave the moves after them their share
        moves_deadline = max(moves_deadline, time.monotonic())
        week_end = moves_deadline - MOVES_SHARE * params.time_limit
        deadline = max(min(deadline, week_end), time.monotonic())
    week_deadline = deadline
    if _stable_chains(problem, day_sets):
        deadline -= STABLE_CHAINS_SHARE * max(deadline - time.monotonic(), 0.0)
    groups = [(ds, g) for ds in day_sets for g in ds.groups]
    reporter.phase("matching_blocks", "choosing shifts to save buses")
    _peak_stage(day_sets, deadline, params, reporter)
    _rounded_stage(day_sets, deadline, params, reporter)
    bounds = [g.lower_bound for _, g in groups]
    wide = any(wide_windows(part) for ds in day_sets for part in ds.parts)
    _run_stage(
        groups, "fleet", deadline, WIDE_FLEET_SHARE if wide else FLEET_SHARE, params, reporter
    )
    for (ds, group), before in zip(groups, bounds, strict=True):
        if group.whole:  # the duty limits may have raised a part's proven bound
            ds.lower_bound += group.lower_bound - before
    _size_stage(space, day_sets, deadline, params, reporter)
    groups = [(ds, g) for ds in day_sets for g in ds.groups]
    reporter.phase("local_search", "reducing deadhead and moved bells")
    _run_stage(groups, "deadhead", deadline, DEADHEAD_SHARE, params, reporter)
    _run_stage(groups, "moves", deadline, 1.0 - RESERVE_SHARE, params, reporter)
    if wide:
        _spare_stage(groups, deadline, params, reporter)

    reporter.phase("finalizing", "building timetables")
    missing: list[str] = []
    if operational(problem):
        rules = Rules.of(problem, travel, depots)
        week = WeekPlanner(rules, space, alone, week_deadline, moves_deadline)
        ordered = sorted(day_sets, key=lambda ds: -len(ds.trips))
        week.trips_left = sum(len(ds.trips) for ds in ordered[1:])
        for ds in ordered:
            week.add(ds.days, ds.trips, ds.groups)
        plans, missing = week.plans()
        if problem.settings.stable_week and len(day_sets) > 1:
            at_least = time.monotonic() + SWAPS_SHARE * params.time_limit
            plans = StableSwaps(rules, plans).run(max(moves_deadline, at_least))
    else:
        plans = {d: _day_plan(problem, d, ds, alone) for ds in day_sets for d in ds.days}
    solution = Solution(
        days=plans,
        seconds=round(time.monotonic() - started, 3),
        extra={"missing": missing} if missing else {},
    )
    violations = check(problem, solution, travel, days=plans, depots=depots)
    if violations:
        raise AssertionError(f"internal error, infeasible plan: {violations[:3]}")

    reporter.phase("calculating_stats", "statistics")
    solution = _with_stats(problem, solution, day_sets, alone, params.time_limit)
    reporter.phase(
        "completed",
        "optimization completed",
        buses={d: p.stats.buses for d, p in solution.days.items() if p.stats},
    )
    return solution


def _stable_chains(problem: Problem, day_sets: list[DaySet]) -> bool:
    """Whether the week planner re-plans the smaller days' whole chains for stability."""
    settings = problem.settings
    limited = settings.duty.max_spread_s is not None
    return operational(problem) and settings.stable_week and limited and len(day_sets) > 1


def _day_sets(problem: Problem, days: tuple[str, ...] | None) -> list[DaySet]:
    wanted = [d for d in problem.days() if days is None or d in days]
    by_trips: dict[tuple[int, ...], DaySet] = {}
    for day in wanted:
        trips = problem.trips_on(day)
        by_trips.setdefault(trips, DaySet([], trips)).days.append(day)
    return list(by_trips.values())


def _build_groups(
    space: TripSpace, ds: DaySet, params: SolveParams, budget: float, reporter: Reporter
) -> None:
    """Split a day into the groups no bus can mix (operators, contracts when apart, vehicle
    components: exact), bound each, then split by vehicle class (see `seats`) and start.
    Where a driver's spread is limited the bound is also that of whole chains
    (`chain_columns`), within `budget` seconds for the day."""
    parts = space.parts(ds.trips)
    trips_left = len(ds.trips)
    for n, trips in enumerate(parts):
        conn = space.connections(trips)
        limits = space.limits(trips)
        ds.part_limits.append(limits)
        bound = fleet_lower_bound(conn)
        if limits is not None:  # a part that converges early leaves its time to the rest
            seconds = budget * len(trips) / trips_left
            run = runner(
                SearchLimits(time.monotonic() + seconds, seconds, params.seed, params.workers),
                reporter,
                f"duty bound for {', '.join(ds.days)} ({len(trips)} trips)",
                (n / len(parts), (n + 1) / len(parts)),
            )
            t0 = time.monotonic()
            bound = max(bound, chain_bound(conn, limits, run) or 0)
            budget = max(budget - (time.monotonic() - t0), 0.0)
        trips_left -= len(trips)
        ds.parts.append(conn)
        ds.part_bounds.append(bound)
        ds.lower_bound += bound
        intervals = [space.intervals[k] for k in trips]
        classes = vehicle_classes(intervals, range(len(trips)))
        whole = len(classes) == 1
        for cls in classes:
            reporter.check()
            part = conn.subset(cls) if len(cls) < len(trips) else conn
            limits = space.limits([trips[p] for p in cls])
            group = start_group(
                part, params.neighbours, reporter.check, limits, whole, bound if whole else None
            )
            ds.groups.append(group)


def _peak_stage(
    day_sets: list[DaySet], deadline: float, params: SolveParams, reporter: Reporter
) -> None:
    """Where shift windows are wide, bounds that hold when the matching bound collapses, and
    shifts that start the fleet search, for each part. First the peak relaxation (`peak`,
    within `RELAXATION_SHARE` of the part's time), exact when every drive is the same; where
    that does not prove the part's groups, the time-indexed flows (`time_indexed`), which see
    every connection's drive: the exact one's rounded shifts (until `ROUNDED_SHARE`), then
    the relaxed one's bound. Measured at 230 trips with real drives, the flows' shifts needed
    1-6 fewer buses than the peak's, their bound up to 7 more."""
    wide = [(ds, n) for ds in day_sets for n, part in enumerate(ds.parts) if wide_windows(part)]
    if not wide:
        return
    stage_end = time.monotonic() + max(deadline - time.monotonic(), 0.0) * PEAK_SHARE
    total = sum(len(ds.parts[n]) for ds, n in wide)
    done = 0
    for ds, n in wide:
        part = ds.parts[n]
        t0 = time.monotonic()
        seconds = max(stage_end - t0, 0.0) * len(part) / max(total - done, 1)
        relaxation = RELAXATION_SHARE * seconds
        run = runner(
            SearchLimits(t0 + relaxation, relaxation, params.seed, params.workers),
            reporter,
            f"peak bound for {', '.join(ds.days)} ({len(part)} trips)",
            (done / total, (done + len(part)) / total),
        )
        result = peak_bound([PeakPart(part, [None] * len(part))], [], 0, None, run)
        groups = _groups_of(ds, part)
        if result:
            _offer(ds, n, groups, result.bound, result.shifts[0] if result.shifts else None)
        if not all(g.fleet_proven for g in groups):
            rounded = time_indexed_shifts(
                part,
                t0 + ROUNDED_SHARE * seconds,
                params.seed,
                goal=ds.part_bounds[n],
                check=reporter.check,
            )
            flow = time_indexed_bound(part, t0 + seconds, check=reporter.check)
            _offer(ds, n, groups, flow or 0, rounded)
        done += len(part)
        ds.seconds += time.monotonic() - t0


def _rounded_stage(
    day_sets: list[DaySet], deadline: float, params: SolveParams, reporter: Reporter
) -> None:
    """Narrow windows: where a part's first plans are above its bound, the shifts rounded from
    the exact time-indexed flow (`time_indexed`) give its groups another start, within
    `ROUNDED_NARROW_SHARE` of the time left, shared by the parts' possible connections (what
    their flows cost), smallest first so that the large ones get what the small ones leave.
    Measured on Monday of `gen.py --trips 3000 --radius 12`: an 824-trip part whose fleet
    search ends 4 buses above its bound, 143, is planned at 143 from the five-minute grid's
    rounding, in about 25 s."""
    todo = []
    for ds in day_sets:
        for n, part in enumerate(ds.parts):
            groups = _groups_of(ds, part)
            movable = bool((part.earliest < part.latest).any())
            if movable and not wide_windows(part) and not all(g.fleet_proven for g in groups):
                todo.append((ds, n, groups))
    stage_end = time.monotonic() + max(deadline - time.monotonic(), 0.0) * ROUNDED_NARROW_SHARE
    weights = [int(ds.parts[n].optimistic().sum()) + len(ds.parts[n]) for ds, n, _ in todo]
    total = sum(weights)
    order = sorted(range(len(todo)), key=lambda i: weights[i])  # small ones leave time to large
    for i in order:
        ds, n, groups = todo[i]
        reporter.check()
        t0 = time.monotonic()
        seconds = max(stage_end - t0, 0.0) * weights[i] / max(total, 1)
        total -= weights[i]
        rounded = time_indexed_shifts(
            ds.parts[n],
            t0 + seconds,
            params.seed,
            NARROW_GRIDS_S,
            goal=ds.part_bounds[n],
            check=reporter.check,
        )
        _offer(ds, n, groups, 0, rounded)
        ds.seconds += time.monotonic() - t0


def _groups_of(ds: DaySet, part: Connections) -> list[Group]:
    members = set(part.trips)
    return [g for g in ds.groups if g.connections.trips[0] in members]


def _offer(ds: DaySet, n: int, groups: list[Group], bound: int, shifts: np.ndarray | None) -> None:
    """A bound for part `n` of the day set, and shifts for all its trips (a start for each of
    its groups)."""
    if bound > ds.part_bounds[n]:
        ds.lower_bound += bound - ds.part_bounds[n]
        ds.part_bounds[n] = bound
    shift_of = (
        dict(zip(ds.parts[n].trips, shifts.tolist(), strict=True)) if shifts is not None else {}
    )
    for group in groups:
        trips = group.connections.trips
        group_shifts = np.array([shift_of[k] for k in trips], np.int64) if shift_of else None
        group.offer(group_shifts, ds.part_bounds[n] if group.whole else None)


def _size_stage(
    space: TripSpace,
    day_sets: list[DaySet],
    deadline: float,
    params: SolveParams,
    reporter: Reporter,
) -> None:
    """Parts split into vehicle classes whose plan is above their bound: sizes and connections
    chosen together over the whole part (`sized_model`), which may save the buses the split
    cost and proves a bound that sees the sizes. The part is then regrouped by the sizes
    chosen, each class starting from the model's shifts."""
    todo = []
    for ds in day_sets:
        for n, part in enumerate(ds.parts):
            members = set(part.trips)
            mine = [g for g in ds.groups if g.connections.trips[0] in members]
            buses = sum(g.plan.buses(g.size) for g in mine)
            small = len(part) <= SIZED_MAX_TRIPS and ds.part_limits[n] is None
            if small and len(mine) > 1 and buses > ds.part_bounds[n]:
                todo.append((ds, n, mine))
    if not todo:
        return
    stage_end = time.monotonic() + max(deadline - time.monotonic(), 0.0) * SIZED_SHARE
    total = sum(len(ds.parts[n]) for ds, n, _ in todo)
    done = 0
    for ds, n, mine in todo:
        part = ds.parts[n]
        t0 = time.monotonic()
        seconds = max(stage_end - t0, 0.0) * len(part) / max(total - done, 1)
        run = runner(
            SearchLimits(t0 + seconds, SIZED_EFFORT_PER_TRIP * len(part), params.seed, 1),
            reporter,
            f"vehicle sizes for {', '.join(ds.days)} ({len(part)} trips)",
            (done / total, (done + len(part)) / total),
        )
        done += len(part)
        found = _sized_plan(space, part, mine, params, reporter, run)
        ds.seconds += time.monotonic() - t0
        if found is None:
            continue
        bound, regrouped = found
        if bound > ds.part_bounds[n]:
            ds.lower_bound += bound - ds.part_bounds[n]
            ds.part_bounds[n] = bound
        if regrouped:
            at = next(i for i, g in enumerate(ds.groups) if g is mine[0])
            kept = [g for g in ds.groups if all(g is not m for m in mine)]
            ds.groups = kept[:at] + regrouped + kept[at:]


def _sized_plan(
    space: TripSpace,
    part: Connections,
    mine: list[Group],
    params: SolveParams,
    reporter: Reporter,
    run: Runner,
) -> tuple[int, list[Group]] | None:
    """The part's proven bound with sizes, and its new groups when the model saved a bus
    (empty otherwise); None when the search found no plan in time."""
    intervals = [space.intervals[k] for k in part.trips]
    position = {k: p for p, k in enumerate(part.trips)}
    arcs: list[tuple[int, int]] = []
    shifts = np.zeros(len(part), np.int64)
    classes = []
    for g in mine:
        at = [position[k] for k in g.connections.trips]
        classes.append(at)
        arcs += [(at[i], at[j]) for i, j in g.plan.arcs]
        shifts[at] = g.plan.shifts
    model = SizedChainModel(part, intervals, reporter.check, wide_windows(part))
    found = model.fewest_buses(Plan(tuple(arcs), shifts), class_sizes(intervals, classes), run)
    if found is None:
        return None
    plan, sizes = found
    if len(plan.arcs) <= len(arcs):
        return model.buses_bound(), []
    regrouped = []
    for cls in classes_of(sizes):
        group = start_group(part.subset(cls), params.neighbours, reporter.check, whole=False)
        group.offer(plan.shifts[cls])
        regrouped.append(group)
    return model.buses_bound(), regrouped


def _run_stage(
    groups: list[tuple[DaySet, Group]],
    stage: str,
    deadline: float,
    share: float,
    params: SolveParams,
    reporter: Reporter,
) -> None:
    """Run one stage on every group, sharing `share` of the remaining time by group size."""
    stage_end = time.monotonic() + max(deadline - time.monotonic(), 0.0) * share
    sizes = [g.size for _, g in groups]
    total = sum(sizes) or 1
    done = 0
    for (ds, group), size in zip(groups, sizes, strict=True):
        t0 = time.monotonic()
        if t0 >= deadline and stage != "moves":
            done += size  # out of time: keep the plan (building a search alone takes seconds)
            continue
        seconds = max(stage_end - t0, 0.0) * size / max(total - done, 1)
        span = (done / total, (done + size) / total)
        per_trip = {"fleet": group.fleet_effort_per_trip, "deadhead": params.effort_per_trip}
        effort = 0.5 + per_trip.get(stage, float("inf")) * size
        run = runner(
            SearchLimits(t0 + seconds, min(seconds, effort), params.seed, params.workers),
            reporter,
            f"{STAGE_WORDS[stage]} for {', '.join(ds.days)} ({size} trips)",
            span,
        )
        if stage == "fleet":
            group.reduce_fleet(run)
        elif stage == "spare":
            group.search_every_connection(run)
        elif stage == "deadhead":
            group.reduce_deadhead(run)
        else:
            group.reduce_moves(run)
        done += size
        ds.seconds += time.monotonic() - t0
        reporter.within(done / total, f"{STAGE_WORDS[stage]}: {done} of {total} trips done")


def _spare_stage(
    groups: list[tuple[DaySet, Group]], deadline: float, params: SolveParams, reporter: Reporter
) -> None:
    """With wide windows the stages after the fleet search often end early, their searches
    proven or their effort spent: the time left goes to the fleet search over every possible
    connection of the groups whose fleet is not proven (see `Group.search_every_connection`),
    and then, where it saved a bus, to cutting that plan's deadhead."""
    todo = [(ds, g) for ds, g in groups if wide_windows(g.connections) and not g.fleet_proven]
    if not todo or deadline - time.monotonic() < SPARE_MIN_S:
        return
    before = [(g.lower_bound, len(g.plan.arcs)) for _, g in todo]
    _run_stage(todo, "spare", deadline, SPARE_SHARE, params, reporter)
    for (ds, group), (bound, _) in zip(todo, before, strict=True):
        if group.whole:
            ds.lower_bound += group.lower_bound - bound
    better = [
        pair for pair, (_, arcs) in zip(todo, before, strict=True) if len(pair[1].plan.arcs) > arcs
    ]
    if better:
        _run_stage(better, "deadhead", deadline, 1.0 - RESERVE_SHARE, params, reporter)


def _day_plan(problem: Problem, day: str, ds: DaySet, alone: dict[int, list[Refusal]]) -> DayPlan:
    runs = timed_runs(problem, ds.groups)
    width = max(2, len(str(len(runs))))
    buses = tuple(Bus(f"B{n + 1:0{width}d}", r) for n, r in enumerate(runs))
    unassigned = tuple(
        Unassigned(problem.trips[k].id, alone[k][0].message, alone[k][0].rule)
        for k in ds.trips
        if alone[k]
    )
    return DayPlan(day, buses, unassigned, same_as=ds.days[0] if day != ds.days[0] else None)


def _deadhead_bound(problem: Problem, ds: DaySet, plan: DayPlan) -> int:
    """The deadhead bound of each part at the buses the plan gives it (trips on a bus only)."""
    bus_of = {p.trip_id: b for b, bus in enumerate(plan.buses) for p in bus.trips}
    total = 0
    for part in ds.parts:
        ids = [problem.trips[k].id for k in part.trips]
        planned = [n for n, t in enumerate(ids) if t in bus_of]
        buses = len({bus_of[ids[n]] for n in planned})
        if planned:
            total += deadhead_lower_bound(part.subset(planned), buses)
    return total


def _with_stats(
    problem: Problem,
    solution: Solution,
    day_sets: list[DaySet],
    alone: dict[int, list[Refusal]],
    time_limit: float,
) -> Solution:
    days = {}
    trips_total = sum(len(ds.trips) for ds in day_sets) or 1
    for ds in day_sets:
        bounds: dict[tuple[tuple[str, ...], ...], int] = {}  # days with the same buses share it
        short = None
        left_out = [len(solution.days[d].unassigned) for d in ds.days]
        if any(left_out):
            seconds = UNASSIGNED_BOUND_SHARE * time_limit * len(ds.trips) / trips_total
            short = unassigned_lower_bound(
                problem, ds.trips, ds.parts, ds.part_limits, alone, seconds, min(left_out)
            )
        for d in ds.days:
            plan = solution.days[d]
            buses = tuple(sorted(tuple(p.trip_id for p in bus.trips) for bus in plan.buses))
            if buses not in bounds:
                bounds[buses] = _deadhead_bound(problem, ds, plan)
            stats = day_stats(
                plan.buses,
                len(ds.trips),
                ds.lower_bound,
                ds.seconds,
                unassigned=len(plan.unassigned),
                fleet=[f.id for f in problem.fleet],
                deadhead_bound=bounds[buses],
                unassigned_bound=short if plan.unassigned else None,
            )
            days[d] = DayPlan(plan.day, plan.buses, plan.unassigned, stats, plan.same_as)
    ordered = {d: days[d] for d in DAYS if d in days}
    week = stability(ordered) if operational(problem) else None
    return Solution(ordered, solution.seconds, solution.status, solution.extra, week)
