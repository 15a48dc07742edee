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
  judged at the most favourable shifts, from and back to one depot that may base both ends, so
  every real bus is one of its chains. For any prices `y >= 0`, `sum(y)` over the most any
  chain is worth is then a lower bound on buses (Farley's): valid at every round, so a
  deadline never spoils it, and the LP optimum once no chain is worth more than one.
- **Plan** (`chain_plan`): nodes are trips at shifts on a `GRID_S` grid within their windows,
  joined where the connection is feasible at those shifts, and the spread is judged from one
  depot at both ends: every chain can be driven as it is. SCIP picks the fewest generated chains
  that cover every trip, and a trip covered twice stays on one of its chains only; an LP then
  moves each chosen chain's bells the least. For the stable week, a join of two trips that
  usually share a bus is worth a little more (never a bus), and the cover takes the fewest
  buses, then the most such joins.

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
from busplan.core.flow import Arc, chains
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
    predecessors: list[IntArray]
    order: IntArray
    """Every join goes forward in this order."""
    ends: BoolArray
    """`ends[l, j]`: a bus that starts at the j-th node in `order` may end at node l within
    the spread."""
    together: BoolArray | None = None
    """`together[a, b]`: the two nodes' trips usually share a bus (on other days)."""
    gain: float = 0.0
    """What each join of two such trips adds to a chain's worth."""
    bonus: list[NDArray[np.float64]] = field(default_factory=list)
    """Per node, `gain` for each predecessor it usually shares a bus with, else 0."""

    @classmethod
    def build(
        cls,
        trip: IntArray,
        shift: IntArray,
        joins: BoolArray,
        spans: BoolArray,
        together: BoolArray | None = None,
        bonus: float = 0.0,
    ) -> ChainGraph:
        """`joins[a, b]`: node b may follow node a. `together[a, b]`: the two trips share a bus
        id on other days, and joining them is worth `bonus`. Raises ValueError when joins form
        a cycle."""
        order = _topological(joins)
        reach = joins.astype(np.float32)
        direct = joins & ~((reach @ reach) > 0)  # prices are >= 0: a detour is never worth less
        if together is not None:
            direct |= joins & together  # ...unless it skips a bonus
        predecessors = [np.nonzero(direct[:, b])[0] for b in range(len(trip))]
        if together is None:
            gains = [np.zeros(len(p)) for p in predecessors]
        else:
            gains = [bonus * together[p, b] for b, p in enumerate(predecessors)]
        ends = np.ascontiguousarray(spans[order].T)
        return cls(trip, shift, predecessors, order, ends, together, bonus, gains)

    def pairs_together(self, nodes: list[int]) -> int:
        """Joins of a chain (nodes) between trips that usually share a bus."""
        if self.together is None:
            return 0
        return sum(bool(self.together[a, b]) for a, b in pairwise(nodes))

    def best_chains(self, prices: NDArray[np.float64]) -> list[tuple[float, list[int]]]:
        """For each first node, the chain (nodes) worth most at `prices` per trip; best first.

        `worth[b, j]` is the most a chain from the j-th node in the graph's order to node b is
        worth; rows are filled in that order, each the best of its predecessors' rows plus its
        own price. Only a node at or before b in the order can start a chain to b, so row b
        needs its first `j <= rank[b]` columns (contiguous: the fast direction), and chains
        are traced back only for the best."""
        n = len(self.trip)
        worth = np.full((n, n), -np.inf)
        node_price = prices[self.trip]
        for j, b in enumerate(self.order):
            before, row = self.predecessors[b], worth[b, : j + 1]
            if len(before):
                if self.gain:
                    np.max(worth[before, :j] + self.bonus[b][:, None], axis=0, out=row[:j])
                else:
                    np.max(worth[before, :j], axis=0, out=row[:j])
            row[j] = 0.0  # a chain may start here
            row += node_price[b]
        ends = np.where(self.ends, worth, -np.inf)
        last = ends.argmax(axis=0)
        value = ends[last, np.arange(n)]
        found = []
        for j in np.argsort(-value, kind="stable")[:CHAINS_PER_ROUND]:
            if not np.isfinite(value[j]):
                break
            chain = [int(last[j])]
            while chain[-1] != self.order[j]:  # back along the best predecessor
                b = chain[-1]
                before = self.predecessors[b]
                chain.append(int(before[(worth[before, j] + self.bonus[b]).argmax()]))
            found.append((float(value[j]), chain[::-1]))
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
    """The set-covering LP over the chains generated so far (chains of group positions), each
    costing one bus less what its joins are worth (`ChainGraph.bonus`)."""

    graph: ChainGraph
    trips: int
    chains: list[tuple[int, ...]] = field(default_factory=list)
    nodes: list[list[int]] = field(default_factory=list)
    """Per chain, its nodes in the graph."""

    def __post_init__(self) -> None:
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.rows = [self.solver.Constraint(1, self.solver.infinity()) for _ in range(self.trips)]
        self.solver.Objective().SetMinimization()
        self._seen: set[tuple[int, ...]] = set()
        alone = np.argsort(np.abs(self.graph.shift), kind="stable")[::-1]
        first = {int(self.graph.trip[q]): int(q) for q in alone}  # each trip at its least shift
        for k in range(self.trips):
            self.add([first[k]])

    def add(self, nodes: list[int]) -> bool:
        chain = tuple(int(self.graph.trip[q]) for q in nodes)
        if chain in self._seen or len(set(chain)) < len(chain):
            return False
        self._seen.add(chain)
        self.chains.append(chain)
        self.nodes.append(nodes)
        var = self.solver.NumVar(0, self.solver.infinity(), "")
        cost = 1 - self.graph.gain * self.graph.pairs_together(nodes)
        self.solver.Objective().SetCoefficient(var, cost)
        for k in chain:
            self.rows[k].SetCoefficient(var, 1)
        return True

    def prices(self, run: Runner) -> NDArray[np.float64] | None:
        if run.lp(self.solver) != pywraplp.Solver.OPTIMAL:
            return None
        return np.array([max(r.dual_value(), 0.0) for r in self.rows])

    def generate(self, run: Runner, enough: int = 0) -> float:
        """Rounds until no chain is worth more than its cost, the master needs no more than
        `enough` buses (a proven bound: no chain can do better), or time is up. Returns the
        best Farley bound seen (a bound on buses when no join has a bonus)."""
        best = 0.0
        for _ in range(ROUNDS):
            prices = self.prices(run)
            if prices is None or self.solver.Objective().Value() <= enough + EPSILON:
                break
            found = self.graph.best_chains(prices)
            top = max(found[0][0] if found else 0.0, float(prices.max(initial=0.0)))  # a trip alone
            best = max(best, float(prices.sum()) / max(top, 1.0))
            added = sum(self.add(nodes) for worth, nodes in found if worth > 1 + EPSILON)
            if not added or run.seconds_left() <= 0.05:
                break
        return best

    def columns(self) -> list[Column]:
        g = self.graph
        return [
            Column(chain, tuple(int(g.shift[q]) for q in nodes), g.pairs_together(nodes))
            for chain, nodes in zip(self.chains, self.nodes, strict=True)
        ]


def chain_bound(c: Connections, limits: DayLimits, run: Runner) -> int | None:
    """A lower bound on the buses of a group whose spread is limited; None when there is no
    spread limit or the group is too large to price."""
    spread = limits.duty.max_spread_s
    if spread is None or not 0 < len(c) <= MAX_NODES:
        return None
    trip = np.arange(len(c))
    latest_start, earliest_end = c.base_start + c.latest, c.base_end + c.earliest
    try:
        graph = ChainGraph.build(
            trip,
            np.zeros(len(c), np.int64),
            c.optimistic(),
            _spans(limits, trip, latest_start, earliest_end, spread),
        )
    except ValueError:  # windows wider than trips: optimistic connections may loop
        return None
    return math.ceil(Master(graph, len(c)).generate(run) - 1e-6)


@dataclass(frozen=True)
class Column:
    """A chain offered to the cover: group positions in order, each at its shift, and how many
    of its joins keep two trips on the bus they usually share."""

    trips: tuple[int, ...]
    shifts: tuple[int, ...]
    together: int = 0


def chain_plan(
    c: Connections,
    limits: DayLimits,
    run: Runner,
    bus_of: list[int | None] | None = None,
    start: list[Column] | None = None,
    enough: int = 0,
) -> Plan | None:
    """Chains within the spread and driving limits covering every trip once: the fewest, then
    (given each trip's usual bus id, `bus_of`) the most joins of trips that share one, then
    the least deadhead. `start`: chains to begin with (a good start halves the rounds);
    `enough`: a proven bound on buses, where generation may stop. None when there is no
    spread limit, the graph is too large, or the search ran out of time."""
    spread = limits.duty.max_spread_s
    if spread is None:
        return None
    trip, shift = _grid(c, start or [])
    if not 0 < len(trip) <= MAX_NODES:
        return None
    slack = c.slack[np.ix_(trip, trip)].astype(np.int64)
    joins = (slack + shift[None, :] - shift[:, None] >= 0) & (trip[:, None] != trip[None, :])
    together = None
    if bus_of is not None:
        usual = np.array([-1 - k if b is None else b for k, b in enumerate(bus_of)])[trip]
        together = joins & (usual[:, None] == usual[None, :])
    graph = ChainGraph.build(
        trip,
        shift,
        joins,
        _spans(limits, trip, c.base_start[trip] + shift, c.base_end[trip] + shift, spread),
        together,
        1 / (len(c) + 1),  # a chain always costs more than nothing
    )
    master = Master(graph, len(c))
    node = {(int(k), int(s)): q for q, (k, s) in enumerate(zip(trip, shift, strict=True))}
    for column in start or []:
        master.add([node[k, s] for k, s in zip(column.trips, column.shifts, strict=True)])
    master.generate(run.share(0.6), enough if bus_of is None else 0)
    return _cover(c, limits, master.columns(), run)


def plan_columns(c: Connections, limits: DayLimits, plan: Plan) -> list[Column]:
    """A plan's chains as columns, at the plan's shifts, cut where they break the limits."""
    return [
        Column(tuple(piece), tuple(int(plan.shifts[k]) for k in piece))
        for chain in chains(len(c), list(plan.arcs))
        for piece in _runnable(c, limits, chain, plan.shifts)
    ]


def _cover(c: Connections, limits: DayLimits, columns: list[Column], run: Runner) -> Plan | None:
    """The fewest columns covering every trip, then the most joins kept together, then the
    least deadhead (SCIP, node-limited); a trip covered twice stays on the longest of its
    chosen chains. None when no cover was found in time or the result breaks a limit."""
    chosen = _chosen(c, limits, columns, run)
    if chosen is None:
        return None
    shifts = np.zeros(len(c), np.int64)
    kept: list[list[int]] = []
    taken: set[int] = set()
    for column in sorted(chosen, key=lambda col: -len(col.trips)):
        path = [(k, s) for k, s in zip(column.trips, column.shifts, strict=True) if k not in taken]
        for k, s in path:
            taken.add(k)
            shifts[k] = s
        kept.extend(_runnable(c, limits, [k for k, _ in path], shifts))
    arcs: list[Arc] = [arc for chain in kept for arc in pairwise(chain)]
    plan = Plan(tuple(arcs), _least_moving(c, kept, shifts, run))
    if len(taken) < len(c) or not keeps_limits(c, plan.arcs, plan.shifts, limits):
        return None
    return plan


def _least_moving(c: Connections, kept: list[list[int]], shifts: IntArray, run: Runner) -> IntArray:
    """The chains' shifts with the least total |shift| (bells moved), each connection kept and
    no chain's first start to last end longer than at `shifts` (so spread, driving and
    pull-out and pull-in stay as they were). Difference constraints: the LP's optimum is whole
    seconds (checked: the grid shifts are kept if the LP fails or a rounding would break)."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    inf = lp.infinity()
    at = [lp.NumVar(float(c.earliest[k]), float(c.latest[k]), "") for k in range(len(c))]
    size = [lp.NumVar(0, inf, "") for _ in range(len(c))]
    for k in range(len(c)):
        lp.Add(size[k] >= at[k])
        lp.Add(size[k] >= -at[k])
    for chain in kept:
        for a, b in pairwise(chain):
            lp.Add(at[b] - at[a] >= -float(c.slack[a, b]))
        first, last = chain[0], chain[-1]
        lp.Add(at[last] - at[first] <= float(shifts[last] - shifts[first]))
    lp.Minimize(sum(size))
    if run.lp(lp) != pywraplp.Solver.OPTIMAL:
        return shifts
    moved = np.clip(
        np.array([round(v.solution_value()) for v in at], np.int64), c.earliest, c.latest
    )
    for chain in kept:
        if any(c.slack[a, b] + moved[b] - moved[a] < 0 for a, b in pairwise(chain)) or (
            moved[chain[-1]] - moved[chain[0]] > shifts[chain[-1]] - shifts[chain[0]]
        ):
            return shifts
    return moved


def _chosen(
    c: Connections, limits: DayLimits, columns: list[Column], run: Runner
) -> list[Column] | None:
    mip = pywraplp.Solver.CreateSolver("SCIP")
    use = [mip.BoolVar("") for _ in columns]
    rows = [mip.Constraint(1, mip.infinity()) for _ in range(len(c))]
    deadhead = []
    for var, column in zip(use, columns, strict=True):
        for k in column.trips:
            rows[k].SetCoefficient(var, 1)
        chain = column.trips
        drives = limits.pull_out[chain[0]] + limits.pull_in[chain[-1]]
        drives += sum(int(c.travel[a, b]) for a, b in pairwise(chain))
        deadhead.append(int(drives) // 60)  # whole minutes
    join = 1 + sum(sorted(deadhead)[-len(c) :])  # a join kept together outweighs any deadhead
    bus = join * (1 + len(c))  # and a bus outweighs every join
    objective = mip.Objective()
    for var, column, minutes in zip(use, columns, deadhead, strict=True):
        objective.SetCoefficient(var, bus - join * column.together + minutes)
    objective.SetMinimization()
    if run.mip(mip) not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    return [col for col, u in zip(columns, use, strict=True) if u.solution_value() > 0.5]


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


def _grid(c: Connections, extra: list[Column]) -> tuple[IntArray, IntArray]:
    """Each trip at every multiple of `GRID_S` in its window, at 0, at both ends, and at the
    shifts the `extra` chains give it."""
    values: list[set[int]] = []
    for k in range(len(c)):
        low, high = int(c.earliest[k]), int(c.latest[k])
        values.append({low, high, *range(-(-low // GRID_S) * GRID_S, high + 1, GRID_S)})
        if low <= 0 <= high:
            values[k].add(0)
    for column in extra:
        for k, s in zip(column.trips, column.shifts, strict=True):
            values[k].add(int(s))
    trips = [k for k in range(len(c)) for _ in values[k]]
    shifts = [s for k in range(len(c)) for s in sorted(values[k])]
    return np.array(trips, np.int64), np.array(shifts, np.int64)


def _spans(
    limits: DayLimits, trip: IntArray, start: IntArray, end: IntArray, spread: int
) -> BoolArray:
    """First and last nodes (trips `trip` starting at `start`, ending at `end`) one bus can
    join within the spread, leaving from and returning to the same depot, one that may base
    both (the nearest ones when the group has no depot table)."""
    if limits.homes is None:
        out, back = limits.pull_out[trip][None, :], limits.pull_in[trip][:, None]
    else:
        out, back = limits.homes[0][:, trip], limits.homes[1][trip, :]
    spans = np.zeros((len(trip), len(trip)), np.bool_)
    for d in range(out.shape[0]):
        spans |= (end + back[:, d])[None, :] - (start - out[d])[:, None] <= spread
    return spans
