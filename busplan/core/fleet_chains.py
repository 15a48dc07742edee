"""How many trips a short fleet can run at most: whole chains per vehicle, within its counts.

The covering flow of `unassigned_bound` sees the driver's day only in the pairs it forbids, so it
proves nothing where a fleet runs short *because* of the spread (an early entry, a midday trip and
a late exit that fit two by two but not all three on one bus). Here every bus is a whole chain:

- a *home* is a fleet entry (or, without a fleet, a depot with a `max_buses`);
- a chain of a home is a path of optimistic connections (each trip at its most favourable
  shift) among trips of one part that a vehicle of the home may run, whose first trip, at its
  latest start less the pull-out, and last trip, at its earliest end plus the pull-in, fit in
  the spread out of and back to the home's depot;
- on one day at most `count` chains of an entry and `max_buses` of a depot run.

Every real bus is such a chain, so the linear program "leave out the fewest trips, each trip on a
chain or left out, within the counts" bounds every plan from below. It is solved by column
generation: the master (GLOP) prices each trip (`y`, between 0 and 1) and each home's count; the
chain of a home worth most at those prices is a longest path (`chain_columns.ChainGraph`). LP
duality gives a bound at every round, not only at the end: for any `y` in [0, 1] and depot prices
`v >= 0`, `sum(y) - sum(count * max(0, most a chain of the entry is worth - v of its depot))
- sum(max_buses * v)` is the value of a feasible dual solution. So a deadline never spoils it.

Driving time and breaks are left out: a relaxation, tight where the spread and the counts are what
leave trips out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver import pywraplp

from busplan.core.chain_columns import MAX_NODES, ChainGraph
from busplan.core.connections import Connections, IntArray
from busplan.core.duty_model import DayLimits
from busplan.core.model import Problem

ROUNDS = 200
EPSILON = 1e-7


@dataclass(frozen=True)
class Prices:
    trips: NDArray[np.float64]
    """Each trip's price in [0, 1], and a last 0 for nodes of trips outside the LP (row -1)."""
    homes: dict[str, float]
    depots: dict[str, float]


@dataclass(frozen=True, eq=False)
class HomeChains:
    """The chains one home may run within one part: their graph and the trips of its nodes."""

    home: str
    depot: str
    rows: IntArray
    """Master row (trip) of each graph node."""
    graph: ChainGraph


def chain_shortfall(
    problem: Problem,
    parts: Sequence[Connections],
    limits: Sequence[DayLimits | None],
    homes_of: Mapping[int, frozenset[str]],
    seconds: float,
    enough: int | None = None,
) -> int:
    """A lower bound on the trips of `homes_of` (problem trip -> the homes that may run it) that
    any plan of the day leaves out. `parts` are the day's groups no bus can mix and `limits`
    their duty limits. Stops after `seconds`, or once the bound reaches `enough`. 0 when the
    fleet is unlimited or a part is too large to price."""
    capacity = _capacities(problem)
    riders = sorted(k for k, own in homes_of.items() if own and own <= capacity.keys())
    if not riders:
        return 0
    row_of = {k: r for r, k in enumerate(riders)}
    depot_of = {f.id: f.depot for f in problem.fleet} or {h: h for h in capacity}
    chains = _home_chains(problem, parts, limits, homes_of, row_of, depot_of)
    if chains is None:
        return 0
    depots = {d.id: d.max_buses for d in problem.depots if d.max_buses is not None}
    master = _Master(len(riders), capacity, depots if problem.fleet else {})
    deadline = time.monotonic() + seconds
    best = 0.0
    for _ in range(ROUNDS):
        prices = master.prices(deadline - time.monotonic())
        if prices is None:
            break
        worth: dict[str, float] = {}
        added = 0
        for hc in chains:
            found = hc.graph.best_chains(prices.trips[hc.rows])
            worth[hc.home] = max(worth.get(hc.home, 0.0), found[0][0] if found else 0.0)
            cost = prices.homes[hc.home] + prices.depots.get(hc.depot, 0.0)
            for value, nodes in found:
                if value <= cost + EPSILON:
                    break
                added += master.add(hc, nodes)
        best = max(best, master.dual_bound(prices, worth, depot_of))
        if not added or time.monotonic() >= deadline:
            break
        if enough is not None and math.ceil(best - 1e-6) >= enough:
            break
    return max(math.ceil(best - 1e-6), 0)


def _capacities(problem: Problem) -> dict[str, int]:
    """Chains each home may run a day: a fleet entry's count, or (without a fleet) a depot's
    `max_buses`; a depot without one is no home here, as it fields any number of buses."""
    if problem.fleet:
        return {f.id: f.count for f in problem.fleet}
    return {d.id: d.max_buses for d in problem.depots if d.max_buses is not None}


def _home_chains(
    problem: Problem,
    parts: Sequence[Connections],
    limits: Sequence[DayLimits | None],
    homes_of: Mapping[int, frozenset[str]],
    row_of: Mapping[int, int],
    depot_of: Mapping[str, str],
) -> list[HomeChains] | None:
    """Each home's chain graph in each part holding trips it may run; None when a part is too
    large to price or its optimistic connections loop (windows wider than trips)."""
    index = {d.id: n for n, d in enumerate(problem.depots)}
    out: list[HomeChains] = []
    for part, limit in zip(parts, limits, strict=True):
        if not any(k in row_of for k in part.trips):
            continue
        if len(part) > MAX_NODES:
            return None
        joins = part.optimistic()
        latest_start = part.base_start + part.latest
        earliest_end = part.base_end + part.earliest
        for home in sorted({h for k in part.trips for h in homes_of.get(k, ())}):
            if home not in depot_of:
                continue
            nodes = np.array(
                [p for p, k in enumerate(part.trips) if home in homes_of.get(k, ())], np.int64
            )
            spans = _spans(limit, index[depot_of[home]], nodes, latest_start, earliest_end)
            try:
                graph = ChainGraph.build(
                    np.arange(len(nodes)),
                    np.zeros(len(nodes), np.int64),
                    joins[np.ix_(nodes, nodes)],
                    spans,
                )
            except ValueError:
                return None
            rows = np.array([row_of.get(part.trips[p], -1) for p in nodes], np.int64)
            out.append(HomeChains(home, depot_of[home], rows, graph))
    return out


def _spans(
    limit: DayLimits | None,
    depot: int,
    nodes: IntArray,
    latest_start: IntArray,
    earliest_end: IntArray,
) -> NDArray[np.bool_]:
    """`spans[a, b]`: a bus of this depot may start at node a and end at node b within the
    spread (every pair when the spread is free)."""
    n = len(nodes)
    if limit is None or limit.duty.max_spread_s is None:
        return np.ones((n, n), np.bool_)
    if limit.homes is None:
        out, back = limit.pull_out[nodes], limit.pull_in[nodes]
    else:
        out, back = limit.homes[0][depot, nodes], limit.homes[1][nodes, depot]
    begin = latest_start[nodes] - out
    finish = earliest_end[nodes] + back
    return finish[None, :] - begin[:, None] <= limit.duty.max_spread_s


class _Master:
    """The restricted LP: leave out the fewest trips, within each home's and depot's count."""

    def __init__(self, trips: int, capacity: Mapping[str, int], depots: Mapping[str, int]):
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        inf = self.solver.infinity()
        self.cover = [self.solver.Constraint(1, inf) for _ in range(trips)]
        objective = self.solver.Objective()
        for row in self.cover:
            left_out = self.solver.NumVar(0, 1, "")
            row.SetCoefficient(left_out, 1)
            objective.SetCoefficient(left_out, 1)
        objective.SetMinimization()
        self.capacity = dict(capacity)
        self.depot_limit = dict(depots)
        self.homes = {h: self.solver.Constraint(-inf, c) for h, c in capacity.items()}
        self.depots = {d: self.solver.Constraint(-inf, c) for d, c in depots.items()}
        self._seen: set[tuple[str, tuple[int, ...]]] = set()

    def add(self, hc: HomeChains, nodes: list[int]) -> bool:
        rows = tuple(int(hc.rows[q]) for q in nodes)
        if (hc.home, rows) in self._seen:
            return False
        self._seen.add((hc.home, rows))
        chain = self.solver.NumVar(0, self.solver.infinity(), "")
        for r in rows:
            if r >= 0:
                self.cover[r].SetCoefficient(chain, 1)
        self.homes[hc.home].SetCoefficient(chain, 1)
        if hc.depot in self.depots:
            self.depots[hc.depot].SetCoefficient(chain, 1)
        return True

    def prices(self, seconds: float) -> Prices | None:
        """The optimal duals, or None when the LP did not solve in time."""
        self.solver.SetTimeLimit(max(int(seconds * 1000), 1))
        if self.solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        trips = np.clip([r.dual_value() for r in self.cover], 0.0, 1.0)
        return Prices(
            np.append(trips, 0.0),
            {h: max(-c.dual_value(), 0.0) for h, c in self.homes.items()},
            {d: max(-c.dual_value(), 0.0) for d, c in self.depots.items()},
        )

    def dual_bound(
        self, prices: Prices, worth: Mapping[str, float], depot_of: Mapping[str, str]
    ) -> float:
        """The value of a feasible dual solution at these trip and depot prices: each home's
        price raised to what its best chain is worth less its depot's price, so that no chain
        is worth more than it costs."""
        total = float(prices.trips.sum())
        for home, count in self.capacity.items():
            depot = prices.depots.get(depot_of[home], 0.0)
            total -= count * max(worth.get(home, 0.0) - depot, 0.0)
        total -= sum(limit * prices.depots[d] for d, limit in self.depot_limit.items())
        return total
