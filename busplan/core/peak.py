"""The peak relaxation: a lower bound on buses that stays strong when times may move a lot.

On one bus, trip j follows trip i only if j starts at least `travel[i, j] + buffer` after i
ends. Stretch every trip's interval by the least such gap to any trip that could follow it (its
*tail*; to the end of the day when nothing can follow it, and back to the start of the day when
nothing can precede it): the stretched intervals of one bus never overlap, so at every moment
the buses are at least the stretched trips running then, whatever the shifts. CP-SAT chooses
the shifts (and bell moves) that make the busiest moment least busy; its proven bound on that
peak is a proven bound on buses. When every gap is the same (one travel time between any two
trips) the stretched intervals form an interval order, the peak equals the fewest buses, and
the shifts it picks are optimal for the fleet.

The matching bound (`bounds.fleet_lower_bound`) is exact at fixed times but, with windows of
half an hour, nearly every connection becomes possible and it collapses towards one bus; this
bound does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from ortools.linear_solver import pywraplp

from busplan.core.connections import NEVER, Connections, IntArray
from busplan.core.search import Runner


@dataclass(frozen=True)
class PeakPart:
    """The trips of one part of one day, and which move unit (if any) moves each of them."""

    connections: Connections
    units: Sequence[int | None]
    """Per position: the index of its move unit, or None when it has no movable bell."""
    day_set: int = 0
    tail: IntArray | None = None
    """Tails to use instead of the proven ones when choosing moves (not when bounding), e.g.
    each trip's gap to its successor in a known plan: closer to the real drives."""


@dataclass(frozen=True)
class PeakResult:
    buses: int | None
    """The least peak found: buses the relaxation needs with the chosen moves and shifts (from
    the MIP, or from rounding the LP relaxation when that is better or the MIP found nothing)."""
    bound: int
    """Proven: no plan with at most the allowed moves needs fewer buses (on the busiest day);
    0 when the moves were being chosen rather than bounded (`relax` False)."""
    amounts: tuple[int, ...]
    """Chosen move per unit, seconds."""
    shifts: tuple[IntArray, ...]
    """Chosen own shift of every trip, per part (unit move excluded)."""


def stretch(c: Connections, earliest: IntArray, latest: IntArray) -> tuple[IntArray, IntArray]:
    """Seconds to add before each trip's start (head) and after its end (tail), for the widest
    shift windows `earliest..latest`; see the module docstring for why this is valid."""
    possible = (c.slack + latest[None, :] - earliest[:, None] >= 0) & (c.slack > NEVER)
    gap = c.base_start[None, :] - c.base_end[:, None] - c.slack
    lo = int((c.base_start + earliest).min())
    hi = int((c.base_end + latest).max())
    big = np.iinfo(np.int64).max
    least = np.where(possible, gap, big).min(axis=1, initial=big)
    tail = np.where(least < big, least, hi - (c.base_end + earliest))
    no_predecessor = ~possible.any(axis=0)
    head = np.where(no_predecessor, c.base_start + latest - lo, 0)
    return head.astype(np.int64), np.maximum(tail, 0).astype(np.int64)


MINUTE = 60
PRIMAL_FIRST = "lp/initalgorithm = p\n"
"""The root LP by primal simplex: measured on 200 trips with +-30 min windows, 22 s to the
proven optimum against 45 s with SCIP's default (dual) and 32 s with the barrier."""
WIDE_WINDOW_S = 20 * 60
"""Shift windows at least this wide (latest - earliest) on half the trips make a part "wide":
there the peak relaxation runs (the default windows, 10 and 15 minutes, are narrow)."""


def wide_windows(c: Connections) -> bool:
    return bool(len(c) > 1 and np.median(c.latest - c.earliest) >= WIDE_WINDOW_S)


def peak_bound(
    parts: Sequence[PeakPart],
    amounts: Sequence[int],
    n_units: int,
    max_moves: int | None,
    run: Runner,
    relax: bool = True,
) -> PeakResult | None:
    """Fewest buses on the busiest day set by the peak relaxation, with each unit moved by one
    of `amounts` (seconds) and at most `max_moves` units moved (None: no limit).

    Solved as a time-indexed MIP: one binary per trip and shift (whole minutes), one per unit
    and move, and per minute of the day at most `cap` stretched trips of a part running. A
    schedule with any shifts in seconds rounds down to the minute grid without any two
    stretched intervals starting to overlap (when the data are whole minutes), so the MIP's
    optimum and bound are valid for the exact problem; with data in odd seconds each interval
    counts only the minutes it surely covers.

    A trip with a movable bell is placed by its unit alone. With `relax` it counts only the
    minutes it covers at every shift of its own window, so the result is a bound; without, it
    sits at its official time plus the move (a restriction: the moves it picks are a plan's
    choice, not a bound). Returns None when no solution was found in time.
    """
    check = run.reporter.check  # building the model takes seconds at 600+ trips: stay cancellable
    lp = _PeakModel("GLOP", parts, amounts, n_units, max_moves, relax, check)
    rounded = None
    if relax and run.share(LP_SHARE).lp(lp.solver) == pywraplp.Solver.OPTIMAL:
        bound = int(np.ceil(lp.objective.Value() - 1e-6))
        shifts, peak = lp.rounded_shifts()
        rounded = PeakResult(peak, bound, lp.read(bound).amounts, shifts)
    mip = _PeakModel("SCIP", parts, amounts, n_units, max_moves, relax, check)
    status = run.share(1.0 if relax else FLEET_FIRST).mip(mip.solver, PRIMAL_FIRST)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return rounded
    lp_bound = rounded.bound if rounded else 0
    if rounded and rounded.buses is not None and rounded.buses < mip.fleet.solution_value():
        return replace(rounded, bound=max(lp_bound, int(np.ceil(mip.objective.BestBound() - 1e-6))))
    if status == pywraplp.Solver.OPTIMAL:
        bound = mip.fleet.solution_value()
    else:
        bound = mip.objective.BestBound()
    result = mip.read(max(int(np.ceil(bound - 1e-6)), lp_bound))
    if relax:
        return result
    # Choosing: at that peak, the other days' peaks and the fewest steps moved; the first
    # answer stands if this one is not found in time.
    mip.solver.Add(mip.fleet <= result.buses)
    mip.prefer_small_moves(amounts)
    status = run.mip(mip.solver, PRIMAL_FIRST)
    if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        result = mip.read(0)
    return replace(result, bound=0)


class _PeakModel:
    """The time-indexed model in one solver: GLOP for its LP relaxation (a bound in seconds
    even where the MIP runs out of time), SCIP for the MIP."""

    def __init__(
        self,
        solver_name: str,
        parts: Sequence[PeakPart],
        amounts: Sequence[int],
        n_units: int,
        max_moves: int | None,
        relax: bool,
        check: Callable[[], None] = lambda: None,
    ) -> None:
        solver = pywraplp.Solver.CreateSolver(solver_name)
        if solver is None:
            raise RuntimeError(f"the {solver_name} solver of OR-Tools is not available")
        self.solver = solver
        infinity = solver.infinity()
        values = sorted(set(amounts) | {0})
        self.pick = [{a: solver.BoolVar("") for a in values} for _ in range(n_units)]
        for choice in self.pick:
            one = solver.Constraint(1, 1)
            for var in choice.values():
                one.SetCoefficient(var, 1)
        if max_moves is not None and n_units:
            limit = solver.Constraint(n_units - max_moves, infinity)  # units left unmoved
            for choice in self.pick:
                limit.SetCoefficient(choice[0], 1)
        self.fleet = solver.IntVar(0, infinity, "fleet")
        self.day_caps: dict[int, list[pywraplp.Variable]] = {}
        self.parts = parts
        self.placements = []
        self.spans: dict[pywraplp.Variable, tuple[int, int]] = {}
        """Each placement's minutes [first, stop)."""
        for part in parts:
            cap = solver.IntVar(0, len(part.connections), "")
            self.day_caps.setdefault(part.day_set, []).append(cap)
            self.placements.append(
                _place_trips(solver, part, values, self.pick, cap, relax, self.spans, check)
            )
        for caps in self.day_caps.values():
            total = solver.Constraint(0, infinity)
            total.SetCoefficient(self.fleet, 1)
            for cap in caps:
                total.SetCoefficient(cap, -1)
        self.objective = solver.Objective()
        self.objective.SetCoefficient(self.fleet, 1)
        self.objective.SetMinimization()

    def read(self, bound: int) -> PeakResult:
        """The solution, each trip and unit at its option of largest value (the chosen one in
        a MIP solution; a rounding of the LP relaxation's)."""
        chosen = tuple(
            max(choice, key=lambda a: choice[a].solution_value()) for choice in self.pick
        )
        shifts = []
        for part, trips in zip(self.parts, self.placements, strict=True):
            own = np.zeros(len(part.connections), np.int64)
            for k, options in enumerate(trips):
                if options:
                    own[k] = max(options, key=lambda o: o[1].solution_value())[0]
            shifts.append(own)
        return PeakResult(round(self.fleet.solution_value()), bound, chosen, tuple(shifts))

    def rounded_shifts(self) -> tuple[tuple[IntArray, ...], int]:
        """The LP relaxation's solution rounded greedily: trips in the order of their expected
        start, each at the shift that keeps the busiest minute of its stretch lowest (nearest
        its expected shift on ties). Trips placed by a unit keep shift 0. Also returns the
        busiest day's peak with those shifts (units' trips left out)."""
        out = []
        peaks: dict[int, int] = {}
        for part, trips in zip(self.parts, self.placements, strict=True):
            minutes = [self.spans[v] for options in trips for _, v in options if v in self.spans]
            lo = min((f for f, _ in minutes), default=0)
            load = np.zeros(max((st for _, st in minutes), default=lo) - lo + 1, np.int64)
            expected = [sum(t * v.solution_value() for t, v in options) for options in trips]
            own = np.zeros(len(trips), np.int64)
            for k in sorted(range(len(trips)), key=lambda k: (expected[k], k)):
                best, best_key = None, None
                for shift, var in trips[k]:
                    first, stop = self.spans.get(var, (lo, lo))
                    key = (
                        int(load[first - lo : stop - lo].max(initial=0)),
                        abs(shift - expected[k]),
                    )
                    if best_key is None or key < best_key:
                        best, best_key = (shift, first, stop), key
                if best is not None:
                    own[k] = best[0]
                    load[best[1] - lo : best[2] - lo] += 1
            out.append(own)
            peaks[part.day_set] = peaks.get(part.day_set, 0) + int(load.max(initial=0))
        return tuple(out), max(peaks.values(), default=0)

    def prefer_small_moves(self, amounts: Sequence[int]) -> None:
        """The peaks of all days first, then the fewest steps moved (a weight that keeps the
        order strict), so that no bell moves further than it helps."""
        objective = self.objective
        objective.Clear()
        objective.SetMinimization()
        step = min((abs(a) for a in amounts if a), default=1)
        steps = {a: abs(a) // step for a in set(amounts) | {0}}
        most_steps = sum(max(steps.values()) for _ in self.pick) + 1
        for caps in self.day_caps.values():
            for cap in caps:
                objective.SetCoefficient(cap, most_steps)
        for choice in self.pick:
            for a, var in choice.items():
                objective.SetCoefficient(var, steps[a])


LP_SHARE = 0.3
"""Of a bound's time, the most the LP relaxation may take (it usually needs a few seconds)."""
FLEET_FIRST = 0.8
"""When choosing moves, the share of the time for the busiest day's peak alone."""


def _place_trips(
    solver: pywraplp.Solver,
    part: PeakPart,
    values: list[int],
    pick: list[dict[int, pywraplp.Variable]],
    cap: pywraplp.Variable,
    relax: bool,
    spans: dict[pywraplp.Variable, tuple[int, int]],
    check: Callable[[], None],
) -> list[list[tuple[int, pywraplp.Variable]]]:
    """One binary per trip and own shift (whole minutes) for trips without a movable bell;
    trips with one are placed by their unit's move: at their official time plus the move, or,
    when `relax`, counting only the minutes they cover at every own shift. The part's load,
    minute by minute, stays under `cap`. Returns the options of each trip (none for trips
    placed by their unit)."""
    c = part.connections
    movable = np.array([u is not None for u in part.units], np.bool_)
    low, high = values[0], values[-1]
    head, tail = stretch(
        c, c.earliest + np.where(movable, low, 0), c.latest + np.where(movable, high, 0)
    )
    if part.tail is not None and not relax:
        tail = part.tail
    data = [c.base_start, c.base_end, head, tail, c.earliest, c.latest, np.array(values)]
    exact = all(not (np.asarray(a) % MINUTE).any() for a in data)
    late = 0 if exact else MINUTE - 1
    covers: list[tuple[pywraplp.Variable, int, int]] = []
    """Placements and the minutes [first, stop) their stretched interval surely covers."""

    def cover(var: pywraplp.Variable, start: int, end: int) -> None:
        first, stop = -(-(start + late) // MINUTE), end // MINUTE
        if first < stop:
            covers.append((var, first, stop))
            spans[var] = (first, stop)

    trips = []
    for k, unit in enumerate(part.units):
        start, end = int(c.base_start[k] - head[k]), int(c.base_end[k] + tail[k])
        options = []
        if unit is None:
            placed = solver.Constraint(1, 1)
            for shift in range(int(c.earliest[k]), int(c.latest[k]) + 1, MINUTE):
                var = solver.BoolVar("")
                placed.SetCoefficient(var, 1)
                options.append((shift, var))
                cover(var, start + shift, end + shift)
        else:
            # relaxed: from its latest start to its earliest end, the minutes surely covered
            first, last = (int(c.latest[k]), int(c.earliest[k])) if relax else (0, 0)
            for amount, var in pick[unit].items():
                cover(var, start + amount + first, end + amount + last)
        trips.append(options)
    check()
    _limit_load(solver, covers, cap, check)
    return trips


ROWS_LIMIT = 1_500_000
"""Up to this many (placement, minute) pairs the load gets one row per minute; beyond, a
running sum. Measured: one row per minute solves the root LP far faster (200 trips with
+-30 min: 12 s to the optimum against 22-45 s), but at 900 trips (2.2 million pairs) its root LP
did not end in 120 s, while the running sum, some forty times smaller, reached 60 buses against
a bound of 56."""


Item = TypeVar("Item")


def _checked(items: Iterable[Item], check: Callable[[], None], every: int) -> Iterator[Item]:
    """`items`, calling `check` (which raises when the solve is cancelled) every `every`."""
    for n, item in enumerate(items):
        if n % every == 0:
            check()
        yield item


def _limit_load(
    solver: pywraplp.Solver,
    covers: list[tuple[pywraplp.Variable, int, int]],
    cap: pywraplp.Variable,
    check: Callable[[], None],
) -> None:
    """At every minute, the placements covering it sum to at most `cap`."""
    pairs = sum(stop - first for _, first, stop in covers)
    if pairs <= ROWS_LIMIT:
        rows: dict[int, dict[pywraplp.Variable, int]] = {}
        for var, first, stop in _checked(covers, check, 2000):
            for minute in range(first, stop):
                row = rows.setdefault(minute, {})
                row[var] = row.get(var, 0) + 1
        for row in _checked(rows.values(), check, 100):
            under = solver.Constraint(-solver.infinity(), 0)
            under.SetCoefficient(cap, -1)
            for var, count in row.items():
                under.SetCoefficient(var, count)
        return
    changes: dict[int, dict[pywraplp.Variable, int]] = {}
    for var, first, stop in covers:
        for minute, sign in ((first, 1), (stop, -1)):
            change = changes.setdefault(minute, {})
            change[var] = change.get(var, 0) + sign
    previous = None
    for minute in sorted(changes):
        load = solver.NumVar(0, solver.infinity(), "")
        row = solver.Constraint(0, 0)
        row.SetCoefficient(load, 1)
        if previous is not None:
            row.SetCoefficient(previous, -1)
        for var, sign in changes[minute].items():
            if sign:
                row.SetCoefficient(var, -sign)
        under = solver.Constraint(-solver.infinity(), 0)
        under.SetCoefficient(load, 1)
        under.SetCoefficient(cap, -1)
        previous = load
