"""The whole-chain bound on trips left out (`fleet_chains`): column generation reaches the LP over
every chain each vehicle may run, within the counts, and never proves more than exhaustive search
finds (that is `test_operations`' short-fleet test)."""

from __future__ import annotations

import math

import pytest
from ortools.linear_solver import pywraplp

from busplan.core.fleet_chains import chain_shortfall
from busplan.io.problem_json import parse_problem
from tests.core.test_chain_columns import duty_problem, group, relaxed_chains


def fewest_left_out_lp(n: int, chains: list[tuple[list[tuple[int, ...]], int]]) -> float:
    """Leave out the fewest trips, each trip on a chain or left out, at most `count` chains of
    each vehicle: every chain enumerated."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    left = [lp.NumVar(0, 1, "") for _ in range(n)]
    use = [[lp.NumVar(0, lp.infinity(), "") for _ in own] for own, _ in chains]
    for k in range(n):
        on = [
            u
            for (own, _), us in zip(chains, use, strict=True)
            for u, c in zip(us, own, strict=True)
            if k in c
        ]
        lp.Add(sum(on) + left[k] >= 1)
    for (_, count), us in zip(chains, use, strict=True):
        lp.Add(sum(us) <= count)
    lp.Minimize(sum(left))
    assert lp.Solve() == pywraplp.Solver.OPTIMAL
    return float(lp.Objective().Value())


@pytest.mark.parametrize("seed", range(6))
def test_the_bound_is_the_lp_over_every_chain_of_every_vehicle(seed: int) -> None:
    """One vehicle at each of two depots, one 5 minutes from every stop and one an hour: the
    bound is the LP over all their chains (each judged by its own depot's pulls), rounded
    up; and a larger fleet never leaves more out."""
    data = duty_problem(seed, 7, window=10)
    data["travel"]["depot_out_min"] = [[5] * 7, [60] * 7]
    data["travel"]["depot_in_min"] = [[5, 60]] * 7
    data["fleet"] = [
        {"id": "F1", "operator": "OP1", "depot": "D1", "seats": 45, "count": 1},
        {"id": "F2", "operator": "OP1", "depot": "D2", "seats": 45, "count": 1},
    ]
    problem = parse_problem(data)
    c, limits = group(problem)
    homes = {k: frozenset({"F1", "F2"}) for k in c.trips}
    bound = chain_shortfall(problem, [c], [limits], homes, seconds=30)
    lp = fewest_left_out_lp(
        len(c), [(relaxed_chains(c, limits, [0]), 1), (relaxed_chains(c, limits, [1]), 1)]
    )
    assert bound == math.ceil(lp - 1e-6)
    data["fleet"][0]["count"] = 3
    more = parse_problem(data)
    assert chain_shortfall(more, [c], [limits], homes, seconds=30) <= bound
