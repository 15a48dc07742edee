"""A proven lower bound on the trips a day must leave unassigned when the fleet is short.

A trip that no bus can run even alone (`rules.alone_errors`) is always left out. The others are
left out only for want of vehicles, and a family of vehicles bounds that: take any set Q of
fleet entries (or of depots, without a fleet), the trips that only vehicles of Q may run, and
the number of buses Q can field on one day (its counts, and the `max_buses` of its depots).
Those trips ride on at most that many buses, each a chain of optimistic connections (each trip
at its most favourable shift, only among trips that may share a bus, as in `bounds`), so at
most as many of them are planned as that many chains can cover. That most is a min-cost flow
(a unit of reward per trip covered, one unit of flow per bus), exact for chains in a graph that
contains every real plan, hence an upper bound on the trips planned and a lower bound on those
left out. The families tried are each operator's entries of every range of seat sizes (every
trip's own choice is one of them) and the whole fleet (without a fleet: each operator's depots
with those of no operator, and all depots); the bound is the largest they give.

These families see the driver's day only in the pairs it forbids: tight when vehicles, not the
driver's day, are what runs short. Where a plan leaves out more than they prove, the day is also
bounded by whole chains within the spread under every count at once (`fleet_chains`), and the
larger bound stands. Driving time and breaks enter neither: both are relaxations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from ortools.graph.python import min_cost_flow

from busplan.core.connections import Connections, IntArray
from busplan.core.duty_model import DayLimits
from busplan.core.fleet_chains import chain_shortfall
from busplan.core.model import Problem, Trip
from busplan.core.rules import Refusal, depots_for, entries_for

Family = tuple[frozenset[str], int]
"""Resource ids (fleet entries, or depots without a fleet) and the buses they field a day."""


def unassigned_lower_bound(
    problem: Problem,
    trips: Sequence[int],
    parts: Sequence[Connections],
    limits: Sequence[DayLimits | None],
    alone: Mapping[int, Sequence[Refusal]],
    seconds: float,
    left_out: int | None = None,
) -> int:
    """No plan of the day's `trips` (problem indices) leaves fewer of them unassigned; `parts`
    are the day's groups no bus can mix, holding every trip a bus can run, and `limits` their
    duty limits. The whole-chain bound (`fleet_chains`) may take `seconds`, and is not tried
    once the families prove `left_out` (a plan's count)."""
    refused = sum(1 for k in trips if alone[k])
    uses = {k: _resources(problem, problem.trips[k]) for k in trips if not alone[k]}
    short = 0
    for resources, buses in _families(problem):
        riders = {k for k, own in uses.items() if own <= resources}
        if len(riders) > buses:
            short = max(short, len(riders) - _most_covered(parts, riders, buses))
    if left_out is None or refused + short < left_out:
        enough = None if left_out is None else left_out - refused
        short = max(short, chain_shortfall(problem, parts, limits, uses, seconds, enough))
    return refused + short


def _resources(problem: Problem, trip: Trip) -> frozenset[str]:
    """What may run the trip: its fitting fleet entries, or its depots without a fleet."""
    if problem.fleet:
        low, high = trip.seat_interval()
        return frozenset(f.id for f in entries_for(problem, trip) if low <= f.seats <= high)
    return frozenset(problem.depots[d].id for d in depots_for(problem, trip))


def _families(problem: Problem) -> Iterable[Family]:
    limit = {d.id: d.max_buses for d in problem.depots}
    if problem.fleet:
        chosen = {frozenset(f.id for f in problem.fleet)}
        for op in sorted({f.operator for f in problem.fleet}):
            own = [f for f in problem.fleet if f.operator == op]
            sizes = sorted({f.seats for f in own})
            for n, low in enumerate(sizes):
                for high in sizes[n:]:
                    chosen.add(frozenset(f.id for f in own if low <= f.seats <= high))
        for ids in sorted(chosen, key=sorted):
            entries = [f for f in problem.fleet if f.id in ids]
            buses = sum(f.count for f in entries)
            caps = [limit[d] for d in {f.depot for f in entries}]
            if all(c is not None for c in caps):
                buses = min(buses, sum(c or 0 for c in caps))
            yield ids, buses
        return
    owners = {d.operator for d in problem.depots}
    chosen = {frozenset(d.id for d in problem.depots if d.operator in (op, "")) for op in owners}
    chosen.add(frozenset(limit))
    for ids in sorted(chosen, key=sorted):
        caps = [limit[d] for d in ids]
        if ids and all(c is not None for c in caps):
            yield ids, sum(c or 0 for c in caps)


def _most_covered(parts: Sequence[Connections], riders: set[int], buses: int) -> int:
    """The most of `riders` that `buses` chains of optimistic connections can cover. A chain
    may pass through other trips of their parts too (travel times need not obey the triangle
    inequality, so dropping a trip from a bus may break the connection around it)."""
    tails: list[IntArray] = []
    heads: list[IntArray] = []
    reward: list[bool] = []
    for part in parts:
        if riders.isdisjoint(part.trips):
            continue
        t, h = np.nonzero(part.optimistic())
        tails.append(t + len(reward))
        heads.append(h + len(reward))
        reward += [k in riders for k in part.trips]
    m = len(reward)
    buses = min(buses, m)
    source, sink = 2 * m, 2 * m + 1
    every = np.arange(m, dtype=np.int64)
    joins_t, joins_h = (np.concatenate(a).astype(np.int64) for a in (tails, heads))
    ones, zeros = np.ones(m, np.int64), np.zeros(m, np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(np.full(m, source), every, ones, zeros)  # first
    flow.add_arcs_with_capacity_and_unit_cost(every, m + every, ones, -np.array(reward, np.int64))
    flow.add_arcs_with_capacity_and_unit_cost(
        m + joins_t, joins_h, np.ones(len(joins_t), np.int64), np.zeros(len(joins_t), np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(m + every, np.full(m, sink), ones, zeros)  # last
    flow.add_arc_with_capacity_and_unit_cost(source, sink, buses, 0)  # a bus left unused
    flow.set_node_supply(source, buses)
    flow.set_node_supply(sink, -buses)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("the covering flow failed")
    return -int(flow.optimal_cost())
