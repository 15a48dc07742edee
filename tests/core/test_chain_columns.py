"""Whole chains as columns (`chain_columns`): the bound is the set-covering LP over every chain
the relaxation allows, never above the fewest buses, and the plan keeps the spread."""

from __future__ import annotations

import math
import random
import time
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from ortools.linear_solver import pywraplp

from busplan.core import SolveParams, solve
from busplan.core.bounds import fleet_lower_bound
from busplan.core.chain_columns import chain_bound, chain_plan, plan_columns
from busplan.core.chain_model import Plan
from busplan.core.connections import Connections
from busplan.core.duty_model import DayLimits, keeps_limits
from busplan.core.flow import chains, min_cost_cover
from busplan.core.model import Problem
from busplan.core.progress import Reporter
from busplan.core.rules import seat_interval
from busplan.core.search import Runner, SearchLimits, runner
from busplan.core.space import TripSpace, home_pulls
from busplan.core.travel import default_travel, depot_travel
from busplan.io.problem_json import parse_problem
from tests.conftest import trip
from tests.core.brute_force import partitions


def run(seconds: float = 30) -> Runner:
    return runner(
        SearchLimits(time.monotonic() + seconds, seconds, 0, 1), Reporter(None), "", (0, 1)
    )


def duty_problem(seed: int, n: int, window: int, spread: int = 300) -> dict[str, Any]:
    """One operator, two depots at different distances, trips spread over the day, a spread
    limit that binds, random drives between trips."""
    rng = random.Random(seed)
    trips = [
        trip(
            f"T{k}",
            rng.choice(["entry", "exit"]),
            f"{7 + rng.randrange(9):02d}:{rng.choice([0, 15, 30, 45]):02d}",
            rng.choice([20, 30, 40]),
            seats=20,
            days=["L"],
            operator="OP1",
        )
        for k in range(n)
    ]
    return {
        "version": 2,
        "depots": [
            {"id": "D1", "operator": "OP1", "lat": 42.2, "lon": -8.7},
            {"id": "D2", "operator": "OP1", "lat": 42.3, "lon": -8.6},
        ],
        "trips": trips,
        "settings": {
            "entry_shift_min": [-window, window],
            "exit_shift_min": [-window, window],
            "buffer_min": 0,
            "duty": {"max_spread_min": spread},
        },
        "travel": {
            "minutes": [[0 if i == j else rng.randint(5, 40) for j in range(n)] for i in range(n)],
            "depot_out_min": [[rng.randint(5, 40) for _ in range(n)] for _ in range(2)],
            "depot_in_min": [[rng.randint(5, 40) for _ in range(2)] for _ in range(n)],
        },
    }


def group(problem: Problem) -> tuple[Connections, DayLimits]:
    """The problem's one part as the solver builds it: connections and duty limits."""
    trips = list(range(len(problem.trips)))
    space = TripSpace(
        problem,
        trips,
        default_travel(problem).matrix(trips, trips),
        [seat_interval(problem, t) for t in problem.trips],
        home_pulls(problem, depot_travel(problem)),
    )
    [part] = space.parts(trips)
    limits = space.limits(part)
    assert limits is not None
    return space.connections(part), limits


def relaxed_chains(
    c: Connections, limits: DayLimits, depots: list[int] | None = None
) -> list[tuple[int, ...]]:
    """Every chain the bound's relaxation allows: optimistic connections one after another,
    first and last within the spread at their most favourable shifts, out of and back to one
    depot (one of `depots`, every depot when None)."""
    spread = limits.duty.max_spread_s
    assert spread is not None and limits.homes is not None
    out, back = limits.homes
    joins = c.optimistic()
    latest_start, earliest_end = c.base_start + c.latest, c.base_end + c.earliest
    found = []

    def extend(chain: tuple[int, ...]) -> None:
        first, last = chain[0], chain[-1]
        if any(
            earliest_end[last] + back[last, d] - latest_start[first] + out[d, first] <= spread
            for d in (range(out.shape[0]) if depots is None else depots)
        ):
            found.append(chain)
        for k in np.nonzero(joins[chain[-1]])[0]:
            if int(k) not in chain:
                extend((*chain, int(k)))

    for k in range(len(c)):
        extend((k,))
    return found


def covering_lp(n: int, columns: list[tuple[int, ...]]) -> float:
    lp = pywraplp.Solver.CreateSolver("GLOP")
    use = [lp.NumVar(0, lp.infinity(), "") for _ in columns]
    for k in range(n):
        lp.Add(sum(u for u, col in zip(use, columns, strict=True) if k in col) >= 1)
    lp.Minimize(sum(use))
    assert lp.Solve() == pywraplp.Solver.OPTIMAL
    return float(lp.Objective().Value())


def fewest_buses_at_official_times(problem: Problem) -> int:
    """Exhaustive: every partition of the trips into buses, each bus's trips in time order,
    every connection feasible at official times and the spread kept from one usable depot."""
    c, limits = group(problem)
    assert limits.homes is not None and limits.duty.max_spread_s is not None
    spread = limits.duty.max_spread_s
    feasible = c.feasible(np.zeros(len(c), np.int64))
    out, back = limits.homes

    def runs(bus: list[int]) -> bool:
        chain = sorted(bus, key=lambda k: c.base_start[k])
        first, last = chain[0], chain[-1]
        return all(feasible[i, j] for i, j in pairwise(chain)) and any(
            c.base_end[last] + back[last, d] - c.base_start[first] + out[d, first] <= spread
            for d in range(out.shape[0])
        )

    return min(len(buses) for buses in partitions(len(c)) if all(map(runs, buses)))


@pytest.mark.parametrize("seed", range(6))
def test_the_bound_is_the_covering_lp_over_every_chain_the_relaxation_allows(seed: int) -> None:
    """Column generation reaches the LP optimum over all chains (enumerated here), rounded up."""
    c, limits = group(parse_problem(duty_problem(seed, 7, window=10)))
    lp = covering_lp(len(c), relaxed_chains(c, limits))
    assert chain_bound(c, limits, run()) == math.ceil(lp - 1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_bound_and_plan_against_exhaustive_search_at_official_times(seed: int) -> None:
    """bound <= the fewest buses <= the plan, the plan covers each trip once within the spread;
    at official times the plan's grid is exact, so here it is optimal."""
    problem = parse_problem(duty_problem(seed, 7, window=0))
    c, limits = group(problem)
    best = fewest_buses_at_official_times(problem)
    bound = chain_bound(c, limits, run())
    plan = chain_plan(c, limits, run())
    assert bound is not None and plan is not None
    assert fleet_lower_bound(c) <= bound <= best
    assert plan.buses(len(c)) == best
    assert sorted(k for chain in chains(len(c), list(plan.arcs)) for k in chain) == list(
        range(len(c))
    )
    assert keeps_limits(c, plan.arcs, plan.shifts, limits)


@pytest.mark.parametrize("seed", range(6))
def test_a_start_that_breaks_the_spread_is_cut_and_the_plan_from_it_is_still_optimal(
    seed: int,
) -> None:
    """The flow at official times ignores the spread: as columns it is cut into pieces that
    keep it, each trip once, and the plan from that start, stopping at the bound, is optimal."""
    problem = parse_problem(duty_problem(seed, 7, window=0))
    c, limits = group(problem)
    zero = np.zeros(len(c), np.int64)
    free = Plan(tuple(min_cost_cover(c.feasible(zero), c.cost)), zero)
    start = plan_columns(c, limits, free)
    assert sorted(k for column in start for k in column.trips) == list(range(len(c)))
    for column in start:
        assert keeps_limits(c, tuple(pairwise(column.trips)), zero, limits)
    bound = chain_bound(c, limits, run())
    assert bound is not None
    plan = chain_plan(c, limits, run(), start=start, enough=bound)
    assert plan is not None and keeps_limits(c, plan.arcs, plan.shifts, limits)
    assert plan.buses(len(c)) == fewest_buses_at_official_times(problem)


@pytest.mark.parametrize("seed", range(4))
def test_the_plan_with_shift_windows_keeps_the_spread_and_its_connections(seed: int) -> None:
    problem = parse_problem(duty_problem(seed, 12, window=10))
    c, limits = group(problem)
    plan = chain_plan(c, limits, run())
    bound = chain_bound(c, limits, run())
    assert plan is not None and bound is not None
    assert bound <= plan.buses(len(c))
    assert all(c.feasible(plan.shifts)[i, j] for i, j in plan.arcs)
    assert ((c.earliest <= plan.shifts) & (plan.shifts <= c.latest)).all()
    assert keeps_limits(c, plan.arcs, plan.shifts, limits)


def test_a_spread_that_no_connection_sees_raises_the_bound_and_the_solver_keeps_it() -> None:
    """A at 7:00, B at 11:00, C at 14:30: A-B and B-C each fit in 8 hours, A-B-C does not. The
    matching bound sees two connections (one bus); whole chains see two buses, and the plan
    has two."""
    data = duty_problem(0, 3, window=0, spread=480)
    for t, at in zip(data["trips"], ["07:00", "11:00", "14:30"], strict=True):
        t.update(kind="exit", time=at, duration_min=30)
    data["travel"]["minutes"] = [[0 if i == j else 10 for j in range(3)] for i in range(3)]
    data["travel"]["depot_out_min"] = [[5] * 3, [50] * 3]
    data["travel"]["depot_in_min"] = [[5, 50]] * 3
    problem = parse_problem(data)
    c, limits = group(problem)
    assert fleet_lower_bound(c) == 1
    assert chain_bound(c, limits, run()) == 2
    solution = solve(problem, SolveParams(time_limit=10))
    stats = solution.days["L"].stats
    assert stats is not None
    assert (stats.buses, stats.lower_bound) == (2, 2)


def test_no_spread_limit_means_no_chain_bound_or_plan() -> None:
    data = duty_problem(1, 5, window=5)
    data["settings"]["duty"] = {"max_drive_min": 600}
    c, limits = group(parse_problem(data))
    assert chain_bound(c, limits, run()) is None
    assert chain_plan(c, limits, run()) is None


def thirty_minute_trips(times: list[str], window: int) -> dict[str, Any]:
    """30-minute exits at `times`, 10 minutes apart by road, 5 minutes from both depots, within
    +-`window` minutes, a 10-hour spread."""
    n = len(times)
    data = duty_problem(0, n, window=window, spread=600)
    for t, at in zip(data["trips"], times, strict=True):
        t.update(kind="exit", time=at, duration_min=30)
    data["travel"]["minutes"] = [[0 if i == j else 10 for j in range(n)] for i in range(n)]
    data["travel"]["depot_out_min"] = [[5] * n, [5] * n]
    data["travel"]["depot_in_min"] = [[5, 5]] * n
    return data


def test_given_usual_bus_ids_the_chains_keep_trips_together_at_no_cost_in_buses() -> None:
    """A and B run together in the morning, C and D in the afternoon: two buses either way.
    Usually A shares a bus with D and B with C; the chains keep them so, and without the ids
    they may not."""
    c, limits = group(parse_problem(thirty_minute_trips(["07:00", "07:05", "14:00", "14:05"], 0)))
    for bus_of in ([1, 2, 2, 1], [1, 2, 1, 2]):
        plan = chain_plan(c, limits, run(), list(bus_of))
        assert plan is not None
        assert plan.buses(4) == 2
        assert all(bus_of[i] == bus_of[j] for i, j in plan.arcs)


def test_bells_move_only_where_a_bus_is_saved() -> None:
    """With +-10 min windows, chains that need no shift move no bell (the grid would give
    many shifted ones); one that needs a shift moves by the least that makes it fit."""
    c, limits = group(parse_problem(thirty_minute_trips(["07:00", "07:05", "07:38", "14:05"], 10)))
    plan = chain_plan(c, limits, run())
    assert plan is not None and plan.buses(4) == 2
    assert plan.moved() == 2 * 60  # 07:00 ends 07:30, +10 min drive: 07:38 goes at 07:40


def test_a_bus_returns_to_the_depot_it_left_in_the_bound_too() -> None:
    """A (7:00) is 5 min from depot D1 and B (14:00-14:30) 5 min from D2, each an hour from the
    other depot. From the nearest depot at each end one bus fits in 8 hours (6:55-14:35), but
    a bus comes back where it left: 8 h 35 either way, so two buses, and the bound says so."""
    data = duty_problem(0, 2, window=0, spread=480)
    for t, at in zip(data["trips"], ["07:00", "14:00"], strict=True):
        t.update(kind="exit", time=at, duration_min=30)
    data["travel"]["minutes"] = [[0, 10], [10, 0]]
    data["travel"]["depot_out_min"] = [[5, 60], [60, 5]]
    data["travel"]["depot_in_min"] = [[5, 60], [60, 5]]
    problem = parse_problem(data)
    c, limits = group(problem)
    assert chain_bound(c, limits, run()) == 2
    stats = solve(problem, SolveParams(time_limit=10)).days["L"].stats
    assert stats is not None
    assert (stats.buses, stats.lower_bound) == (2, 2)
