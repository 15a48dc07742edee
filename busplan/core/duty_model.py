"""The chain model with a driver's day in it: spread and driving limits on whole buses.

`ChainModel` knows connections and shifts. A bus's spread and driving time depend on its whole
chain, so this model carries two values along every chosen connection: when the bus left the
depot (`begin`, set at the chain's first trip from its shift and pull-out) and how long it has
driven so far (`drive`). The last trip of a chain adds its pull-in. Pull-out and pull-in are
each trip's nearest usable depot's, which never exceeds the real depot's: the model is a
relaxation of the duty rules (breaks are left out), so with every possible connection among its
candidates its proven bound is a valid lower bound on buses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from busplan.core.chain_model import ChainModel
from busplan.core.connections import BoolArray, Connections, IntArray
from busplan.core.flow import Arc, chains
from busplan.core.model import Duty

HORIZON = 3 * 24 * 3600


@dataclass(frozen=True, eq=False)
class DayLimits:
    """The duty limits and each trip's nearest pull-out and pull-in, for one group."""

    duty: Duty
    pull_out: IntArray
    pull_in: IntArray
    homes: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
    """Per depot and trip, seconds out to the trip (depots x trips) and back (trips x depots),
    `UNREACHABLE` where the depot may not base the trip's bus: for rules that need one depot
    at both ends of a bus."""


class DutyChainModel(ChainModel):
    def __init__(
        self,
        connections: Connections,
        candidates: BoolArray,
        limits: DayLimits,
        check: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(connections, candidates, check)
        c, m, duty = connections, self.model, limits.duty
        n = len(c)
        successors: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
        predecessors: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
        for a, (i, j) in enumerate(zip(self.tails, self.heads, strict=True)):
            successors[int(i)].append(self.used[a])
            predecessors[int(j)].append(self.used[a])
        begin = [m.new_int_var(-HORIZON, HORIZON, "") for _ in range(n)]
        drive = [m.new_int_var(0, HORIZON, "") for _ in range(n)]
        for k in range(n):
            first, last = m.new_bool_var(""), m.new_bool_var("")
            m.add(sum(predecessors[k]) + first == 1)
            m.add(sum(successors[k]) + last == 1)
            start = int(c.base_start[k]) + self.shift[k]
            end = int(c.base_end[k]) + self.shift[k]
            duration = int(c.base_end[k] - c.base_start[k])
            m.add(begin[k] == start - int(limits.pull_out[k])).only_enforce_if(first)
            m.add(drive[k] == duration + int(limits.pull_out[k])).only_enforce_if(first)
            if duty.max_spread_s is not None:
                m.add(end - begin[k] <= duty.max_spread_s)
                m.add(end + int(limits.pull_in[k]) - begin[k] <= duty.max_spread_s).only_enforce_if(
                    last
                )
            if duty.max_drive_s is not None:
                m.add(drive[k] + int(limits.pull_in[k]) <= duty.max_drive_s).only_enforce_if(last)
        for a, (i, j) in enumerate(zip(self.tails, self.heads, strict=True)):
            if a % 2000 == 0:
                check()
            step = int(c.travel[i, j] + c.base_end[j] - c.base_start[j])
            m.add(begin[j] == begin[i]).only_enforce_if(self.used[a])
            m.add(drive[j] == drive[i] + step).only_enforce_if(self.used[a])


def keeps_limits(
    connections: Connections, arcs: tuple[Arc, ...], shifts: IntArray, limits: DayLimits
) -> bool:
    """Whether every chain of a plan keeps the spread and driving limits (nearest depots)."""
    c, duty = connections, limits.duty
    for chain in chains(len(c), list(arcs)):
        first, last = chain[0], chain[-1]
        begin = int(c.base_start[first] + shifts[first] - limits.pull_out[first])
        finish = int(c.base_end[last] + shifts[last] + limits.pull_in[last])
        driven = int(limits.pull_out[first] + limits.pull_in[last])
        driven += sum(int(c.base_end[k] - c.base_start[k]) for k in chain)
        driven += sum(int(c.travel[a, b]) for a, b in pairwise(chain))
        if duty.max_spread_s is not None and finish - begin > duty.max_spread_s:
            return False
        if duty.max_drive_s is not None and driven > duty.max_drive_s:
            return False
    return True
