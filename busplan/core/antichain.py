"""A bound on buses with at most K bells moved, from trips that no bus can run two of.

Two trips can share a bus only if a chain of possible connections (optimistic: some shifts
within their windows) leads from one to the other. Trips of which no two are linked that way
(an antichain) need a bus each. Moving a bell frees only its own trips: every other trip keeps
its time, its window and so its connections. So with at most K move units moved, the trips of
an antichain outside the K units holding most of them still need a bus each, and

    |A| - (the K largest counts of A's trips in one unit)

is a proven lower bound on buses, for any antichain A. CP-SAT picks the antichain that makes it
largest (the largest K counts written as K * theta + sum(max(0, count - theta)), their LP dual);
any antichain it returns gives a valid bound, optimal or not. At K = 0 the widest antichain is
found exactly by Dilworth's theorem (a maximum matching on the reachability order); where
connections are transitive (fixed times, drives that obey the triangle inequality) it equals
the matching bound (`bounds.fleet_lower_bound`).

With bells that may move half an hour, the peak relaxation (`peak`) gives the stronger bound at
large K; with few moves this one is far stronger (on 230 generated trips, K = 1: 65 buses
against the peak's 45, where the plan needs 70), so the bells curve takes the larger.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from busplan.core.connections import NEVER, BoolArray, Connections, bool_array
from busplan.core.flow import matching_arcs
from busplan.core.peak import PeakPart
from busplan.core.search import Runner


def reachable(possible: BoolArray) -> BoolArray:
    """`[i, j]`: a chain of possible connections leads from trip i to trip j."""
    reach = np.asarray(possible, np.bool_)
    while True:
        step = reach.astype(np.float32)
        longer = reach | ((step @ step) > 0)
        if np.array_equal(longer, reach):
            return reach
        reach = longer


def widest_antichain(reach: BoolArray) -> list[int]:
    """A largest set of trips no two of which are linked by `reach`.

    Trips on a cycle of connections (windows wider than the trips) are linked both ways, so at
    most one of each such group can be chosen: the groups are merged first. On the order that
    remains, Dilworth and Koenig give the answer from a maximum matching: the trips whose end
    an alternating path reaches from an unmatched end, while it does not reach their start."""
    n = len(reach)
    both = reach & reach.T
    first = np.where(both.any(axis=1), np.argmax(both, axis=1), np.arange(n))
    groups = np.nonzero(first == np.arange(n))[0]
    order = reach[np.ix_(groups, groups)] & ~np.eye(len(groups), dtype=np.bool_)
    return [int(groups[k]) for k in _koenig(order)]


def _koenig(order: BoolArray) -> list[int]:
    n = len(order)
    tails, heads = matching_arcs(order)
    mate_of_start = np.full(n, -1)
    mate_of_start[heads] = tails
    ends = np.ones(n, np.bool_)  # ends reached by alternating paths: unmatched ones first
    ends[tails] = False
    starts = np.zeros(n, np.bool_)
    frontier = np.nonzero(ends)[0]
    while len(frontier):
        new_starts = order[frontier].any(axis=0) & ~starts
        starts |= new_starts
        mates = mate_of_start[np.nonzero(new_starts)[0]]
        mates = mates[(mates >= 0) & ~ends[np.maximum(mates, 0)]]
        ends[mates] = True
        frontier = mates
    return [int(k) for k in np.nonzero(ends & ~starts)[0]]


def linked(c: Connections, movable: BoolArray, buffer_s: int) -> BoolArray:
    """Pairs a bus may run one after the other, directly (an optimistic connection) or with
    trips of moved bells between them. A moved trip may run at any time, so only the drives
    through it, its length and the buffers count: shortest through any sequence of movable
    trips (Floyd-Warshall over them). Where the drives obey the triangle inequality this adds
    nothing; where they do not, leaving it out would make the bound wrong."""
    big = np.int64(2**40)
    drive = np.where(c.slack > NEVER, c.travel.astype(np.int64), big)
    length = c.base_end - c.base_start
    for k in np.nonzero(movable)[0]:
        through = drive[:, k, None] + (length[k] + buffer_s) + drive[None, k, :]
        np.minimum(drive, through, out=drive)
    slack = c.base_start[None, :] - c.base_end[:, None] - drive - buffer_s
    return bool_array((slack >= c.earliest[:, None] - c.latest[None, :]) & (drive < big))


class AntichainBound:
    """The bound of the module docstring for a bells curve: built once (the links through
    movable trips take a cubic pass), then asked for each K."""

    def __init__(self, parts: Sequence[PeakPart], buffer_s: int) -> None:
        day_sets = sorted({p.day_set for p in parts})
        self.days = [_Day([p for p in parts if p.day_set == d], buffer_s) for d in day_sets]

    def __call__(self, max_moves: int, run: Runner) -> int:
        """Fewest buses any plan with at most `max_moves` move units moved needs on the
        busiest day; 0 without parts.

        Days go from the most promising (widest antichain less its K busiest units) down, and
        each later day is searched only for a better bound, which CP-SAT often refutes at
        once."""
        days = sorted(self.days, key=lambda day: -day.start(max_moves))
        best = max((day.start(max_moves) for day in days), default=0)
        if max_moves == 0:
            return best
        for n, day in enumerate(days):
            best = day.improve(max_moves, best, run.share(1 / (len(days) - n)))
        return best


class _Day:
    def __init__(self, parts: Sequence[PeakPart], buffer_s: int) -> None:
        self.parts = parts
        self.reaches = [
            reachable(linked(p.connections, np.array([u is not None for u in p.units]), buffer_s))
            for p in parts
        ]
        self.widest = [set(widest_antichain(r)) for r in self.reaches]

    def start(self, max_moves: int) -> int:
        return _value(self.widest, self.parts, max_moves)

    def improve(self, max_moves: int, best: int, run: Runner) -> int:
        """The best bound of this day if above `best`, else `best`."""
        model = cp_model.CpModel()
        chosen: list[list[cp_model.IntVar]] = []
        per_unit: dict[int, list[cp_model.IntVar]] = {}
        for part, reach, hint in zip(self.parts, self.reaches, self.widest, strict=True):
            x = [model.new_bool_var(f"a{k}") for k in range(len(reach))]
            for i, j in zip(*np.nonzero(np.triu(reach | reach.T, 1)), strict=True):
                model.add_bool_or([x[i].Not(), x[j].Not()])
            for k, var in enumerate(x):
                model.add_hint(var, k in hint)
                unit = part.units[k]
                if unit is not None:
                    per_unit.setdefault(unit, []).append(var)
            chosen.append(x)
        trips = [v for x in chosen for v in x]
        theta = model.new_int_var(0, len(trips), "theta")
        over = []
        for members in per_unit.values():
            excess = model.new_int_var(0, len(members), "")
            model.add(excess >= sum(members) - theta)
            over.append(excess)
        value = sum(trips) - max_moves * theta - sum(over)
        model.add(value >= best + 1)
        model.maximize(value)
        solved = run(model)
        if solved.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return best
        found = [{k for k, v in enumerate(x) if solved.boolean_value(v)} for x in chosen]
        return max(best, _value(found, self.parts, max_moves))


def _value(antichains: Sequence[set[int]], parts: Sequence[PeakPart], max_moves: int) -> int:
    """|A| less the trips of A in the `max_moves` units holding most of them."""
    counts: dict[int, int] = {}
    for chosen, part in zip(antichains, parts, strict=True):
        for k in chosen:
            unit = part.units[k]
            if unit is not None:
                counts[unit] = counts.get(unit, 0) + 1
    freed = sum(sorted(counts.values(), reverse=True)[:max_moves])
    return sum(len(a) for a in antichains) - freed
