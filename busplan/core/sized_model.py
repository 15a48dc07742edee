"""Vehicle sizes chosen with the connections, for a part whose trips share no one size.

Where a part's seat ranges share no common size, `seats.vehicle_classes` splits it by greedy
interval stabbing and each class is solved apart: the one place where a split can cost buses,
and where the part's bound (computed on the whole part, sizes ignored) may stay below the plan.
This model sees the whole part: the chain model over every possible connection, plus one size
per trip among the part's candidate sizes, equal along every chosen connection. It is exact, so
its proven bound is a bound for the part, and its plan regroups the part by the sizes it chose.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from busplan.core.chain_model import ChainModel, Plan
from busplan.core.connections import Connections
from busplan.core.search import Runner
from busplan.core.seats import Interval


def candidate_sizes(intervals: Sequence[Interval]) -> list[float]:
    """Sizes enough to give every busload a common one: a set of seat ranges that overlap
    shares the smallest of their upper ends (or, when every upper end is open, the largest
    lower end)."""
    finite = {high for _, high in intervals if math.isfinite(high)}
    return sorted(finite | {max(low for low, _ in intervals)})


class SizedChainModel(ChainModel):
    def __init__(
        self,
        connections: Connections,
        intervals: Sequence[Interval],
        check: Callable[[], None] = lambda: None,
        peak: bool = False,
    ) -> None:
        super().__init__(connections, connections.optimistic(), check, peak)
        self.sizes = candidate_sizes(intervals)
        model = self.model
        self.size = []
        for low, high in intervals:
            allowed = [p for p, size in enumerate(self.sizes) if low <= size <= high]
            self.size.append(model.new_int_var(allowed[0], allowed[-1], ""))
        for a, (i, j) in enumerate(zip(self.tails, self.heads, strict=True)):
            model.add(self.size[i] == self.size[j]).only_enforce_if(self.used[a])

    def fewest_buses(
        self, start: Plan, start_sizes: Sequence[float], run: Runner
    ) -> tuple[Plan, list[float]] | None:
        """The plan with the most connections and each trip's size, searched from `start`
        (whose sizes are `start_sizes`); None when no plan was found in time."""
        for var, size in zip(self.size, start_sizes, strict=True):
            self.model.add_hint(var, self.sizes.index(size))
        self.model.maximize(self.n_connections)
        plan = self._solve(start, run, keep_hints=True)
        if plan is None:
            return None
        return plan, [self.sizes[p] for p in self._values(self.size)]

    def buses_bound(self) -> int:
        """Fewest buses any plan of the part needs, from the last search's proven bound."""
        return len(self.connections) - math.floor(self.bound + 1e-6)


def classes_of(sizes: Sequence[float]) -> list[list[int]]:
    """Positions grouped by their size, smallest size first."""
    return [[k for k, s in enumerate(sizes) if s == size] for size in sorted(set(sizes))]


def class_sizes(intervals: Sequence[Interval], classes: Sequence[Sequence[int]]) -> list[float]:
    """Each position's size in a split by classes: the smallest candidate size that every
    range of its class holds."""
    candidates = candidate_sizes(intervals)
    sizes = [0.0] * len(intervals)
    for members in classes:
        size = next(
            p for p in candidates if all(intervals[k][0] <= p <= intervals[k][1] for k in members)
        )
        for k in members:
            sizes[k] = size
    return sizes
