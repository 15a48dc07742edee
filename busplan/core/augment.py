"""Saving buses on large groups, a few buses at a time, where the bound says one may be saved.

A plan's connections are a matching of trip ends to trip starts among the optimistic
connections, and the lower bound is the size of a maximum one. While the plan is above the
bound, an augmenting path (from a trip with no successor, alternately an optimistic connection
the plan lacks and one it has, to a trip with no predecessor) shows where one more connection
would fit if the shifts allowed it. The buses along the path, and the buses with most possible
connections to them, are re-planned together by the CP-SAT chain model with every connection
among them; every other bus stays as it is, so whatever the model finds is a plan for the whole
group. On the 3000-trip day of `benchmarks/region_bench.py`, where the whole-group search found
nothing on groups of 552-836 trips, this saved 1, 3 and 2 buses, reaching the bound on two.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

import numpy as np

from busplan.core.chain_model import ChainModel, Plan
from busplan.core.connections import BoolArray, Connections
from busplan.core.flow import chains
from busplan.core.search import Runner

NEIGHBOURHOOD = 200
"""Trips re-planned at once. Measured on an 824-trip group 6 buses above its bound: with 150
trips (2 s each) the search stalled 4 above; with 200 (3 s each) one run reached 2 above in 30
neighbourhoods and others stalled 4 above; with 300 (4 s each) the model found nothing."""
EFFORT = 3.0
"""Deterministic seconds for one neighbourhood."""
LEAST_CHARGE = 0.2
"""Effort charged at least for a neighbourhood: most are proven no better in a few
milliseconds of the search's clock, and choosing them costs real time too."""


def augment(
    connections: Connections, plan: Plan, bound: int, run: Runner, size: int = NEIGHBOURHOOD
) -> Plan:
    """The plan with buses saved where augmenting paths lead, re-planning about `size` trips
    at a time, until the bound is reached or the runner's effort is spent."""
    c = connections
    optimistic = c.optimistic()
    successors = [np.nonzero(row)[0] for row in optimistic]
    rng = np.random.default_rng(run.limits.seed)
    effort = run.limits.effort
    while plan.buses(len(c)) > bound and effort > 0 and run.seconds_left() > 0.1:
        run.reporter.check()
        path = _augmenting_path(successors, plan, rng)
        if path is None:
            break
        trips = _neighbourhood(optimistic, plan, path, rng, size)
        sub = c.subset(trips)
        where = {k: p for p, k in enumerate(trips)}
        inside = set(trips)
        start = Plan(
            tuple((where[i], where[j]) for i, j in plan.arcs if i in inside),
            plan.shifts[trips],
        )
        model = ChainModel(sub, sub.optimistic(), run.reporter.check)
        limits = replace(run.limits, effort=min(EFFORT, effort))
        found = model.maximize_connections(start, replace(run, limits=limits))
        effort -= max(model.effort, LEAST_CHARGE)
        if found is not None and len(found.arcs) > len(start.arcs):
            arcs = [a for a in plan.arcs if a[0] not in inside]
            arcs += [(trips[i], trips[j]) for i, j in found.arcs]
            shifts = plan.shifts.copy()
            shifts[trips] = found.shifts
            plan = Plan(tuple(sorted(arcs)), shifts)
    return plan


def _augmenting_path(
    successors: list[np.ndarray], plan: Plan, rng: np.random.Generator
) -> list[int] | None:
    """The trips of one shortest augmenting path (breadth first from every trip without a
    successor, in random order), or None when the plan's connections are a maximum matching."""
    successor = dict(plan.arcs)
    predecessor = {j: i for i, j in plan.arcs}
    n = len(successors)
    free = [i for i in rng.permutation(n).tolist() if i not in successor]
    came_from: dict[int, tuple[int, int] | None] = dict.fromkeys(free)
    queue = deque(free)
    reached: set[int] = set()
    while queue:
        tail = queue.popleft()
        for head in rng.permutation(successors[tail]).tolist():
            if head in reached or successor.get(tail) == head:
                continue
            reached.add(head)
            if head not in predecessor:
                path, at = [head, tail], tail
                while (step := came_from[at]) is not None:
                    path += list(step)
                    at = step[1]
                return path
            before = predecessor[head]
            if before not in came_from:
                came_from[before] = (head, tail)
                queue.append(before)
    return None


def _neighbourhood(
    optimistic: BoolArray, plan: Plan, path: list[int], rng: np.random.Generator, size: int
) -> list[int]:
    """The trips of the buses along `path`, then of the buses with most possible connections
    to those chosen so far (with some chance), until `size` trips."""
    n = optimistic.shape[0]
    buses = chains(n, list(plan.arcs))
    bus_of = np.empty(n, np.intp)
    for b, bus in enumerate(buses):
        bus_of[bus] = b
    chosen = np.zeros(len(buses), np.bool_)
    links = np.zeros(n, np.float64)
    count = 0

    def take(b: int) -> None:
        nonlocal count
        chosen[b] = True
        count += len(buses[b])
        links[:] += optimistic[buses[b]].sum(axis=0) + optimistic[:, buses[b]].sum(axis=1)

    for b in dict.fromkeys(int(bus_of[k]) for k in path):
        take(b)
    while count < size and not chosen.all():
        score = np.bincount(bus_of, weights=links, minlength=len(buses))
        score += rng.random(len(buses)) * 0.3 * max(score.max(), 1.0)
        score[chosen] = -1.0
        take(int(np.argmax(score)))
    return sorted(k for b in np.nonzero(chosen)[0] for k in buses[b])
