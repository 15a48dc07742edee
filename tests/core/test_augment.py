"""Saving buses a neighbourhood at a time (`augment`): feasible, never worse, deterministic, and
as good as the search over the whole group on small problems."""

from __future__ import annotations

import time

import numpy as np
import pytest

from busplan.core.augment import augment
from busplan.core.bounds import fleet_lower_bound
from busplan.core.chain_model import ChainModel, Plan
from busplan.core.connections import Connections
from busplan.core.flow import min_cost_cover
from busplan.core.progress import Reporter
from busplan.core.search import Runner, SearchLimits
from busplan.io.problem_json import parse_problem
from tests.conftest import random_problem
from tests.core.brute_force import connections


def run(effort: float) -> Runner:
    limits = SearchLimits(time.monotonic() + 120, effort, 0, 1)
    return Runner(limits, Reporter(None), "", (0, 1))


def group(seed: int) -> tuple[Connections, Plan]:
    """A 60-trip problem with 10-minute windows, and its plan at official times."""
    c = connections(parse_problem(random_problem(seed, 60, window=5, span=150)))
    zero = np.zeros(len(c), np.int64)
    return c, Plan(tuple(min_cost_cover(c.feasible(zero), c.cost)), zero)


def assert_feasible(c: Connections, plan: Plan) -> None:
    tails = [i for i, _ in plan.arcs]
    heads = [j for _, j in plan.arcs]
    assert len(set(tails)) == len(tails) and len(set(heads)) == len(heads)
    assert (c.earliest <= plan.shifts).all() and (plan.shifts <= c.latest).all()
    feasible = c.feasible(plan.shifts)
    assert all(feasible[i, j] for i, j in plan.arcs)


@pytest.mark.parametrize("seed", range(6))
def test_reaches_the_whole_group_optimum_re_planning_a_third_at_a_time(seed: int) -> None:
    c, start = group(seed)
    whole = ChainModel(c, c.optimistic())
    best = whole.maximize_connections(start, run(30))
    assert best is not None and whole.bound == len(best.arcs)  # proven optimal
    found = augment(c, start, fleet_lower_bound(c), run(5), size=20)
    assert_feasible(c, found)
    assert found.buses(len(c)) == best.buses(len(c))


def test_saves_buses_where_official_times_need_more() -> None:
    saved = 0
    for seed in range(6):
        c, start = group(seed)
        found = augment(c, start, fleet_lower_bound(c), run(5), size=20)
        assert found.buses(len(c)) <= start.buses(len(c))
        saved += start.buses(len(c)) - found.buses(len(c))
    assert saved > 0


def test_stops_at_the_bound_and_is_deterministic() -> None:
    c, start = group(3)
    bound = fleet_lower_bound(c)
    first = augment(c, start, bound, run(5), size=20)
    again = augment(c, start, bound, run(5), size=20)
    assert first.arcs == again.arcs and np.array_equal(first.shifts, again.shifts)
    assert augment(c, first, first.buses(len(c)), run(5), size=20) is first


def test_no_effort_leaves_the_plan_as_it_is() -> None:
    c, start = group(1)
    assert augment(c, start, fleet_lower_bound(c), run(0.0), size=20) is start
