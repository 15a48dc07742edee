"""The lower bounds on buses and on deadhead are never above the true optimum, and exact with
fixed times."""

from __future__ import annotations

import pytest

from busplan.core import SolveParams, solve
from busplan.core.bounds import deadhead_lower_bound, fleet_lower_bound
from busplan.io.problem_json import parse_problem
from tests.conftest import random_problem
from tests.core.brute_force import best_buses_and_deadhead, connections


@pytest.mark.parametrize("seed", range(12))
def test_bound_never_above_brute_force_optimum(seed: int) -> None:
    """Optimistic-connection path cover <= the best fleet over all whole-minute shifts."""
    problem = parse_problem(random_problem(seed, n=5, window=2))
    buses, _ = best_buses_and_deadhead(problem)
    assert fleet_lower_bound(connections(problem)) <= buses


@pytest.mark.parametrize("seed", range(6))
def test_bound_is_exact_with_fixed_times(seed: int) -> None:
    """With every window [0, 0] the bound is the minimum fleet itself."""
    problem = parse_problem(random_problem(seed, n=7, window=0))
    buses, _ = best_buses_and_deadhead(problem)
    assert fleet_lower_bound(connections(problem)) == buses


def test_bound_counts_vehicle_classes() -> None:
    """Trips that no single vehicle size can serve never share a bus, even in the bound."""
    data = random_problem(0, n=4, window=0, span=1)
    for k, t in enumerate(data["trips"]):
        t["time"] = ["07:00", "09:00", "11:00", "13:00"][k]
        t["kind"] = "entry"
        t["seats"] = 10
        t["vehicle_seats"] = [[1, 19], [20, 40]][k % 2]
    problem = parse_problem(data)
    assert fleet_lower_bound(connections(problem)) == 2


@pytest.mark.parametrize("seed", range(10))
def test_deadhead_bound_never_above_the_least_deadhead_at_that_fleet(seed: int) -> None:
    """For the optimal fleet, the deadhead bound <= the least deadhead over all whole-minute
    shifts (found by exhaustive search)."""
    problem = parse_problem(random_problem(seed, n=5, window=2))
    buses, deadhead = best_buses_and_deadhead(problem)
    assert deadhead_lower_bound(connections(problem), buses) <= deadhead


@pytest.mark.parametrize("seed", range(6))
def test_deadhead_bound_is_exact_with_fixed_times(seed: int) -> None:
    """With every window [0, 0] the bound is the least deadhead at the minimum fleet."""
    problem = parse_problem(random_problem(seed, n=7, window=0))
    buses, deadhead = best_buses_and_deadhead(problem)
    assert deadhead_lower_bound(connections(problem), buses) == deadhead


def test_deadhead_bound_in_the_day_stats_holds_for_the_plan() -> None:
    """Each day's stats carry a deadhead bound no larger than the plan's own deadhead."""
    problem = parse_problem(random_problem(3, n=14, window=5))
    solution = solve(problem, SolveParams(time_limit=10))
    for plan in solution.days.values():
        assert plan.stats is not None and plan.stats.deadhead_bound_s is not None
        assert 0 <= plan.stats.deadhead_bound_s <= plan.stats.deadhead_s
