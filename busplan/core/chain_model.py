"""The CP-SAT model that chooses connections and shifts together.

One Boolean per candidate connection i -> j, at most one successor and one predecessor per trip,
and one integer shift per trip within its window. A connection that is feasible whatever the
shifts needs nothing more; one that depends on the shifts is enforced as
`s[j] - s[i] >= -slack[i, j]` when chosen. Buses = trips - chosen connections.

The model is solved in lexicographic stages (connections, then deadhead, then moved bells), each
stage fixing the optimum of the one before and starting from the best plan so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from busplan.core.connections import BoolArray, Connections, IntArray
from busplan.core.flow import Arc
from busplan.core.progress import Reporter


@dataclass(frozen=True)
class Plan:
    """Connections and shifts for the trips of one group (positions in its `Connections`)."""

    arcs: tuple[Arc, ...]
    shifts: IntArray

    def buses(self, n: int) -> int:
        return n - len(self.arcs)

    def cost(self, connections: Connections) -> int:
        """Deadhead (pull-out and pull-in included) up to a constant per connection."""
        return sum(int(connections.cost[i, j]) for i, j in self.arcs)

    def moved(self) -> int:
        return int(np.abs(self.shifts).sum())


class ChainModel:
    def __init__(
        self,
        connections: Connections,
        candidates: BoolArray,
        check: Callable[[], None] = lambda: None,
    ) -> None:
        """`check` is called now and then while building; it raises to abandon the build."""
        self.connections = connections
        self.candidates = candidates
        c = connections
        n = len(c)
        self.tails, self.heads = (a.astype(int) for a in np.nonzero(candidates))
        model = cp_model.CpModel()
        self.model = model
        self.shift = [model.new_int_var(int(c.earliest[k]), int(c.latest[k]), "") for k in range(n)]
        self.moved = [
            model.new_int_var(0, int(max(-c.earliest[k], c.latest[k], 0)), "") for k in range(n)
        ]
        for k in range(n):
            model.add_abs_equality(self.moved[k], self.shift[k])
        self.used = [model.new_bool_var("") for _ in range(len(self.tails))]
        always = c.pessimistic()[self.tails, self.heads]
        successors: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
        predecessors: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
        for a, (i, j) in enumerate(zip(self.tails, self.heads, strict=True)):
            if a % 2000 == 0:
                check()
            successors[i].append(self.used[a])
            predecessors[j].append(self.used[a])
            if not always[a]:
                need = int(-c.slack[i, j])
                model.add(self.shift[j] - self.shift[i] >= need).only_enforce_if(self.used[a])
        for k in range(n):
            if len(successors[k]) > 1:
                model.add_at_most_one(successors[k])
            if len(predecessors[k]) > 1:
                model.add_at_most_one(predecessors[k])
        travel = c.cost[self.tails, self.heads]
        self.n_connections = sum(self.used)
        self.total_deadhead = cp_model.LinearExpr.weighted_sum(self.used, [int(t) for t in travel])
        self.total_moved = sum(self.moved)
        self.bound = float("inf")
        """The last search's proven bound on its objective."""

    def fix_buses(self, plan: Plan) -> None:
        self.model.add(self.n_connections == len(plan.arcs))

    def maximize_connections(self, start: Plan, run: Runner) -> Plan | None:
        """Fewest buses. (Capping connections at the lower bound's count looks like a free
        hint but was measured to slow the search down by an order of magnitude.)"""
        self.model.maximize(self.n_connections)
        return self._solve(start, run)

    def minimize_deadhead(self, start: Plan, run: Runner) -> Plan | None:
        self.model.minimize(self.total_deadhead)
        return self._solve(start, run)

    def minimize_moved(self, start: Plan, run: Runner) -> Plan | None:
        self.model.minimize(self.total_moved)
        return self._solve(start, run)

    def _solve(self, start: Plan, run: Runner) -> Plan | None:
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        chosen = set(start.arcs)
        for a, arc in enumerate(zip(self.tails, self.heads, strict=True)):
            self.model.add_hint(self.used[a], (int(arc[0]), int(arc[1])) in chosen)
        for k, var in enumerate(self.shift):
            self.model.add_hint(var, int(start.shifts[k]))
        solver = run(self.model)
        if solver.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None  # stopped before its first solution: its bound means nothing yet
        self.bound = solver.solver.best_objective_bound
        arcs = tuple(
            (int(i), int(j))
            for a, (i, j) in enumerate(zip(self.tails, self.heads, strict=True))
            if solver.boolean_value(self.used[a])
        )
        shifts = np.array([solver.value(v) for v in self.shift], np.int64)
        return Plan(arcs, shifts)


@dataclass
class SolvedModel:
    status: int
    solver: cp_model.CpSolver

    def boolean_value(self, var: cp_model.IntVar) -> bool:
        return bool(self.solver.boolean_value(var))

    def value(self, var: cp_model.IntVar) -> int:
        return int(self.solver.value(var))


Runner = Callable[[cp_model.CpModel], SolvedModel]


@dataclass(frozen=True)
class SearchLimits:
    deadline: float
    """`time.monotonic()` by which the search must end, whatever else happens."""
    effort: float
    """Deterministic seconds the search may spend (CP-SAT's machine-independent clock): the
    limit that normally ends a search, so that the same input gives the same plan."""
    seed: int
    workers: int


def runner(
    limits: SearchLimits, reporter: Reporter, message: str, span: tuple[float, float]
) -> Runner:
    """A function that solves a model within the limits, ticking progress and honouring cancel.

    Several workers search in deterministic interleaved batches, so results do not depend on
    thread timing; only the wall-clock deadline, a safety net, can make two runs differ.
    """

    def run(model: cp_model.CpModel) -> SolvedModel:
        seconds = max(limits.deadline - time.monotonic(), 0.05)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.max_deterministic_time = max(limits.effort, 0.01)
        solver.parameters.random_seed = limits.seed
        solver.parameters.num_workers = limits.workers
        solver.parameters.interleave_search = limits.workers > 1
        reporter.within(span[0], message)
        with reporter.searching(solver.stop_search, min(seconds, limits.effort), span):
            status = solver.solve(model)
        return SolvedModel(int(status), solver)

    return run
