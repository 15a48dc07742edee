"""Fewest buses, then least deadhead, for trips at fixed times: an exact min-cost flow.

Each trip offers one "successor" slot and one "predecessor" slot. A unit of flow from i's
successor slot to j's predecessor slot is the connection i -> j at its deadhead cost; a unit that
goes through the depot node instead ends one bus and starts another at a cost larger than any
total deadhead. The optimum therefore minimizes buses first and deadhead second, exactly.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from busplan.core.connections import BoolArray, IntArray

Arc = tuple[int, int]


def min_cost_cover(possible: BoolArray, deadhead: IntArray) -> list[Arc]:
    """Connections of a plan with the fewest buses and, among those, the least deadhead."""
    n = possible.shape[0]
    tails, heads = np.nonzero(possible)
    costs = deadhead[tails, heads].astype(np.int64)
    bus_cost = int(costs.sum()) + 1
    depot = 2 * n
    flow = min_cost_flow.SimpleMinCostFlow()
    one = np.ones(max(len(tails), n), np.int64)
    trips = np.arange(n, dtype=np.int64)
    if len(tails):
        flow.add_arcs_with_capacity_and_unit_cost(tails, n + heads, one[: len(tails)], costs)
    flow.add_arcs_with_capacity_and_unit_cost(
        trips, np.full(n, depot), one[:n], np.full(n, bus_cost)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n, depot), n + trips, one[:n], np.zeros(n, np.int64)
    )
    supplies = np.concatenate([np.ones(n, np.int64), -np.ones(n, np.int64), [0]])
    flow.set_nodes_supplies(np.arange(2 * n + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    if not len(tails):
        return []
    used = np.nonzero(flow.flows(np.arange(len(tails))) > 0)[0]
    return [(int(tails[a]), int(heads[a])) for a in used]


def chains(n: int, arcs: list[Arc]) -> list[list[int]]:
    """Turn connections into buses: chains of positions, ordered by their first trip."""
    successor = dict(arcs)
    has_predecessor = {j for _, j in arcs}
    result = []
    for first in range(n):
        if first in has_predecessor:
            continue
        chain = [first]
        while chain[-1] in successor:
            chain.append(successor[chain[-1]])
        result.append(chain)
    return result
