"""A lower bound on buses with wide windows, and shifts for a first plan, from time-indexed flows.

Where every trip may move by a quarter or half an hour, the matching bound collapses and the
peak relaxation (`peak`) sees only how long each trip is stretched by its nearest follower.
This flow keeps every connection's own drive. Shifts are put on a grid of `G` seconds; each
trip has one copy per grid point of its window, and a linear program routes buses through the
copies:

- each trip is served once, split over its copies as the LP likes;
- a bus arriving at trip `k` is *ready* at some grid point and may wait to a later one
  (a chain of ready nodes per trip); one leaving trip `j` may leave later (a chain of departure
  nodes per trip), so one arc per grid point that changes the arrival is enough;
- `j` at grid point `u` reaches `k` at `max(lo_k, u + m)`;
- minimise the buses started.

Two flows differ only in the copies and in `m`:

- The *relaxed* flow is a bound. A shift `s` is at `floor(s / G)` and
  `m = ceil((1 - G - slack) / G)` (`slack` as in `connections`): shifts that connect,
  `s_k >= s_j - slack`, give `u_k * G + G - 1 >= s_k >= s_j - slack >= u_j * G - slack`, so
  `u_k >= u_j + m`, and every plan maps to a flow of as many buses. Its optimum, rounded up, is
  a valid bound; only an optimal LP is used (the value of a stopped one bounds nothing).
- The *exact* flow is a plan. Copies are the grid points inside the window, shift `u * G`,
  and `m = ceil(-slack / G)`: exactly the connections those shifts make feasible, so an
  integral flow is a plan. Its LP is rounded to one copy per trip; the plan is then the
  exact min-cost flow at those shifts (`Group.offer`).

Measured on Monday of `gen.py --trips 230 --matrix`, real drives, no seat ranges: the bound
+-15 min, seeds 1 and 2, 32 and 33 (the peak relaxation 25, plans 32-36) at a one-minute grid
in 1-3 s; +-30 min, seed 2, 20 at five minutes in 4 s, 22 at two in 13 s (peak 16). The exact
flow at five minutes, rounded, needs 23/24/19 buses on seeds 1/2/3 at +-30 min in 5-7 s, where
the fleet search had reached 26/30/22 in 60 s. With narrow windows the relaxed flow's bound is
the matching bound again, but the exact flow's rounding still pays where the repair and the
fleet search stop above the bound (an 824-trip part: 143, its bound, where they reached 147).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence

import numpy as np
from ortools.linear_solver import pywraplp

from busplan.core.bounds import max_matching
from busplan.core.connections import Connections, IntArray

GRIDS_S = (600, 300, 120, 60)
"""Grid steps tried, coarsest first: each finer one is solved while its flow fits (`MAX_ARCS`,
`ARCS_PER_SECOND`) and the one before it was solved in time, so a coarse answer is there
however the time runs out."""
MAX_ARCS = 400_000
"""Connection arcs at most (a 150,000-arc flow solves in about 11 s on one core, a 280,000-arc
one in about 16 s)."""
ARCS_PER_SECOND = 10_000
"""Connection arcs per second of the time left at most, so that the LP may end in time
(measured: 5,000-25,000 arcs built and solved per second at 45,000-150,000 arcs)."""
ROUNDINGS = 100
"""Random roundings of the exact flow's LP tried besides the most-served copy (each one
maximum matching: a second or two in all at 200 trips)."""
TOLERANCE = 1e-4
"""Below the LP optimum by this much before rounding up, for the solver's tolerances."""


def time_indexed_bound(
    c: Connections, deadline: float, grids: Sequence[int] = GRIDS_S
) -> int | None:
    """The best bound of the relaxed flows solved to optimality by the deadline (the value of
    a stopped LP bounds nothing), or None when there is none."""
    if len(c) == 0:
        return 0
    best = None
    for flow in _flows(c, deadline, grids, exact=False):
        if not flow.solve(deadline):
            break
        best = max(best or 0, math.ceil(flow.value() - TOLERANCE))
    return best


def time_indexed_shifts(
    c: Connections, deadline: float, seed: int, grids: Sequence[int] = GRIDS_S
) -> IntArray | None:
    """Shifts for a first plan, rounded from the LPs of the *exact* flows solved by the
    deadline (module docstring), or None when there is none. From each, the copy each trip is
    served at most, then `ROUNDINGS` draws of a copy per trip weighted by the LP while time is
    left; the shifts whose connections need the fewest buses win (the first of equals)."""
    if len(c) == 0:
        return np.zeros(0, np.int64)
    rng = np.random.default_rng(seed)
    best, fewest = None, len(c) + 1
    for flow in _flows(c, deadline, grids, exact=True):
        if not flow.solve(deadline):
            break
        served = flow.served()
        cumulative = served.cumsum(axis=1)
        draws = [served.argmax(axis=1)]
        for _ in range(ROUNDINGS):
            picks = rng.random(len(c))[:, None] * cumulative[:, -1:]
            draws.append(np.minimum((cumulative < picks).sum(axis=1), served.shape[1] - 1))
        for n, copies in enumerate(draws):
            if n and time.monotonic() > deadline:
                break
            shifts = (np.asarray(flow.lo, np.int64) + copies) * flow.grid
            buses = len(c) - max_matching(c.feasible(shifts))
            if buses < fewest:
                best, fewest = shifts, buses
    return best


def _flows(c: Connections, deadline: float, grids: Sequence[int], exact: bool) -> Iterator[_Flow]:
    """The flows on `grids` in order while their connection arcs fit `MAX_ARCS` and the time
    left. The exact flow skips a grid on which some window holds no grid point."""
    tails, heads = np.nonzero(c.optimistic())
    slack = np.asarray(c.slack, np.int64)[tails, heads]
    for grid in grids:
        if exact:  # copies at the grid points inside the window
            lo, hi = -(-c.earliest // grid), c.latest // grid
            if (lo > hi).any():
                continue
            steps = -(slack // grid)  # m = ceil(-slack / G)
        else:  # copies at the grid points the window's shifts round down to
            lo, hi = c.earliest // grid, c.latest // grid
            steps = -((grid - 1 + slack) // grid)  # m = ceil((1 - G - slack) / G)
        early = lo[tails] + steps <= lo[heads]  # some grid point arrives before k's window
        later = np.minimum(hi[tails], hi[heads] - steps) - np.maximum(
            lo[tails], lo[heads] - steps + 1
        )
        arcs = int(early.sum() + np.clip(later + 1, 0, None).sum())
        if arcs > min(MAX_ARCS, ARCS_PER_SECOND * (deadline - time.monotonic())):
            return
        flow = _Flow(lo, hi, grid)
        for j, k, m in zip(tails.tolist(), heads.tolist(), steps.tolist(), strict=True):
            flow.connect(j, k, m)
        yield flow


class _Flow:
    """The LP: per trip and grid point a served, a ready and a leaving node."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, grid: int) -> None:
        self.lo, self.hi, self.grid = lo.tolist(), hi.tolist(), grid
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.rows: dict[tuple[str, int, int], pywraplp.Constraint] = {}
        self.arrivals: list[list[tuple[pywraplp.Variable, pywraplp.Variable]]] = []
        """Per trip and copy: the bus started there, and the bus arriving ready."""
        objective = self.lp.Objective()
        for k in range(len(self.lo)):
            served_once = self.lp.Constraint(1, 1)
            self.arrivals.append([])
            for u in range(self.lo[k], self.hi[k] + 1):
                served = self._node("served", k, u)
                start = self._arc(None, served)  # a bus starts at this copy
                ready = self._arc(self._node("ready", k, u), served)
                objective.SetCoefficient(start, 1)
                served_once.SetCoefficient(start, 1)
                served_once.SetCoefficient(ready, 1)
                self.arrivals[k].append((start, ready))
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

    def solve(self, deadline: float) -> bool:
        """Whether the LP was solved to optimality by the deadline."""
        self.lp.SetTimeLimit(max(int((deadline - time.monotonic()) * 1000), 1))
        return bool(self.lp.Solve() == pywraplp.Solver.OPTIMAL)

    def value(self) -> float:
        return float(self.lp.Objective().Value())

    def served(self) -> np.ndarray:
        """How much of each trip the solved LP serves at each copy: a row per trip, a column
        per copy from the trip's first (zeros past its last)."""
        width = max(len(copies) for copies in self.arrivals)
        out = np.zeros((len(self.arrivals), width))
        for k, copies in enumerate(self.arrivals):
            for u, (start, ready) in enumerate(copies):
                out[k, u] = max(start.solution_value() + ready.solution_value(), 0.0)
        return out

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
