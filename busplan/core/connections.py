"""Which trip can follow which on one bus, and with how much room to spare.

For trips i and j, `slack[i, j]` is the time left over when j starts at its official time after i
ends at its official time, once the drive from i to j and the buffer are paid. With shifts s, the
connection is feasible when `slack[i, j] + s[j] - s[i] >= 0`. Everything else in the solver is
built on this one matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from busplan.core.model import Problem
from busplan.core.travel import UNREACHABLE

NEVER = -2 * 10**9
"""Slack of a connection no shift can make feasible (same trip, no road, no common vehicle).
It and its negation fit a 32-bit integer, the type of the tables below."""

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Table = NDArray[np.signedinteger[Any]]
"""A trip-by-trip table of seconds: 32-bit whenever its values fit (always, with the built-in
estimate and without depots), which halves the solver's largest arrays; arithmetic with the
64-bit vectors (shifts, windows) widens to 64 bits, so sums never overflow."""


@dataclass(frozen=True, eq=False)
class Connections:
    trips: tuple[int, ...]
    """Problem trip indices; position k here is trip `trips[k]` of the problem."""
    base_start: IntArray
    base_end: IntArray
    earliest: IntArray
    """Shift windows, seconds."""
    latest: IntArray
    travel: Table
    slack: Table
    cost: Table
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
        travel: Table,
        compatible: BoolArray,
        pulls: tuple[IntArray, IntArray] | None = None,
    ) -> Connections:
        """`travel` and `compatible` (pairs that may share a bus) are indexed like `trips`;
        `pulls` are each trip's pull-out and pull-in from its nearest usable depot."""
        ts = [problem.trips[i] for i in trips]
        windows = [problem.window(t) for t in ts]
        start = np.array([t.base_start for t in ts], np.int64)
        end = np.array([t.base_end for t in ts], np.int64)
        unreachable = travel >= UNREACHABLE
        drive = compact(np.where(unreachable, UNREACHABLE, travel))
        impossible = np.logical_or(unreachable, ~compatible, out=unreachable)
        np.fill_diagonal(impossible, True)
        slack = start[None, :] - end[:, None]
        slack -= drive
        slack -= problem.settings.buffer_s
        slack[impossible] = NEVER
        del impossible
        cost, offset = drive, 0
        out = back = np.zeros(len(trips), np.int64)
        if pulls is not None:
            out, back = pulls
            saved = back[:, None] + out[None, :]
            offset = int(saved.max(initial=0))
            cost = compact(drive - saved + offset)
        return cls(
            trips=tuple(trips),
            base_start=start,
            base_end=end,
            earliest=np.array([w.earliest for w in windows], np.int64),
            latest=np.array([w.latest for w in windows], np.int64),
            travel=drive,
            slack=compact(slack),
            cost=cost,
            pull_out=np.asarray(out, np.int64),
            pull_in=np.asarray(back, np.int64),
            cost_offset=offset,
        )

    def __len__(self) -> int:
        return len(self.trips)

    def subset(self, positions: Sequence[int]) -> Connections:
        """The same connections restricted to some of the trips (positions in this object);
        this object itself when that is all of them, in order (no copy of the tables)."""
        k = np.asarray(positions, dtype=np.intp)
        if len(k) == len(self) and np.array_equal(k, np.arange(len(self))):
            return self
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
        return bool_array(self.slack >= shifts[:, None] - shifts[None, :])

    def optimistic(self) -> BoolArray:
        """Connections feasible for some shifts: i as early as allowed, j as late as allowed."""
        return bool_array(self.slack >= self.earliest[:, None] - self.latest[None, :])

    def pessimistic(self) -> BoolArray:
        """Connections feasible whatever the shifts."""
        return bool_array(self.slack >= self.latest[:, None] - self.earliest[None, :])


def bool_array(values: NDArray[np.bool_]) -> BoolArray:
    return np.asarray(values, dtype=np.bool_)


INT32 = np.iinfo(np.int32)


def compact(values: NDArray[np.signedinteger[Any]]) -> Table:
    """`values` as 32-bit integers when they all fit, else as 64-bit ones."""
    if values.dtype == np.int32:
        return values
    if values.size == 0 or (INT32.min < values.min() and values.max() < INT32.max):
        return values.astype(np.int32)
    return values.astype(np.int64, copy=False)
