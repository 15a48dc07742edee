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

At region scale a part's exact flow is too large whole (2,750 trips, 2.3 million possible
connections, several times `MAX_ARCS`). The rounding then works block by block of the day
(`_blocks`: morning, afternoon), skips a block whose official times already need no more
buses than the bound, and keeps a block's candidate connections only (`_candidates`) where
its flow does not fit. On Monday of `gen.py --trips 10000 --radius 60` the parts of 1794,
2752 and 2756 trips round to 435, 646 and 637 buses (bounds 435, 645, 637) in 1-5 s, where
the fleet search had stopped 11 buses above the day's bound.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from ortools.linear_solver import pywraplp

from busplan.core.bounds import max_matching
from busplan.core.connections import BoolArray, Connections, IntArray
from busplan.core.flow import nearest_arcs

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
TIGHTEST = 10
LINKS = 5
"""Connections kept per trip and way where the exact flow does not fit (`_candidates`). On
whole 2750-trip parts, 25 and 10 saved at most one bus over these, with LPs up to twice as
long; by blocks of the day, these reach the bound or one bus above it in seconds."""
ROUNDINGS = 100
"""Random roundings of the exact flow's LP tried besides the most-served copy (each one
maximum matching: a second or two in all at 200 trips)."""
BLOCK_GAP_S = 3600
"""Time between consecutive trips' starts, beyond the widest window, that splits the day
into blocks (`_blocks`)."""
CHECK_EVERY_S = 0.1
"""How often a running LP asks whether the solve was cancelled."""
Check = Callable[[], None] | None
"""Raises to stop the flows (the reporter's cancellation check), or None."""
TOLERANCE = 1e-4
"""Below the LP optimum by this much before rounding up, for the solver's tolerances."""


def time_indexed_bound(
    c: Connections, deadline: float, grids: Sequence[int] = GRIDS_S, check: Check = None
) -> int | None:
    """The best bound of the relaxed flows solved to optimality by the deadline (the value of
    a stopped LP bounds nothing), or None when there is none."""
    if len(c) == 0:
        return 0
    best = None
    for flow in _flows(c, deadline, grids, exact=False):
        if not flow.solve(deadline, check):
            break
        best = max(best or 0, math.ceil(flow.value() - TOLERANCE))
    return best


def time_indexed_shifts(
    c: Connections,
    deadline: float,
    seed: int,
    grids: Sequence[int] = GRIDS_S,
    goal: int = 0,
    check: Check = None,
) -> IntArray | None:
    """Shifts for a first plan, rounded from the LPs of the *exact* flows solved by the
    deadline (module docstring), or None when there is none. Each block of the day
    (`_blocks`) is rounded apart, within a share of the time by its trips. A block whose
    official times (clipped to the windows) already need no more than `goal` buses, a proven
    bound for the whole, keeps them, and so does one whose flow does not fit the time. On
    the parts of a 10,000-trip day, whose flows are far too large whole, the morning's flow
    solves in a second and needs the bound's buses, and the afternoon needs no flow at all."""
    shifts: IntArray = np.clip(0, c.earliest, c.latest).astype(np.int64)
    blocks = [(trips, c.subset(trips.tolist())) for trips in _blocks(c)]
    todo = [
        (trips, b) for trips, b in blocks if len(b) - max_matching(b.feasible(shifts[trips])) > goal
    ]
    left = sum(len(trips) for trips, _ in todo)
    rounded_any = False
    for trips, block in todo:
        now = time.monotonic()
        until = now + max(deadline - now, 0.0) * len(trips) / left
        left -= len(trips)
        rounded = _rounded(block, until, seed, grids, goal, check)
        if rounded is not None:
            shifts[trips] = rounded
            rounded_any = True
    return shifts if rounded_any or not todo else None


def _rounded(
    c: Connections, deadline: float, seed: int, grids: Sequence[int], goal: int, check: Check
) -> IntArray | None:
    """From each exact flow solved by the deadline, the copy each trip is served at most, then
    `ROUNDINGS` draws of a copy per trip weighted by the LP while time is left; the shifts
    whose connections need the fewest buses win (the first of equals). Shifts needing `goal`
    buses end the search: no rounding can need fewer."""
    rng = np.random.default_rng(seed)
    best, fewest = None, len(c) + 1
    for flow in _flows(c, deadline, grids, exact=True, seed=seed):
        if not flow.solve(deadline, check):
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
            if check is not None:
                check()
            shifts = (np.asarray(flow.lo, np.int64) + copies) * flow.grid
            buses = len(c) - max_matching(c.feasible(shifts))
            if buses < fewest:
                best, fewest = shifts, buses
            if fewest <= goal:
                return best
    return best


def _blocks(c: Connections) -> list[IntArray]:
    """The trips in blocks of the day (a school day's morning and afternoon): in order of
    their official starts, cut wherever the next start is `BLOCK_GAP_S` later, plus the
    widest window, so that shifts can bring no two trips of different blocks within that
    gap. A connection across it hardly ever depends on the shifts, so the blocks' flows
    are solved apart; the rounding is judged on the whole anyway."""
    order = np.argsort(c.base_start, kind="stable")
    gap = BLOCK_GAP_S + int((c.latest - c.earliest).max(initial=0))
    cuts = np.nonzero(np.diff(c.base_start[order]) >= gap)[0] + 1
    return [np.sort(block) for block in np.split(order, cuts)]


def _flows(
    c: Connections, deadline: float, grids: Sequence[int], exact: bool, seed: int = 0
) -> Iterator[_Flow]:
    """The flows on `grids` in order while their connection arcs fit `MAX_ARCS` and the time
    left. The exact flow skips a grid on which some window holds no grid point; where it does
    not fit with every connection, it keeps the candidate ones (`_candidates`)."""
    tails, heads = np.nonzero(c.optimistic())
    pruned = not exact  # the relaxed flow bounds only with every connection
    for grid in grids:
        if exact:  # copies at the grid points inside the window
            lo, hi = -(-c.earliest // grid), c.latest // grid
            if (lo > hi).any():
                continue
        else:  # copies at the grid points the window's shifts round down to
            lo, hi = c.earliest // grid, c.latest // grid
        limit = min(MAX_ARCS, ARCS_PER_SECOND * (deadline - time.monotonic()))
        steps, arcs = _arcs(c, tails, heads, lo, hi, grid, exact)
        if arcs > limit and not pruned:
            tails, heads = np.nonzero(_candidates(c, seed))
            pruned = True
            steps, arcs = _arcs(c, tails, heads, lo, hi, grid, exact)
        if arcs > limit:
            return
        flow = _Flow(lo, hi, grid)
        for j, k, m in zip(tails.tolist(), heads.tolist(), steps.tolist(), strict=True):
            flow.connect(j, k, m)
        yield flow


def _arcs(
    c: Connections,
    tails: IntArray,
    heads: IntArray,
    lo: IntArray,
    hi: IntArray,
    grid: int,
    exact: bool,
) -> tuple[IntArray, int]:
    """Each connection's `m` (module docstring), and the connection arcs of the flow."""
    slack = np.asarray(c.slack, np.int64)[tails, heads]
    offset = 0 if exact else grid - 1
    steps = -((offset + slack) // grid)  # m = ceil((-offset - slack) / G)
    early = lo[tails] + steps <= lo[heads]  # some grid point arrives before k's window
    later = np.minimum(hi[tails], hi[heads] - steps) - np.maximum(lo[tails], lo[heads] - steps + 1)
    return steps, int(early.sum() + np.clip(later + 1, 0, None).sum())


def _candidates(c: Connections, seed: int) -> BoolArray:
    """The connections a large exact flow keeps: per trip, the `TIGHTEST` tightest each way
    (the ones shifts make or break) and `LINKS` random ones each way of those no shift breaks
    (the ones that carry buses from one peak to the next: the tightest of them would all
    point at the same few trips). Measured on whole parts of a 10,000-trip day, with 25
    tightest and 10 random: the rounding of an 824-trip part needs its bound's buses with
    15 % of its connections, as with all of them, in less than half the time; with the
    tightest alone (25, or even 100, each way) the LP needed 24-41 buses more and its
    rounding 3-5 more."""
    rng = np.random.default_rng(seed)
    keep = nearest_arcs(c.optimistic(), c.slack, TIGHTEST)
    n = len(c)
    noise = rng.integers(0, np.iinfo(np.int32).max, (n, n), dtype=np.int32)
    keep |= nearest_arcs(c.pessimistic(), noise, LINKS)
    return keep


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

    def solve(self, deadline: float, check: Check = None) -> bool:
        """Whether the LP was solved to optimality by the deadline. With `check`, GLOP runs in
        a thread (it releases the interpreter) and `check` is called every `CHECK_EVERY_S`;
        when it raises (a cancelled job), the LP is interrupted and the exception goes on."""
        self.lp.SetTimeLimit(max(int((deadline - time.monotonic()) * 1000), 1))
        if check is None:
            return bool(self.lp.Solve() == pywraplp.Solver.OPTIMAL)
        status: list[int] = []
        worker = threading.Thread(target=lambda: status.append(self.lp.Solve()), daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(CHECK_EVERY_S)
                check()
        except BaseException:
            self.lp.InterruptSolve()
            worker.join()
            raise
        return bool(status and status[0] == pywraplp.Solver.OPTIMAL)

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
