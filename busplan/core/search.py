"""Running a search within its limits: a wall-clock deadline, a deterministic effort, the seed,
progress ticks and cancellation, for CP-SAT models and for the MIP of the peak relaxation."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from busplan.core.progress import Reporter


@dataclass(frozen=True)
class SearchLimits:
    deadline: float
    """`time.monotonic()` by which the search must end, whatever else happens."""
    effort: float
    """Deterministic seconds the search may spend (CP-SAT's machine-independent clock): the
    limit that normally ends a search, so that the same input gives the same plan."""
    seed: int
    workers: int


@dataclass
class SolvedModel:
    status: int
    solver: cp_model.CpSolver

    def boolean_value(self, var: cp_model.IntVar) -> bool:
        return bool(self.solver.boolean_value(var))

    def value(self, var: cp_model.IntVar) -> int:
        return int(self.solver.value(var))


MIP_NODES = 20_000
"""Branch-and-bound nodes a MIP may explore: its deterministic effort limit (SCIP has no
machine-independent clock), so that the same input gives the same result."""


@dataclass(frozen=True)
class Runner:
    """Solves models within the limits, ticking progress and honouring cancel.

    Several CP-SAT workers search in deterministic interleaved batches, so results do not depend
    on thread timing; only the wall-clock deadline, a safety net, can make two runs differ.
    """

    limits: SearchLimits
    reporter: Reporter
    message: str
    span: tuple[float, float]

    def __call__(self, model: cp_model.CpModel) -> SolvedModel:
        limits = self.limits
        seconds = self.seconds_left()
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.max_deterministic_time = max(limits.effort, 0.01)
        solver.parameters.random_seed = limits.seed
        solver.parameters.num_workers = limits.workers
        solver.parameters.interleave_search = limits.workers > 1
        self.reporter.within(self.span[0], self.message)
        with self.reporter.searching(solver.stop_search, min(seconds, limits.effort), self.span):
            status = solver.solve(model)
        return SolvedModel(int(status), solver)

    def mip(self, solver: pywraplp.Solver, options: str = "") -> int:
        """Solve a MIP (one thread, node-limited) with SCIP `options` ("name = value" lines);
        returns its MPSolver status."""
        seconds = self.seconds_left()
        solver.SetTimeLimit(int(seconds * 1000))
        solver.SetNumThreads(1)
        solver.SetSolverSpecificParametersAsString(
            f"limits/nodes = {MIP_NODES}\nrandomization/randomseedshift = {self.limits.seed}\n"
            + options
        )
        self.reporter.within(self.span[0], self.message)
        with self.reporter.searching(solver.InterruptSolve, seconds, self.span):
            status: int = solver.Solve()
        return status

    def lp(self, solver: pywraplp.Solver) -> int:
        """Solve a linear program (deterministic; the deadline only as a safety net)."""
        seconds = self.seconds_left()
        solver.SetTimeLimit(int(seconds * 1000))
        self.reporter.within(self.span[0], self.message)
        with self.reporter.searching(solver.InterruptSolve, seconds, self.span):
            status: int = solver.Solve()
        return status

    def seconds_left(self) -> float:
        return max(self.limits.deadline - time.monotonic(), 0.05)

    def share(self, fraction: float) -> Runner:
        """A runner with `fraction` of the time and effort left to this one."""
        seconds = self.seconds_left() * fraction
        limits = replace(
            self.limits,
            deadline=time.monotonic() + seconds,
            effort=self.limits.effort * fraction,
        )
        return replace(self, limits=limits)


def runner(
    limits: SearchLimits, reporter: Reporter, message: str, span: tuple[float, float]
) -> Runner:
    return Runner(limits, reporter, message, span)
