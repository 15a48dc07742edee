"""The lower bound on buses is never above the true optimum, and exact with fixed times."""

from __future__ import annotations

import pytest

from busplan.core.bounds import fleet_lower_bound
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
