"""Whole chains as columns: a bound and a plan for groups whose driver's day is limited.

A bus's spread runs from its first trip's pull-out to its last trip's pull-in, so no single
connection sees it: the matching bound ignores it, and a CP-SAT model that carries it along every
connection finds poor plans from a hundred trips on. Both come easily from the set-covering view
instead: the fewest chains (buses) that cover every trip, each chain within the spread. Its
linear relaxation is solved by column generation: the restricted master (GLOP) puts a price on
every trip; the chain worth most at those prices is a longest path in the connection graph,
found for every first trip at once, and kept where its first and last trip fit in the spread.
Chains are added while one is worth more than a bus.

- **Bound** (`chain_bound`): the graph holds every optimistic connection and the spread is
  judged at the most favourable shifts from the nearest depots, so every real bus is one of its
  chains. For any prices `y >= 0`, `sum(y)` over the most any chain is worth is then a lower
  bound on buses (Farley's): valid at every round, so a deadline never spoils it, and the LP
  optimum once no chain is worth more than one.
- **Plan** (`chain_plan`): nodes are trips at shifts on a `GRID_S` grid within their windows,
  joined where the connection is feasible at those shifts, and the spread is judged from one
  depot at both ends: every chain can be driven as it is. SCIP picks the fewest generated chains
  that cover every trip, and a trip covered twice stays on one of its chains only.

Driving time and breaks are not in the chains. The bound is valid without them (a relaxation);
the plan's chains are checked against the driving limit and cut where they break it (breaks are
the week planner's, as for every other plan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver import pywraplp

from busplan.core.chain_model import Plan
from busplan.core.connections import BoolArray, Connections, IntArray
from busplan.core.duty_model import DayLimits, keeps_limits
from busplan.core.flow import Arc
from busplan.core.search import Runner

GRID_S = 300
"""Shift step of the plan's nodes: on 1000-trip rural days the LP over the 5-minute grid equals
the bound's (shifts free), with 3 to 4 nodes a trip."""
MAX_NODES = 1500
"""Largest graph priced: a round holds two node-by-node tables and takes a step per node over
its predecessors, about a second at this size."""
ROUNDS = 200
CHAINS_PER_ROUND = 300
"""Chains added to the master per round, the most valuable first."""
EPSILON = 1e-7


@dataclass(frozen=True, eq=False)
class ChainGraph:
    """Nodes (trips at shifts), the joins a longest path needs, and which first and last nodes
    one bus may have."""

    trip: IntArray
    """Group position of each node's trip."""
    shift: IntArray
    spans: BoolArray
    """`spans[f, l]`: a bus may start at node f and end at node l within the spread."""
    predecessors: list[IntArray]
    order: IntArray
    """Every join goes forward in this order."""

    @classmethod
    def build(
        cls, trip: IntArray, shift: IntArray, joins: BoolArray, spans: BoolArray
    ) -> ChainGraph:
        """`joins[a, b]`: node b may follow node a. Raises ValueError when joins form a cycle."""
        order = _topological(joins)
        reach = joins.astype(np.float32)
        direct = joins & ~((reach @ reach) > 0)  # prices are >= 0: a detour is never worth less
        predecessors = [np.nonzero(direct[:, b])[0] for b in range(len(trip))]
        return cls(trip, shift, spans, predecessors, order)

    def best_chains(self, prices: NDArray[np.float64]) -> list[tuple[float, list[int]]]:
        """For each first node, the chain (nodes) worth most at `prices` per trip; best first.

        `worth[b, f]` is the most a chain from node f to node b is worth; rows are filled in
        the graph's order, each the best of its predecessors' rows (contiguous, so this is the
        fast direction) plus its own price, and chains are traced back only for the best."""
        n = len(self.trip)
        worth = np.full((n, n), -np.inf)
        node_price = prices[self.trip]
        for b in self.order:
            before = self.predecessors[b]
            if len(before):
                worth[b] = worth[before].max(axis=0)
            worth[b, b] = 0.0  # a chain may start here (nothing before b reaches b)
            worth[b] += node_price[b]
        ends = np.where(self.spans.T, worth, -np.inf)
        last = ends.argmax(axis=0)
        value = ends[last, np.arange(n)]
        found = []
        for first in np.argsort(-value, kind="stable")[:CHAINS_PER_ROUND]:
            if not np.isfinite(value[first]):
                break
            chain = [int(last[first])]
            while chain[-1] != first:  # back along the best predecessor, to the first node
                before = self.predecessors[chain[-1]]
                chain.append(int(before[worth[before, first].argmax()]))
            found.append((float(value[first]), chain[::-1]))
        return found


def _topological(joins: BoolArray) -> IntArray:
    indegree = joins.sum(axis=0)
    ready = sorted(np.nonzero(indegree == 0)[0].tolist(), reverse=True)
    order: list[int] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for after in np.nonzero(joins[node])[0][::-1]:
            indegree[after] -= 1
            if indegree[after] == 0:
                ready.append(int(after))
    if len(order) < len(joins):
        raise ValueError("the joins form a cycle")
    return np.array(order, np.int64)


@dataclass(eq=False)
class Master:
    """The set-covering LP over the chains generated so far (chains of group positions)."""

    trips: int
    chains: list[tuple[int, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.rows = [self.solver.Constraint(1, self.solver.infinity()) for _ in range(self.trips)]
        self.solver.Objective().SetMinimization()
        self._seen: set[tuple[int, ...]] = set()
        for k in range(self.trips):
            self.add((k,))

    def add(self, chain: tuple[int, ...]) -> bool:
        if chain in self._seen or len(set(chain)) < len(chain):
            return False
        self._seen.add(chain)
        self.chains.append(chain)
        var = self.solver.NumVar(0, self.solver.infinity(), "")
        self.solver.Objective().SetCoefficient(var, 1)
        for k in chain:
            self.rows[k].SetCoefficient(var, 1)
        return True

    def prices(self, run: Runner) -> NDArray[np.float64] | None:
        if run.lp(self.solver) != pywraplp.Solver.OPTIMAL:
            return None
        return np.array([max(r.dual_value(), 0.0) for r in self.rows])

    def generate(self, graph: ChainGraph, run: Runner) -> tuple[float, list[list[int]]]:
        """Rounds until no chain is worth more than a bus (or time is up). Returns the best
        Farley bound seen and, per chain added, its nodes."""
        best, nodes_of = 0.0, {}
        for _ in range(ROUNDS):
            prices = self.prices(run)
            if prices is None:
                break
            found = graph.best_chains(prices)
            top = found[0][0] if found else 0.0
            best = max(best, float(prices.sum()) / max(top, 1.0))
            added = 0
            for worth, nodes in found[:CHAINS_PER_ROUND]:
                chain = tuple(int(graph.trip[q]) for q in nodes)
                if worth > 1 + EPSILON and self.add(chain):
                    nodes_of[chain] = nodes
                    added += 1
            if not added or run.seconds_left() <= 0.05:
                break
        return best, [nodes_of.get(c, []) for c in self.chains]


def chain_bound(c: Connections, limits: DayLimits, run: Runner) -> int | None:
    """A lower bound on the buses of a group whose spread is limited; None when there is no
    spread limit or the group is too large to price."""
    spread = limits.duty.max_spread_s
    if spread is None or not 0 < len(c) <= MAX_NODES:
        return None
    begin = c.base_start + c.latest - limits.pull_out
    finish = c.base_end + c.earliest + limits.pull_in
    try:
        graph = ChainGraph.build(
            np.arange(len(c)),
            np.zeros(len(c), np.int64),
            c.optimistic(),
            np.asarray(finish[None, :] - begin[:, None] <= spread),
        )
    except ValueError:  # windows wider than trips: optimistic connections may loop
        return None
    bound, _ = Master(len(c)).generate(graph, run)
    return math.ceil(bound - 1e-6)


def chain_plan(c: Connections, limits: DayLimits, run: Runner) -> Plan | None:
    """Chains within the spread and driving limits covering every trip once; None when there
    is no spread limit, the graph is too large, or the search ran out of time."""
    spread = limits.duty.max_spread_s
    if spread is None:
        return None
    trip, shift = _grid(c)
    if not 0 < len(trip) <= MAX_NODES:
        return None
    slack = c.slack[np.ix_(trip, trip)].astype(np.int64)
    joins = (slack + shift[None, :] - shift[:, None] >= 0) & (trip[:, None] != trip[None, :])
    graph = ChainGraph.build(trip, shift, joins, _spans_from_homes(c, limits, trip, shift, spread))
    master = Master(len(c))
    _, nodes = master.generate(graph, run.share(0.6))
    chosen = _cover(c, limits, master, run)
    if chosen is None:
        return None
    alone = {int(trip[q]): q for q in np.argsort(np.abs(shift), kind="stable")[::-1]}
    shifts = np.zeros(len(c), np.int64)
    kept: list[list[int]] = []
    taken: set[int] = set()
    for n in sorted(chosen, key=lambda n: -len(master.chains[n])):
        path = nodes[n] or [alone[k] for k in master.chains[n]]  # a trip alone: least shift
        path = [q for q in path if int(trip[q]) not in taken]
        for q in path:
            taken.add(int(trip[q]))
            shifts[trip[q]] = shift[q]
        kept.extend(_runnable(c, limits, [int(trip[q]) for q in path], shifts))
    arcs: list[Arc] = [arc for chain in kept for arc in pairwise(chain)]
    plan = Plan(tuple(arcs), shifts)
    if len(taken) < len(c) or not keeps_limits(c, plan.arcs, shifts, limits):
        return None
    return plan


def _cover(c: Connections, limits: DayLimits, master: Master, run: Runner) -> list[int] | None:
    """The fewest generated chains covering every trip, then the least deadhead (pull-out and
    pull-in from the nearest depots, whole minutes): SCIP, node-limited."""
    mip = pywraplp.Solver.CreateSolver("SCIP")
    use = [mip.BoolVar("") for _ in master.chains]
    rows = [mip.Constraint(1, mip.infinity()) for _ in range(master.trips)]
    deadhead = []
    for var, chain in zip(use, master.chains, strict=True):
        for k in chain:
            rows[k].SetCoefficient(var, 1)
        drives = limits.pull_out[chain[0]] + limits.pull_in[chain[-1]]
        drives += sum(int(c.travel[a, b]) for a, b in pairwise(chain))
        deadhead.append(int(drives) // 60)
    bus = 1 + sum(sorted(deadhead)[-master.trips :])  # a bus outweighs any deadhead
    objective = mip.Objective()
    for var, minutes in zip(use, deadhead, strict=True):
        objective.SetCoefficient(var, bus + minutes)
    objective.SetMinimization()
    if run.mip(mip) not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    return [n for n, u in enumerate(use) if u.solution_value() > 0.5]


def _runnable(
    c: Connections, limits: DayLimits, chain: list[int], shifts: IntArray
) -> list[list[int]]:
    """A chain left after dropping trips kept elsewhere, cut where a connection no longer holds
    at its shifts or where the whole breaks the limits (at its longest wait)."""
    pieces: list[list[int]] = []
    for k in chain:
        if pieces and c.slack[pieces[-1][-1], k] + shifts[k] - shifts[pieces[-1][-1]] >= 0:
            pieces[-1].append(k)
        else:
            pieces.append([k])
    out = []
    while pieces:
        piece = pieces.pop()
        arcs = tuple(pairwise(piece))
        if len(piece) == 1 or keeps_limits(c, arcs, shifts, limits):
            out.append(piece)
            continue
        waits = [c.base_start[b] + shifts[b] - c.base_end[a] - shifts[a] for a, b in arcs]
        cut = int(np.argmax(waits)) + 1
        pieces += [piece[:cut], piece[cut:]]
    return out


def _grid(c: Connections) -> tuple[IntArray, IntArray]:
    """Each trip at every multiple of `GRID_S` in its window, at 0 and at both ends."""
    trips, shifts = [], []
    for k in range(len(c)):
        low, high = int(c.earliest[k]), int(c.latest[k])
        values = {low, high, *range(-(-low // GRID_S) * GRID_S, high + 1, GRID_S)}
        if low <= 0 <= high:
            values.add(0)
        for v in sorted(values):
            trips.append(k)
            shifts.append(v)
    return np.array(trips, np.int64), np.array(shifts, np.int64)


def _spans_from_homes(
    c: Connections, limits: DayLimits, trip: IntArray, shift: IntArray, spread: int
) -> BoolArray:
    """First and last nodes one bus can join within the spread, leaving from and returning to
    the same depot (the nearest ones when the group has no depot table)."""
    start = c.base_start[trip] + shift
    end = c.base_end[trip] + shift
    if limits.homes is None:
        out, back = limits.pull_out[trip][None, :], limits.pull_in[trip][:, None]
    else:
        out, back = limits.homes[0][:, trip], limits.homes[1][trip, :]
    spans = np.zeros((len(trip), len(trip)), np.bool_)
    for d in range(out.shape[0]):
        spans |= (end + back[:, d])[None, :] - (start - out[d])[:, None] <= spread
    return spans
