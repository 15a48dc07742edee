"""Solving one group: the trips of one day that share a vehicle class.

The stages, each starting from the best plan so far and never making it worse:

1. `start`: official times (no shifts), fewest buses then least deadhead by exact min-cost flow.
   With all windows [0, 0] this is already the optimum; otherwise, when official times need
   more buses than the bound, the match-and-repair heuristic (`repair`) may start lower.
2. `reduce_fleet`: CP-SAT chooses shifts and connections to maximize connections (fewer buses).
3. `reduce_deadhead`: the exact flow again under the new shifts, then CP-SAT with the bus count
   fixed, minimizing deadhead.
4. `reduce_moves`: with the connections fixed, CP-SAT minimizes total |shift|.

The CP-SAT stages search a pruned set of candidate connections (each trip's nearest and tightest
neighbours plus the incumbent's), which keeps models small at thousands of trips; the incumbent
is always in the set, so pruning can cost optimality but never feasibility.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from busplan.core.bounds import fleet_lower_bound
from busplan.core.chain_model import ChainModel, Plan, Runner
from busplan.core.connections import BoolArray, Connections
from busplan.core.flow import min_cost_cover
from busplan.core.repair import repaired_plan

REPAIR_ROUNDS = 3


@dataclass
class Group:
    connections: Connections
    neighbours: int
    check: Callable[[], None]
    """Raises when the solve is cancelled; called while building models."""
    lower_bound: int = 0
    plan: Plan = field(init=False)
    fleet_proven: bool = False
    _model: ChainModel | None = None

    def start(self) -> None:
        c = self.connections
        zero = np.zeros(len(c), np.int64)
        self.plan = Plan(tuple(min_cost_cover(c.feasible(zero), c.travel)), zero)
        if not self.fixed_times and self.plan.buses(len(c)) > self.lower_bound:
            repaired = repaired_plan(c, REPAIR_ROUNDS, self.check)
            if len(repaired.arcs) > len(self.plan.arcs):
                self.plan = repaired
        self.fleet_proven = self.plan.buses(len(c)) == self.lower_bound

    @property
    def fixed_times(self) -> bool:
        c = self.connections
        return bool((c.earliest == 0).all() and (c.latest == 0).all())

    @property
    def size(self) -> int:
        return len(self.connections)

    def reduce_fleet(self, run: Runner) -> None:
        if self.fixed_times or self.fleet_proven:
            return
        result = self.model().maximize_connections(self.plan, run)
        if result.plan is not None and len(result.plan.arcs) > len(self.plan.arcs):
            self.plan = result.plan
        self.fleet_proven = self.plan.buses(self.size) == self.lower_bound

    def reduce_deadhead(self, run: Runner) -> None:
        if self.fixed_times:
            return
        model = self.model()
        c = self.connections
        # The exact flow under the current shifts, on the candidates: never worse than the plan.
        rerouted = Plan(
            tuple(min_cost_cover(c.feasible(self.plan.shifts) & model.candidates, c.travel)),
            self.plan.shifts,
        )
        if _better(rerouted, self.plan, c):
            self.plan = rerouted
        model.fix_buses(self.plan)
        result = model.minimize_deadhead(self.plan, run)
        if result.plan is not None and _better(result.plan, self.plan, c):
            self.plan = result.plan

    def reduce_moves(self, run: Runner) -> None:
        """The least total |shift| for the chosen connections: exact, and quick because the
        connections are fixed. (Letting connections change again at equal buses and deadhead
        was measured to find nothing better at many times the cost.)"""
        self._model = None
        if self.fixed_times:
            return
        fixed = ChainModel(self.connections, self._arc_mask(), self.check)
        fixed.fix_buses(self.plan)
        result = fixed.minimize_moved(self.plan, run)
        if result.plan is not None and _better(result.plan, self.plan, self.connections):
            self.plan = result.plan

    def _arc_mask(self) -> BoolArray:
        mask = np.zeros((self.size, self.size), np.bool_)
        for i, j in self.plan.arcs:
            mask[i, j] = True
        return mask

    def model(self) -> ChainModel:
        if self._model is None:
            self._model = ChainModel(self.connections, self.candidates(), self.check)
        return self._model

    def candidates(self) -> BoolArray:
        """Connections the search may use: per trip, the `neighbours` nearest and tightest
        successors and predecessors among the optimistic ones, plus the incumbent's."""
        c = self.connections
        possible = c.optimistic()
        keep = np.zeros_like(possible)
        n, k = len(c), self.neighbours
        if n <= 4 * k:
            keep = possible.copy()
        else:
            big = np.iinfo(np.int64).max
            for score in (c.travel, -c.slack):
                ranked = np.where(possible, score, big)
                rows = np.argpartition(ranked, k, axis=1)[:, :k]
                keep[np.arange(n)[:, None], rows] = True
                cols = np.argpartition(ranked, k, axis=0)[:k, :]
                keep[cols, np.arange(n)[None, :]] = True
            keep &= possible
        for i, j in self.plan.arcs:
            keep[i, j] = True
        return keep


def _better(a: Plan, b: Plan, c: Connections) -> bool:
    """Lexicographic: fewer buses, then less deadhead, then fewer moved seconds."""
    key_a = (-len(a.arcs), a.deadhead(c), a.moved())
    key_b = (-len(b.arcs), b.deadhead(c), b.moved())
    return key_a < key_b


def start_group(connections: Connections, neighbours: int, check: Callable[[], None]) -> Group:
    group = Group(connections, neighbours, check, fleet_lower_bound(connections))
    group.start()
    return group
