"""Exchanges between two buses of a day that keep more of the week's trips on their usual bus.

The week planner gives each day's chains the bus ids they share the most trips with, one set of
days at a time, and the depot stage then re-chains each day for deadhead. What is left are trips
that ride bus B07 on four days and B12 on the fifth. For each such trip, on the day it strays,
this pass tries:

- to exchange a stretch of its bus's trips (the stretch holding it) with the stretch of its
  usual bus's trips at the same hours (the tails from some hour on, or the middles);
- where both buses are the same vehicle at the same depot, to swap their ids, or to give its bus
  the usual id where that id does not run that day.

A move is kept only where both buses keep every rule (`feasibility.check_bus`: connections,
depot, vehicle, operators, duty) and the week's stability rises; of the moves found for one
trip, the one that raises it most, then with the least deadhead. Buses per day, each bus id's
vehicle and depot, and the trips left out stay as they are, and so do the day's fleet counts.
Stability comes before deadhead, as the objectives rank them.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from busplan.core.feasibility import Rules, check_bus
from busplan.core.solution import Bus, DayPlan, PlannedTrip
from busplan.core.travel import UNREACHABLE

STRETCH = 5
"""Longest stretch of trips moved from one bus to the other in one exchange."""
ROUNDS = 4
"""Passes over the week; each pass starts from the stray trips the last one left."""
CHECKS = 12
"""Full rule checks tried per stray trip, best candidates first."""

Change = tuple[str, str, str, int]
"""A trip id, the bus id it leaves, the bus id it joins, and on how many days."""


@dataclass
class _Day:
    """A day's buses, standing for every day with the same plan (`weight` days)."""

    name: str
    weight: int
    buses: list[Bus]


@dataclass(frozen=True)
class _Move:
    gain: int
    deadhead_s: int
    old: tuple[str, ...]
    """The ids of the buses replaced, before the move."""
    buses: tuple[Bus, ...]
    """The buses that replace them, in the same order."""
    changes: tuple[Change, ...]
    checked: bool = False
    """Whether the new buses are known to keep every rule (a relabelled bus is the same bus)."""


class StableSwaps:
    """The week's buses, with how often each trip rides each bus id."""

    def __init__(self, rules: Rules, plans: dict[str, DayPlan]) -> None:
        self.rules = rules
        self.plans = plans
        weights = Counter(plan.same_as or day for day, plan in plans.items())
        self.days = [_Day(d, w, list(plans[d].buses)) for d, w in weights.items()]
        self.where: dict[str, Counter[str]] = {}
        self.home: dict[str, tuple[str, str]] = {}
        for day in self.days:
            for bus in day.buses:
                self.home[bus.id] = (bus.depot, bus.vehicle)
                for p in bus.trips:
                    self.where.setdefault(p.trip_id, Counter())[bus.id] += day.weight

    def run(self, deadline: float) -> dict[str, DayPlan]:
        """The plans with stray trips moved where a move keeps the rules and pays."""
        for _ in range(ROUNDS):
            moved = sum(self._pass(day, deadline) for day in self.days)
            if not moved or time.monotonic() > deadline:
                break
        buses = {
            day.name: tuple(sorted(day.buses, key=lambda b: (b.trips[0].start_s, b.id)))
            for day in self.days
        }  # in the order the week planner gives them: by first trip
        return {d: replace(plan, buses=buses[plan.same_as or d]) for d, plan in self.plans.items()}

    def _pass(self, day: _Day, deadline: float) -> int:
        moved = 0
        for n in range(len(day.buses)):
            for trip_id in [p.trip_id for p in day.buses[n].trips]:
                if time.monotonic() > deadline:
                    return moved
                bus = day.buses[n]
                at = next((i for i, p in enumerate(bus.trips) if p.trip_id == trip_id), None)
                if at is None:  # an earlier move took it to another bus
                    continue
                move = self._best(day, bus, at)
                if move is not None:
                    self._apply(day, move)
                    moved += 1
        return moved

    def _best(self, day: _Day, bus: Bus, at: int) -> _Move | None:
        """The best allowed move that takes the trip `at` of `bus` to a bus id it would then
        ride more often than any other (a tie is broken too: two days on each of two ids)."""
        counts = self.where[bus.trips[at].trip_id]
        top = max(counts.values())
        usual = sorted(
            (b for b in counts if b != bus.id and counts[b] + day.weight > top),
            key=lambda b: (-counts[b], b),
        )
        on_day = {b.id: b for b in day.buses}
        moves: list[_Move] = []
        for target in usual:
            other = on_day.get(target)
            if self.home[target] == self.home[bus.id]:
                moves.append(self._relabel(day, bus, target, other))
            if other is not None:
                moves += self._exchanges(day, bus, other, at)
        moves = sorted((m for m in moves if m.gain > 0), key=lambda m: (-m.gain, m.deadhead_s))
        for move in moves[:CHECKS]:
            if move.checked or not any(check_bus(self.rules, day.name, b) for b in move.buses):
                return move
        return None

    def _relabel(self, day: _Day, bus: Bus, target: str, other: Bus | None) -> _Move:
        """`bus` takes the id `target`, and `other` (running `target` that day) takes its id."""
        changes = [(p.trip_id, bus.id, target, day.weight) for p in bus.trips]
        old, buses = [bus.id], [replace(bus, id=target)]
        if other is not None:
            changes += [(p.trip_id, target, bus.id, day.weight) for p in other.trips]
            old.append(target)
            buses.append(replace(other, id=bus.id))
        return _Move(self._gain(changes), 0, tuple(old), tuple(buses), tuple(changes), True)

    def _exchanges(self, day: _Day, a: Bus, b: Bus, at: int) -> list[_Move]:
        """Every exchange of a stretch of `a` holding its trip `at` with a stretch of `b` (maybe
        empty) that keeps both buses' connections and raises the stability."""
        trips = [*a.trips, *b.trips]
        ks = [self.rules.index[p.trip_id] for p in trips]
        drive = np.asarray(self.rules.travel.matrix(ks, ks), np.int64)
        pos = {p.trip_id: n for n, p in enumerate(trips)}
        buffer = self.rules.problem.settings.buffer_s

        def joins(x: PlannedTrip, y: PlannedTrip) -> bool:
            d = int(drive[pos[x.trip_id], pos[y.trip_id]])
            return d < UNREACHABLE and y.start_s - x.end_s >= d + buffer

        ta, tb = a.trips, b.trips
        before = _deadhead(a) + _deadhead(b)
        out = []
        for i in range(max(0, at - STRETCH + 1), at + 1):
            for j in range(at, min(len(ta), i + STRETCH)):
                stretch = ta[i : j + 1]
                for k in range(len(tb) + 1):
                    if k and not joins(tb[k - 1], stretch[0]):
                        continue
                    for m in range(k, min(len(tb), k + STRETCH) + 1):
                        if m < len(tb) and not joins(stretch[-1], tb[m]):
                            continue
                        back = tb[k:m]
                        kept_a = (*ta[:i], *back, *ta[j + 1 :])
                        if not kept_a or not all(joins(x, y) for x, y in pairwise(kept_a)):
                            continue
                        changes = [(p.trip_id, a.id, b.id, day.weight) for p in stretch]
                        changes += [(p.trip_id, b.id, a.id, day.weight) for p in back]
                        gain = self._gain(changes)
                        if gain <= 0:
                            continue
                        buses = (
                            self.rules.with_trips(a, kept_a),
                            self.rules.with_trips(b, (*tb[:k], *stretch, *tb[m:])),
                        )
                        after = _deadhead(buses[0]) + _deadhead(buses[1])
                        out.append(_Move(gain, after - before, (a.id, b.id), buses, tuple(changes)))
        return out

    def _gain(self, changes: Sequence[Change]) -> int:
        """How many more (trip, day) pairs ride their trip's most frequent bus id after
        `changes`: the exact change in the numerator of the week's stability."""
        after: dict[str, Counter[str]] = {}
        for trip, old, new, weight in changes:
            counts = after.setdefault(trip, Counter(self.where[trip]))
            counts[old] -= weight
            counts[new] += weight
        return sum(max(c.values()) - max(self.where[t].values()) for t, c in after.items())

    def _apply(self, day: _Day, move: _Move) -> None:
        for trip, old, new, weight in move.changes:
            self.where[trip][old] -= weight
            self.where[trip][new] += weight
        slots = {bus.id: n for n, bus in enumerate(day.buses)}
        for old, bus in zip(move.old, move.buses, strict=True):
            day.buses[slots[old]] = bus


def _deadhead(bus: Bus) -> int:
    return sum(p.deadhead_s for p in bus.trips) + bus.pull_out_s + bus.pull_in_s
