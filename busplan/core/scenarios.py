"""Bell scenarios: the fewest buses with at most K bells moved, for K = 0, 1, 2, ...

For each K, the moves are those chosen for K - 1 and one more (`move_search`), or the peak
relaxation's choice (`peak`) where the matching bound scores that better; the peak relaxation
and the removal bound (`removal`) prove bounds on the busiest day's buses. The problem with
those bells moved then goes through the ordinary solver, so each row's plan is an ordinary plan
that `check` accepts on the moved problem. Row 0 is exactly the plan `solve` gives today.

Two facts keep the curve honest. A plan with at most K moves is also a plan with at most K + 1,
so a row that is no better than the one before (buses, then deadhead) keeps the earlier moves
and plan. A bound for
K + 1 moves is also a bound for K, so every row's bound is the best of its own and the later
ones'.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from busplan.core.bells import BellKey, BellRules, MoveUnit, move_bells, move_units, moves_of_units
from busplan.core.model import Problem
from busplan.core.move_search import Moves, MoveSearch
from busplan.core.peak import PeakPart, peak_bound, stretch
from busplan.core.progress import ProgressCallback, Reporter
from busplan.core.removal import RemovalBound
from busplan.core.rules import alone_errors, seat_interval
from busplan.core.search import Runner, SearchLimits, runner
from busplan.core.solution import Solution
from busplan.core.solve import SolveParams, solve
from busplan.core.space import TripSpace, home_pulls
from busplan.core.travel import TravelTimes, default_travel, depot_travel

PEAK_SHARE = 0.5
"""Of each row's time, the share for choosing the moves and bounding; the rest plans the
moved problem."""
CHOICE_SHARE = 0.7
"""Of that share, the part for choosing the moves (the rest bounds)."""
NEXT_MOVE_SHARE = 0.8
"""Of the choosing time, the most the search for the next move may take (a safety net: it
normally ends by itself, in about 12 s a move at 1000 trips and 252 bells); the peak
relaxation's choice gets the rest."""
REMOVAL_SHARE = 0.8
"""Of the bounding time, the most the removal bound may take; the peak gets the rest (the
removal bound is the stronger with few moves and narrow windows, and stops when proven)."""


@dataclass(frozen=True)
class Scenario:
    max_moves: int
    moves: dict[BellKey, int]
    """Seconds each moved bell moves by."""
    units_moved: int
    solution: Solution
    problem: Problem
    """The problem with the bells moved: the solution is a plan of this problem."""
    bound: int
    """Proven: with at most `max_moves` moves, no plan runs the busiest day on fewer buses."""
    seconds: float

    @property
    def fleet(self) -> int:
        """Buses on the busiest day: the vehicles the plan needs."""
        return max((len(p.buses) for p in self.solution.days.values()), default=0)

    @property
    def deadhead_s(self) -> int:
        return sum(p.stats.deadhead_s for p in self.solution.days.values() if p.stats)

    @property
    def buses(self) -> dict[str, int]:
        return {d: len(p.buses) for d, p in self.solution.days.items()}


Row = Callable[[Scenario], None]


def bell_curve(
    problem: Problem,
    rules: BellRules,
    max_moves: int,
    params: SolveParams,
    *,
    travel: TravelTimes | None = None,
    progress: ProgressCallback | None = None,
    on_row: Row | None = None,
) -> list[Scenario]:
    """Rows K = 0..max_moves; `params.time_limit` is each row's time. Raises `Cancelled`."""
    travel = travel or default_travel(problem)
    units = move_units(problem, rules)
    parts = _peak_parts(problem, travel, units)
    busiest = _busiest_day(parts)
    reporter = Reporter(progress)
    search = MoveSearch(parts, rules.amounts())
    removal = RemovalBound(parts, problem.settings.buffer_s)
    previous: Moves = {}
    rows: list[Scenario] = []
    for k in range(max_moves + 1):
        started = time.monotonic()
        if rows:
            parts = _with_plan_tails(problem, parts, rows[-1].solution)
        chosen: Moves = {}
        if k:
            chosen = _choose(parts, search, previous, rules, len(units), k, params, reporter)
        proven, removed = _bounds(removal, busiest, rules, len(units), k, params, reporter)
        moves = moves_of_units(units, [chosen.get(u, 0) for u in range(len(units))])
        moved = move_bells(problem, moves)
        solve_params = replace(params, time_limit=params.time_limit * (1 - PEAK_SHARE))
        solution = solve(moved, solve_params, travel=travel, progress=progress)
        bound = max(proven, removed, _solved_bound(solution) if k == 0 else 0)
        seconds = round(time.monotonic() - started, 3)
        row = Scenario(k, moves, len(chosen), solution, moved, bound, seconds)
        if rows and (row.fleet, row.deadhead_s) >= (rows[-1].fleet, rows[-1].deadhead_s):
            row = replace(rows[-1], max_moves=k, bound=bound, seconds=row.seconds)
        previous = chosen  # the next row adds to these even when their plan was no better
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return _bounds_from_later_rows(rows)


def _choose(
    parts: list[PeakPart],
    search: MoveSearch,
    previous: Moves,
    rules: BellRules,
    n_units: int,
    max_moves: int,
    params: SolveParams,
    reporter: Reporter,
) -> Moves:
    """The moves of row K: one more on top of those chosen for row K - 1 (`move_search`), or
    the peak relaxation's own choice of at most K, whichever the matching bound scores better
    (the nested one on a tie)."""
    seconds = params.time_limit * PEAK_SHARE * CHOICE_SHARE
    started = time.monotonic()
    nested = search.next_move(previous, started + seconds * NEXT_MOVE_SHARE)
    left = max(seconds - (time.monotonic() - started), 0.05)
    run = _runner(left, params, reporter, f"choosing at most {max_moves} bell moves")
    found = peak_bound(parts, rules.amounts(), n_units, max_moves, run, relax=False)
    candidates = [nested]
    if found is not None and found.buses is not None:
        candidates.append({u: a for u, a in enumerate(found.amounts) if a})
    return min(candidates, key=search.score)


def _bounds(
    removal: RemovalBound,
    busiest: list[PeakPart],
    rules: BellRules,
    n_units: int,
    max_moves: int,
    params: SolveParams,
    reporter: Reporter,
) -> tuple[int, int]:
    """Two proven bounds with at most `max_moves` moves: the peak relaxation's on the busiest
    day (strong when many bells move) and the removal bound on every day (strong when few
    do); the removal bound goes first and leaves the peak what it does not use."""
    seconds = params.time_limit * PEAK_SHARE * (1 - CHOICE_SHARE)
    run = _runner(seconds, params, reporter, f"bounding at most {max_moves} bell moves")
    removed = removal(max_moves, run.share(REMOVAL_SHARE))
    proven = peak_bound(busiest, rules.amounts(), n_units, max_moves, run.share(1.0), relax=True)
    return (proven.bound if proven else 0), removed


def _runner(seconds: float, params: SolveParams, reporter: Reporter, message: str) -> Runner:
    limits = SearchLimits(time.monotonic() + seconds, seconds, params.seed, params.workers)
    return runner(limits, reporter, message, (0.0, 1.0))


def _with_plan_tails(problem: Problem, parts: list[PeakPart], plan: Solution) -> list[PeakPart]:
    """Tails for choosing moves: each trip's drive plus buffer to its successor in the plan
    (travel does not depend on the time of day); last trips keep their proven tail."""
    gap: dict[str, int] = {}
    for day in plan.days.values():
        for bus in day.buses:
            for a, b in zip(bus.trips, bus.trips[1:], strict=False):
                gap[a.trip_id] = b.deadhead_s + problem.settings.buffer_s
    out = []
    for part in parts:
        c = part.connections
        _, proven = stretch(c, c.earliest, c.latest)
        ids = [problem.trips[k].id for k in c.trips]
        tail = np.array([gap.get(t, int(p)) for t, p in zip(ids, proven, strict=True)], np.int64)
        out.append(replace(part, tail=tail))
    return out


def _busiest_day(parts: list[PeakPart]) -> list[PeakPart]:
    """The parts of the day with the most trips: a bound on its buses bounds the fleet, at a
    fraction of the cost of bounding every day together."""
    trips: dict[int, int] = {}
    for part in parts:
        trips[part.day_set] = trips.get(part.day_set, 0) + len(part.connections)
    day = max(trips, key=lambda d: (trips[d], -d))
    return [p for p in parts if p.day_set == day]


def _solved_bound(solution: Solution) -> int:
    return max((p.stats.lower_bound for p in solution.days.values() if p.stats), default=0)


def _bounds_from_later_rows(rows: list[Scenario]) -> list[Scenario]:
    best = 0
    out = []
    for row in reversed(rows):
        best = max(best, row.bound)
        out.append(replace(row, bound=best))
    return out[::-1]


def _peak_parts(problem: Problem, travel: TravelTimes, units: list[MoveUnit]) -> list[PeakPart]:
    """The parts no bus can mix of every distinct day, each trip tagged with its move unit."""
    unit_of = {k: u for u, unit in enumerate(units) for k in unit.trips}
    depots = depot_travel(problem)
    day_sets = sorted({problem.trips_on(d) for d in problem.days()})
    runnable = sorted(
        {k for trips in day_sets for k in trips if not alone_errors(problem, k, depots)}
    )
    space = TripSpace(
        problem,
        runnable,
        travel.matrix(runnable, runnable),
        [seat_interval(problem, t) for t in problem.trips],
        home_pulls(problem, depots),
    )
    parts = []
    for n, trips in enumerate(day_sets):
        for part in space.parts(trips):
            c = space.connections(part)
            parts.append(PeakPart(c, [unit_of.get(k) for k in c.trips], n))
    return parts
