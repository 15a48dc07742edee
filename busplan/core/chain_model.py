"""The CP-SAT model that chooses connections and shifts together.

One Boolean per candidate connection i -> j, at most one successor and one predecessor per trip,
and one integer shift per trip within its window. A connection that is feasible whatever the
shifts needs nothing more; one that depends on the shifts is enforced as
`s[j] - s[i] >= -slack[i, j]` when chosen. Buses = trips - chosen connections.

The model is solved in lexicographic stages (connections, then deadhead, then moved bells), each
stage fixing the optimum of the one before and starting from the best plan so far.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from busplan.core.connections import BoolArray, Connections, IntArray
from busplan.core.flow import Arc
from busplan.core.peak import stretch
from busplan.core.search import Runner, SolvedModel


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
        peak: bool = False,
    ) -> None:
        """`check` is called now and then while building; it raises to abandon the build.
        `peak` adds the peak relaxation as a redundant constraint (for wide windows)."""
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
        if peak:
            self._add_peak(n)
        self.total_deadhead = cp_model.LinearExpr.weighted_sum(self.used, [int(t) for t in travel])
        self.total_moved = sum(self.moved)
        self.bound = float("inf")
        """The last search's proven bound on its objective."""
        self.effort = 0.0
        """Deterministic seconds the last search used."""
        self._solved: SolvedModel

    def _add_peak(self, n: int) -> None:
        """The peak relaxation as a redundant constraint: the stretched trips running at any
        moment never outnumber the buses, which lets the search prune by the peak too."""
        c = self.connections
        head, tail = stretch(c, c.earliest, c.latest)
        intervals = [
            self.model.new_fixed_size_interval_var(
                int(c.base_start[k] - head[k]) + self.shift[k],
                int(head[k] + c.base_end[k] - c.base_start[k] + tail[k]),
                "",
            )
            for k in range(n)
        ]
        buses = self.model.new_int_var(0, n, "buses")
        self.model.add(buses == n - self.n_connections)
        self.model.add_cumulative(intervals, [1] * n, buses)

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

    def _solve(self, start: Plan, run: Runner, keep_hints: bool = False) -> Plan | None:
        """Search from `start` (and, with `keep_hints`, the hints a subclass added)."""
        if not keep_hints:
            self.model.clear_hints()  # type: ignore[no-untyped-call]
        chosen = set(start.arcs)
        for a, arc in enumerate(zip(self.tails, self.heads, strict=True)):
            self.model.add_hint(self.used[a], (int(arc[0]), int(arc[1])) in chosen)
        for k, var in enumerate(self.shift):
            self.model.add_hint(var, int(start.shifts[k]))
        solver = run(self.model)
        self._solved = solver
        self.effort = solver.solver.response_proto.deterministic_time
        if solver.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None  # stopped before its first solution: its bound means nothing yet
        self.bound = solver.solver.best_objective_bound
        arcs = tuple(
            (int(i), int(j))
            for a, (i, j) in enumerate(zip(self.tails, self.heads, strict=True))
            if solver.boolean_value(self.used[a])
        )
        shifts = np.array(self._values(self.shift), np.int64)
        return Plan(arcs, shifts)

    def _values(self, variables: list[cp_model.IntVar]) -> list[int]:
        """The variables' values in the last search's best solution."""
        return [self._solved.value(v) for v in variables]
