"""Which trip can follow which on one bus, and with how much room to spare.

For trips i and j, `slack[i, j]` is the time left over when j starts at its official time after i
ends at its official time, once the drive from i to j and the buffer are paid. With shifts s, the
connection is feasible when `slack[i, j] + s[j] - s[i] >= 0`. Everything else in the solver is
built on this one matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from busplan.core.model import Problem
from busplan.core.travel import UNREACHABLE

NEVER = -(10**12)
"""Slack of a connection no shift can make feasible (same trip, no road, no common vehicle)."""

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Connections:
    trips: tuple[int, ...]
    """Problem trip indices; position k here is trip `trips[k]` of the problem."""
    base_start: IntArray
    base_end: IntArray
    earliest: IntArray
    """Shift windows, seconds."""
    latest: IntArray
    travel: IntArray
    slack: IntArray
    cost: IntArray
    """What a connection adds to the day's deadhead, pull-out and pull-in included: its drive,
    less the pull-in of i and the pull-out of j that it saves, plus a constant that keeps every
    cost non-negative. With the number of connections fixed, the least total cost is the least
    deadhead. Without depots it is the drive itself."""
    pull_out: IntArray
    """Seconds from each trip's nearest usable depot (zeros without depots)."""
    pull_in: IntArray
    cost_offset: int = 0
    """The constant in `cost`."""

    @classmethod
    def build(
        cls,
        problem: Problem,
        trips: Sequence[int],
        travel: IntArray,
        compatible: BoolArray,
        pulls: tuple[IntArray, IntArray] | None = None,
    ) -> Connections:
        """`travel` and `compatible` (pairs that may share a bus) are indexed like `trips`;
        `pulls` are each trip's pull-out and pull-in from its nearest usable depot."""
        ts = [problem.trips[i] for i in trips]
        windows = [problem.window(t) for t in ts]
        start = np.array([t.base_start for t in ts], np.int64)
        end = np.array([t.base_end for t in ts], np.int64)
        slack = start[None, :] - end[:, None] - travel - problem.settings.buffer_s
        impossible = (travel >= UNREACHABLE) | ~compatible
        np.fill_diagonal(impossible, True)
        slack = np.where(impossible, NEVER, slack)
        drive = np.where(travel >= UNREACHABLE, UNREACHABLE, travel).astype(np.int64)
        cost, offset = drive, 0
        out = back = np.zeros(len(trips), np.int64)
        if pulls is not None:
            out, back = pulls
            saved = back[:, None] + out[None, :]
            offset = int(saved.max(initial=0))
            cost = drive - saved + offset
        return cls(
            trips=tuple(trips),
            base_start=start,
            base_end=end,
            earliest=np.array([w.earliest for w in windows], np.int64),
            latest=np.array([w.latest for w in windows], np.int64),
            travel=drive,
            slack=slack.astype(np.int64),
            cost=cost.astype(np.int64),
            pull_out=np.asarray(out, np.int64),
            pull_in=np.asarray(back, np.int64),
            cost_offset=offset,
        )

    def __len__(self) -> int:
        return len(self.trips)

    def subset(self, positions: Sequence[int]) -> Connections:
        """The same connections restricted to some of the trips (positions in this object)."""
        k = np.asarray(positions, dtype=np.intp)
        grid = np.ix_(k, k)
        return Connections(
            trips=tuple(self.trips[p] for p in positions),
            base_start=self.base_start[k],
            base_end=self.base_end[k],
            earliest=self.earliest[k],
            latest=self.latest[k],
            travel=self.travel[grid],
            slack=self.slack[grid],
            cost=self.cost[grid],
            pull_out=self.pull_out[k],
            pull_in=self.pull_in[k],
            cost_offset=self.cost_offset,
        )

    def feasible(self, shifts: IntArray) -> BoolArray:
        """Connections feasible with the given shifts."""
        return bool_array(self.slack + shifts[None, :] - shifts[:, None] >= 0)

    def optimistic(self) -> BoolArray:
        """Connections feasible for some shifts: i as early as allowed, j as late as allowed."""
        return bool_array(self.slack + self.latest[None, :] - self.earliest[:, None] >= 0)

    def pessimistic(self) -> BoolArray:
        """Connections feasible whatever the shifts."""
        return bool_array(self.slack + self.earliest[None, :] - self.latest[:, None] >= 0)


def bool_array(values: NDArray[np.bool_]) -> BoolArray:
    return np.asarray(values, dtype=np.bool_)
