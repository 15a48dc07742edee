"""Solving one group: the trips of one day that share a vehicle class.

The stages, each starting from the best plan so far and never making it worse:

1. `start`: official times (no shifts), fewest buses then least deadhead by exact min-cost flow.
   With all windows [0, 0] this is already the optimum. When official times need more buses
   than the bound, the match-and-repair heuristic (`repair`) gives a second plan: the start
   for large groups, a fallback for small ones.
2. `reduce_fleet`: CP-SAT chooses shifts and connections to maximize connections (fewer buses);
   the repaired plan wins if it still has fewer buses. Large groups instead re-plan a few buses
   at a time where the bound says one may be saved (`augment`).
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

from busplan.core.augment import augment
from busplan.core.bounds import fleet_lower_bound
from busplan.core.chain_columns import chain_plan, plan_columns
from busplan.core.chain_model import ChainModel, Plan
from busplan.core.connections import BoolArray, Connections, IntArray
from busplan.core.duty_model import DayLimits, DutyChainModel, keeps_limits
from busplan.core.flow import min_cost_cover
from busplan.core.peak import wide_windows
from busplan.core.repair import repaired_plan
from busplan.core.search import Runner

REPAIR_ROUNDS = 3
LARGE_GROUP = 400
"""From this many trips the fleet search starts from the repaired plan and re-plans a few
buses at a time where the bound says one may be saved (`augment`), with capped effort: at 800+
trips the whole-group search was measured to find nothing better than that start in 90 s. Smaller
groups start at official times, which on 1000-trip days ended with up to 25 % less deadhead,
and fall back on the repaired plan if the search ends with more buses."""
CHAIN_SHARE = 0.8
"""Of a group's fleet search time, the share that whole-chain column generation may take
where a driver's spread is limited. Its plan is nearly always the fewest buses there (at the
bound on 9 of 10 parts of a rural 1000-trip day, in 0.1-2.9 s each); the searches after it go
on even where it reached the bound, as on metro days their cut plans have as few buses, less
deadhead and a steadier week (skipping them there was measured: the same buses, 3.7 % more
deadhead, stability 0.941-0.963 against 0.950-0.974; skipping only the duty search of small
groups: 230-trip weeks in 15-46 s instead of 17-58 s of their 60, metro 1000-trip weeks 4.6 %
more deadhead)."""
FLEET_EFFORT_PER_TRIP = 0.12
"""Deterministic seconds of fleet search per trip of a large group (about 30 neighbourhoods
for 800 trips, see `augment`)."""


@dataclass
class Group:
    connections: Connections
    neighbours: int
    check: Callable[[], None]
    """Raises when the solve is cancelled; called while building models."""
    lower_bound: int = 0
    plan: Plan = field(init=False)
    repaired: Plan | None = None
    """The match-and-repair plan, when official times need more buses than the bound."""
    fleet_proven: bool = False
    free_plan: Plan | None = None
    """With duty limits: the best plan found without them, which the week planner may cut
    and join instead, where that needs fewer buses."""
    limits: DayLimits | None = None
    """The duty limits, when a driver's day is limited: the search then keeps them."""
    chained: Plan | None = None
    """With a spread limit: the plan of whole chains from column generation (`chain_columns`),
    which keeps the spread and driving limits; the week planner weighs it with the others."""
    whole: bool = True
    """The group is a whole part of its day (not a vehicle class cut from one), so a bound
    proven for it is a bound for that part."""
    _model: ChainModel | None = None

    def start(self) -> None:
        c = self.connections
        zero = np.zeros(len(c), np.int64)
        self.plan = Plan(tuple(min_cost_cover(c.feasible(zero), c.cost)), zero)
        if not self.fixed_times and self.plan.buses(len(c)) > self.lower_bound:
            self.repaired = repaired_plan(c, REPAIR_ROUNDS, self.check)
            if self.large and len(self.repaired.arcs) > len(self.plan.arcs):
                self.plan = self.repaired
        self.fleet_proven = self.plan.buses(len(c)) == self.lower_bound

    def offer(self, shifts: IntArray | None, bound: int | None = None) -> None:
        """A start from other shifts (the peak relaxation's): the exact flow at those shifts
        replaces the plan if better; `bound`, when given, is a proven bound for this group."""
        if bound is not None:
            self.lower_bound = max(self.lower_bound, bound)
        c = self.connections
        if shifts is not None:
            plan = Plan(tuple(min_cost_cover(c.feasible(shifts), c.cost)), shifts)
            if self.keeps_limits(plan) and _better(plan, self.plan, c):
                self.plan = plan
                self._model = None
        self.fleet_proven = self.plan.buses(self.size) == self.lower_bound

    @property
    def fixed_times(self) -> bool:
        c = self.connections
        return bool((c.earliest == 0).all() and (c.latest == 0).all())

    @property
    def size(self) -> int:
        return len(self.connections)

    @property
    def large(self) -> bool:
        return self.size >= LARGE_GROUP

    @property
    def fleet_effort_per_trip(self) -> float:
        return FLEET_EFFORT_PER_TRIP if self.large else float("inf")

    def reduce_fleet(self, run: Runner) -> None:
        if self.limits is not None and not (self.fleet_proven and self.keeps_limits(self.plan)):
            start = plan_columns(self.connections, self.limits, self.plan)
            self.chained = chain_plan(
                self.connections,
                self.limits,
                run.share(CHAIN_SHARE),
                start=start,
                enough=self.lower_bound,
            )
        if self.duty_search:
            self._reduce_fleet_within_limits(run)
            return
        if self.fixed_times or self.fleet_proven:
            return
        if self.large:  # the repaired plan is already the start
            found_plans: list[Plan | None] = [
                augment(self.connections, self.plan, self.lower_bound, run)
            ]
        else:
            model = self.model()
            found_plans = [model.maximize_connections(self.plan, run), self.repaired]
            self._raise_bound(model)
        for found in found_plans:
            if found is not None and len(found.arcs) > len(self.plan.arcs):
                self.plan = found
                self._model = None  # its candidates may lack the new plan's connections
        self.fleet_proven = self.plan.buses(self.size) == self.lower_bound

    def search_every_connection(self, run: Runner) -> None:
        """The fleet search again, over every possible connection, from the group's best plan:
        for wide windows and time the other stages left. A plan with more connections is kept,
        and the search's proven bound, having seen every connection, is the group's."""
        if self.fleet_proven or self.fixed_times or self.duty_search or self.large:
            return
        model = self._chain_model(self.connections.optimistic())
        found = model.maximize_connections(self.plan, run)
        if found is not None and model.bound < self.size:
            self.lower_bound = max(self.lower_bound, self.size - int(model.bound + 1e-6))
        if found is not None and len(found.arcs) > len(self.plan.arcs):
            self.plan = found
            self._model = None
        self.fleet_proven = self.plan.buses(self.size) == self.lower_bound

    def _reduce_fleet_within_limits(self, run: Runner) -> None:
        """The fleet search with the driver's day in the model. The flows ignore it, so their
        plans serve as hints; the search's proven bound raises the group's bound when every
        possible connection was a candidate."""
        if self.keeps_limits(self.plan) and self.fleet_proven:
            return
        self.free_plan = max(
            (p for p in (self.plan, self.repaired) if p), key=lambda p: len(p.arcs)
        )
        model = self.model()
        result = model.maximize_connections(self.plan, run)
        self._raise_bound(model)
        found = (result, self.plan, self.repaired, self.chained)
        kept = [p for p in found if p and self.keeps_limits(p)]
        if kept:
            self.plan = max(kept, key=lambda p: len(p.arcs))
            self._model = None
        self.fleet_proven = self.plan.buses(self.size) == self.lower_bound

    def _raise_bound(self, model: ChainModel) -> None:
        """Where the search saw every possible connection, its proven bound on connections is
        a bound on the group's buses (with wide windows the optimistic matching says little,
        and this is what proves a plan optimal)."""
        if self.complete and model.bound < self.size:
            self.lower_bound = max(self.lower_bound, self.size - int(model.bound + 1e-6))

    def keeps_limits(self, plan: Plan) -> bool:
        if self.limits is None:
            return True
        return keeps_limits(self.connections, plan.arcs, plan.shifts, self.limits)

    @property
    def complete(self) -> bool:
        """The search sees every possible connection (small groups)."""
        return self.size <= 4 * self.neighbours

    def reduce_deadhead(self, run: Runner) -> None:
        if self.fixed_times and not self.duty_search:
            return
        c = self.connections
        if self.duty_search:
            model = self.model()
            model.fix_buses(self.plan)
            result = model.minimize_deadhead(self.plan, run)
            if result is not None and _better(result, self.plan, c):
                self.plan = result
            return
        # The exact flow under the plan's shifts, and under the least-moving shifts of its
        # chains (closer to official times, where connections are usually cheapest): neither
        # can need more buses than the plan, since its own connections stay feasible.
        for shifts in (self.plan.shifts, self._least_moving(run).shifts):
            rerouted = Plan(tuple(min_cost_cover(c.feasible(shifts), c.cost)), shifts)
            if _better(rerouted, self.plan, c):
                self.plan = rerouted
        model = self.model()
        model.fix_buses(self.plan)
        result = model.minimize_deadhead(self.plan, run)
        if result is not None and _better(result, self.plan, c):
            self.plan = result

    def reduce_moves(self, run: Runner) -> None:
        """The least total |shift| for the chosen connections: exact, and quick because the
        connections are fixed. (Letting connections change again at equal buses and deadhead
        was measured to find nothing better at many times the cost.)"""
        self._model = None
        if not self.fixed_times:
            self.plan = self._least_moving(run)

    def _least_moving(self, run: Runner) -> Plan:
        """The plan's connections with the least total |shift| that keeps them feasible."""
        fixed = self._chain_model(self._arc_mask())
        fixed.fix_buses(self.plan)
        result = fixed.minimize_moved(self.plan, run)
        if result is not None and _better(result, self.plan, self.connections):
            return result
        return self.plan

    def _arc_mask(self) -> BoolArray:
        mask = np.zeros((self.size, self.size), np.bool_)
        for i, j in self.plan.arcs:
            mask[i, j] = True
        return mask

    def model(self) -> ChainModel:
        if self._model is None:
            self._model = self._chain_model(self.candidates())
        return self._model

    def _chain_model(self, candidates: BoolArray) -> ChainModel:
        if self.limits is None or not self.duty_search:
            peak = wide_windows(self.connections)
            return ChainModel(self.connections, candidates, self.check, peak)
        return DutyChainModel(self.connections, candidates, self.limits, self.check)

    @property
    def duty_search(self) -> bool:
        """Whether the searches carry the duty limits. Only where they see every connection:
        on larger groups the limited search was measured to end far above the plan that the
        week planner gets by cutting and joining the free search's buses (at 1000 trips, 241
        buses against 221 on a day bounded at 219)."""
        return self.limits is not None and self.complete

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
            big = np.int64(np.iinfo(np.int64).max)  # a 64-bit scalar: tables may be 32-bit
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
    key_a = (-len(a.arcs), a.cost(c), a.moved())
    key_b = (-len(b.arcs), b.cost(c), b.moved())
    return key_a < key_b


def start_group(
    connections: Connections,
    neighbours: int,
    check: Callable[[], None],
    limits: DayLimits | None = None,
    whole: bool = True,
    bound: int | None = None,
) -> Group:
    """`bound`: a proven bound for the group when one is known (else the matching bound)."""
    if bound is None:
        bound = fleet_lower_bound(connections)
    group = Group(connections, neighbours, check, bound, limits=limits)
    group.whole = whole
    group.start()
    return group
