"""A lower bound on buses for wide windows: the time-indexed flow relaxation.

Where every trip may move by a quarter or half an hour, the matching bound collapses and the
peak relaxation (`peak`) sees only how long each trip is stretched by its nearest follower.
This relaxation keeps every connection's own drive. Shifts are put on a grid of `G` seconds
(a shift `s` at `floor(s / G)`); each trip has one copy per grid point of its window, and a
linear program routes buses through the copies:

- each trip is served once, split over its copies as the LP likes;
- a bus arriving at trip `k` is *ready* at some grid point and may wait to a later one
  (a chain of ready nodes per trip); one leaving trip `j` may leave later (a chain of departure
  nodes per trip), so one arc per grid point that changes the arrival is enough;
- `j` at grid point `u` reaches `k` at `max(lo_k, u + m)`, with `m = ceil((1 - G - slack) / G)`
  (`slack` as in `connections`): shifts that connect, `s_k >= s_j - slack`, give
  `u_k * G + G - 1 >= s_k >= s_j - slack >= u_j * G - slack`, so `u_k >= u_j + m`, and every
  plan maps to a flow of as many buses;
- minimise the buses started.

Its optimum, rounded up, is a valid bound; only an optimal LP is used (the value of a
stopped one bounds nothing). Measured on Monday of `gen.py --trips 230 --matrix`, real drives,
no seat ranges: +-15 min, seeds 1 and 2, 32 and 33 (the peak relaxation 25, plans 32-36) at a
one-minute grid in 1-3 s; +-30 min, seed 2, 20 at five minutes in 4 s, 22 at two in 13 s
(peak 16, plan 29-30): the LP's own gap is what is left there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
from ortools.linear_solver import pywraplp

from busplan.core.connections import Connections

GRIDS_S = (60, 120, 300, 600)
"""Grid steps tried, finest first: the first whose flow has at most `MAX_ARCS` connection arcs
is solved."""
MAX_ARCS = 160_000
"""Connection arcs at most (a 150,000-arc flow solves in about 11 s on one core)."""
ARCS_PER_SECOND = 10_000
"""Connection arcs per second of the time left at most, so that the LP may end in time
(measured: 13,000-25,000 arcs built and solved per second at 45,000-150,000 arcs)."""
TOLERANCE = 1e-4
"""Below the LP optimum by this much before rounding up, for the solver's tolerances."""


def time_indexed_bound(
    c: Connections, deadline: float, grids: Sequence[int] = GRIDS_S
) -> int | None:
    """The bound, or None when no grid fits (`MAX_ARCS`, and the time left) or the LP is not
    solved to optimality in time."""
    if len(c) == 0:
        return 0
    tails, heads = np.nonzero(c.optimistic())
    slack = np.asarray(c.slack, np.int64)[tails, heads]
    for grid in grids:
        lo, hi = c.earliest // grid, c.latest // grid
        steps = -((grid - 1 + slack) // grid)  # m = ceil((1 - G - slack) / G) per connection
        early = lo[tails] + steps <= lo[heads]  # some grid point arrives before k's window
        later = np.minimum(hi[tails], hi[heads] - steps) - np.maximum(
            lo[tails], lo[heads] - steps + 1
        )
        arcs = int(early.sum() + np.clip(later + 1, 0, None).sum())
        if arcs <= min(MAX_ARCS, ARCS_PER_SECOND * (deadline - time.monotonic())):
            flow = _Flow(lo, hi)
            for j, k, m in zip(tails.tolist(), heads.tolist(), steps.tolist(), strict=True):
                flow.connect(j, k, m)
            return flow.solve(deadline)
    return None


class _Flow:
    """The LP: per trip and grid point a served, a ready and a leaving node."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray) -> None:
        self.lo, self.hi = lo.tolist(), hi.tolist()
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.rows: dict[tuple[str, int, int], pywraplp.Constraint] = {}
        objective = self.lp.Objective()
        for k in range(len(self.lo)):
            served_once = self.lp.Constraint(1, 1)
            for u in range(self.lo[k], self.hi[k] + 1):
                served = self._node("served", k, u)
                start = self._arc(None, served)  # a bus starts at this copy
                objective.SetCoefficient(start, 1)
                served_once.SetCoefficient(start, 1)
                served_once.SetCoefficient(self._arc(self._node("ready", k, u), served), 1)
                self._arc(served, None)  # a bus ends here
                self._arc(served, self._node("leave", k, u))
                if u < self.hi[k]:
                    self._arc(self._node("ready", k, u), self._node("ready", k, u + 1))
                    self._arc(self._node("leave", k, u), self._node("leave", k, u + 1))
        objective.SetMinimization()

    def connect(self, j: int, k: int, m: int) -> None:
        """Arcs from trip j's leaving nodes to k's ready ones, `m` grid points on: one from the
        last point arriving before k's window, one per point arriving within it."""
        first, last = self.lo[k], self.hi[k]
        points = range(self.lo[j], self.hi[j] + 1)
        before = [u for u in points if u + m <= first][-1:]
        for u in before + [u for u in points if first < u + m <= last]:
            self._arc(self._node("leave", j, u), self._node("ready", k, max(first, u + m)))

    def solve(self, deadline: float) -> int | None:
        self.lp.SetTimeLimit(max(int((deadline - time.monotonic()) * 1000), 1))
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        return math.ceil(float(self.lp.Objective().Value()) - TOLERANCE)

    def _node(self, kind: str, k: int, u: int) -> pywraplp.Constraint:
        row = self.rows.get((kind, k, u))
        if row is None:
            row = self.rows[kind, k, u] = self.lp.Constraint(0, 0)
        return row

    def _arc(
        self, tail: pywraplp.Constraint | None, head: pywraplp.Constraint | None
    ) -> pywraplp.Variable:
        """Flow out of `tail` into `head` (None: from the source, or into the sink)."""
        v = self.lp.NumVar(0, 1, "")
        if tail is not None:
            tail.SetCoefficient(v, -1)
        if head is not None:
            head.SetCoefficient(v, 1)
        return v
