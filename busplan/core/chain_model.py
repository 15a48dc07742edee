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
from busplan.core.progress import Reporter, watching


@dataclass(frozen=True)
class Plan:
    """Connections and shifts for the trips of one group (positions in its `Connections`)."""

    arcs: tuple[Arc, ...]
    shifts: IntArray

    def buses(self, n: int) -> int:
        return n - len(self.arcs)

    def deadhead(self, connections: Connections) -> int:
        return int(sum(connections.travel[i, j] for i, j in self.arcs))

    def moved(self) -> int:
        return int(np.abs(self.shifts).sum())


@dataclass(frozen=True)
class StageResult:
    plan: Plan | None
    optimal: bool


class ChainModel:
    def __init__(self, connections: Connections, candidates: BoolArray) -> None:
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
        travel = c.travel[self.tails, self.heads]
        self.n_connections = sum(self.used)
        self.total_deadhead = cp_model.LinearExpr.weighted_sum(self.used, [int(t) for t in travel])
        self.total_moved = sum(self.moved)
        self.index = {(int(i), int(j)): a for a, (i, j) in enumerate(zip(self.tails, self.heads))}

    def covers(self, plan: Plan) -> bool:
        return all(arc in self.index for arc in plan.arcs)

    def fix_buses(self, plan: Plan) -> None:
        self.model.add(self.n_connections == len(plan.arcs))

    def maximize_connections(self, start: Plan, run: Runner, lower_bound: int) -> StageResult:
        """Fewest buses; no plan beats the lower bound, and saying so lets the search stop
        as soon as it reaches it."""
        self.model.add(self.n_connections <= len(self.connections) - lower_bound)
        self.model.maximize(self.n_connections)
        return self._solve(start, run)

    def minimize_deadhead(self, start: Plan, run: Runner) -> StageResult:
        self.model.minimize(self.total_deadhead)
        return self._solve(start, run)

    def minimize_moved(self, start: Plan, run: Runner) -> StageResult:
        self.model.minimize(self.total_moved)
        return self._solve(start, run)

    def _solve(self, start: Plan, run: Runner) -> StageResult:
        self.model.clear_hints()
        chosen = set(start.arcs)
        for a, arc in enumerate(zip(self.tails, self.heads)):
            self.model.add_hint(self.used[a], (int(arc[0]), int(arc[1])) in chosen)
        for k, var in enumerate(self.shift):
            self.model.add_hint(var, int(start.shifts[k]))
        solver = run(self.model)
        if solver.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return StageResult(None, False)
        arcs = tuple(
            (int(i), int(j))
            for a, (i, j) in enumerate(zip(self.tails, self.heads))
            if solver.boolean_value(self.used[a])
        )
        shifts = np.array([solver.value(v) for v in self.shift], np.int64)
        return StageResult(Plan(arcs, shifts), solver.status == cp_model.OPTIMAL)


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
    """`time.monotonic()` by which the search must end."""
    seed: int
    workers: int
    patience: float
    """Seconds without a better solution after which a search stops."""


class _Improvements(cp_model.CpSolverSolutionCallback):
    """Remembers when the search last found a better solution."""

    def __init__(self) -> None:
        super().__init__()
        self.last = time.monotonic()

    def on_solution_callback(self) -> None:
        self.last = time.monotonic()


def runner(limits: SearchLimits, reporter: Reporter, message: str, span: tuple[float, float]) -> Runner:
    """A function that solves a model within the limits, ticking progress and honouring cancel.

    A search also stops once it has gone `patience` seconds without improving: on these models
    the last improvements come early and proving optimality can take far longer than it is worth.
    """

    def run(model: cp_model.CpModel) -> SolvedModel:
        seconds = max(limits.deadline - time.monotonic(), 0.05)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.random_seed = limits.seed
        solver.parameters.num_workers = limits.workers
        improvements = _Improvements()

        def stalled() -> bool:
            return time.monotonic() - improvements.last > limits.patience

        with watching(reporter, solver.stop_search, seconds, message, span, stalled):
            status = solver.solve(model, improvements)
        return SolvedModel(int(status), solver)

    return run
