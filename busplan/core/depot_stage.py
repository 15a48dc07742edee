"""The depot-aware deadhead stage of the week: one day set and one operator (or contract) at a
time, its buses re-chained with their homes by `busplan.core.depots.rechain`.

With one set of days in the week, bus ids carry nothing from day to day, so each bus may take
any vehicle (fleet entry, or depot) the fleet counts and depot capacities leave. With several,
a bus id keeps one vehicle all week, so today's buses keep today's vehicles: as many buses per
vehicle as today has, each chain then going to the bus id of that vehicle it shares most trips
with. In a stable week the new plan may have no more connections between trips that other days
run on different bus ids, nor trips away from the vehicle of their usual bus id, than the
current one; and a result that still lowers the week's stability is dropped, unless it runs
trips that no vehicle was left for: those (the trips of bus ids the week's vehicle choice left
without a vehicle) may join today's buses, and with one set of days take new buses of the
vehicles still free.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from ortools.graph.python import min_cost_flow

from busplan.core.depots import DayTrips, Homes, Run, Stability, rechain
from busplan.core.rules import depots_for, entry_fits, seat_interval
from busplan.core.solution import PlannedTrip

if TYPE_CHECKING:
    from busplan.core.week import Label, WeekPlanner

Home = tuple[str, int | None, int | None]
EFFORT = 0.5
EFFORT_PER_TRIP = 0.03
"""Deterministic seconds of search per model: a base and a share per trip."""
BUILD_S_PER_TRIP = 0.01
"""Seconds per trip that building a model takes, about: with less time left it is skipped."""


class DepotStage:
    def __init__(
        self, week: WeekPlanner, homes: dict[int, Home], days: list[str], key: tuple[str, str]
    ) -> None:
        self.week, self.homes, self.days, self.key = week, dict(homes), days, key
        self.day = days[0]
        self.ids = [
            n
            for n in sorted(homes)
            if week.labels[n].key == key and self.day in week.labels[n].runs
        ]
        self.stranded = [
            n
            for n, label in enumerate(week.labels)
            if n not in homes and label.key == key and self.day in label.runs
        ]
        """Bus ids of this key running today that got no vehicle."""
        self.options = week._entries()
        self.free = len(week.days) == 1

    def run(self) -> dict[int, Home]:
        """Bus ids' homes after the stage (changed only with a single set of days)."""
        week = self.week
        if not self.ids or not week.problem.depots:
            return self.homes
        runs = [week.labels[n].runs[self.day] for n in self.ids]
        left = [p for n in self.stranded for p in week.labels[n].runs[self.day]]
        trips = [p for run in runs for p in run] + left
        if week.deadline - time.monotonic() < BUILD_S_PER_TRIP * len(trips):
            return self.homes  # no time left even to build the model
        position = {p.trip_id: a for a, p in enumerate(trips)}
        index = [week.index[p.trip_id] for p in trips]
        choices = self._choices()
        option_of = {self.options[o][:3]: o for o in range(len(self.options))}
        run_home = [choices.index(option_of[self.homes[n]]) for n in self.ids]
        day = self._day_trips(trips, index, choices, len(left))
        chains = [[position[p.trip_id] for p in run] for run in runs]
        before = self._stability()
        found = rechain(
            day,
            self._homes(choices),
            chains,
            run_home,
            lambda run, h: self._valid(run, choices[h]),
            EFFORT + EFFORT_PER_TRIP * len(trips),
            week.deadline,
            self._stability_costs(trips, index, choices, day),
            len(self.stranded) if self.free else 0,
            week.problem.settings.duty,
        )
        if found is None:
            return self.homes
        saved = {n: dict(week.labels[n].runs) for n in self.ids + self.stranded}
        homes = dict(self.homes)
        self._place(found, choices)
        ran = {p.trip_id for run, _ in found for p in run}
        runs_left = ran.intersection(p.trip_id for p in left)
        if not self.free and not runs_left and self._stability() < before:
            for n, kept in saved.items():
                week.labels[n].runs = kept
            self.homes = homes
        return self.homes

    def _choices(self) -> list[int]:
        """Option indices today's buses may be based on."""
        if self.free:
            return list(range(len(self.options)))
        option_of = {self.options[o][:3]: o for o in range(len(self.options))}
        return sorted({option_of[self.homes[n]] for n in self.ids})

    def _homes(self, choices: list[int]) -> Homes:
        week, problem = self.week, self.week.problem
        mine = set(self.ids)
        others = [
            self.homes[n]
            for n, label in enumerate(week.labels)
            if n in self.homes and n not in mine and self.day in label.runs
        ]
        limits: list[int | None] = []
        for o in choices:
            vehicle, depot, seats, entry = self.options[o]
            if not self.free:
                limits.append(sum(self.homes[n] == (vehicle, depot, seats) for n in self.ids))
            elif entry is not None:
                limits.append(entry.count - sum(h[0] == entry.id for h in others))
            else:
                limits.append(None)
        room = {
            d: depot.max_buses - sum(h[1] == d for h in others)
            for d, depot in enumerate(problem.depots)
            if depot.max_buses is not None
        }
        return Homes([self.options[o][1] for o in choices], limits, room)

    def _day_trips(
        self, trips: list[PlannedTrip], index: list[int], choices: list[int], left: int
    ) -> DayTrips:
        """`left`: the last trips are the stranded ones, which the new plan may run."""
        week, problem, space = self.week, self.week.problem, self.week.space
        where = [space.position[k] for k in index]
        drive = np.asarray(space.matrix[np.ix_(where, where)], np.int64)
        start = np.array([p.start_s for p in trips])
        end = np.array([p.end_s for p in trips])
        may_follow = start[None, :] - end[:, None] >= drive + problem.settings.buffer_s
        sizes = [seat_interval(problem, problem.trips[k]) for k in index]
        low = np.array([lo for lo, _ in sizes], float)
        high = np.array([hi for _, hi in sizes], float)
        may_follow &= np.maximum(low[:, None], low[None, :]) <= np.minimum(
            high[:, None], high[None, :]
        )
        np.fill_diagonal(may_follow, False)
        allowed = np.zeros((len(trips), len(choices)), np.bool_)
        out = np.zeros((len(choices), len(trips)), np.int64)
        back = np.zeros((len(trips), len(choices)), np.int64)
        for h, o in enumerate(choices):
            _, depot, _, entry = self.options[o]
            for a, k in enumerate(index):
                trip = problem.trips[k]
                allowed[a, h] = (entry is None or entry_fits(entry, [trip])) and (
                    depot is None or depot in depots_for(problem, trip)
                )
            if depot is not None:
                out[h] = week.depots.out_s[depot, index]
                back[:, h] = week.depots.in_s[index, depot]
        optional = None
        if left:
            optional = np.zeros(len(trips), np.bool_)
            optional[len(trips) - left :] = True
        return DayTrips(trips, drive, may_follow, allowed, out, back, optional)

    def _valid(self, run: Run, option: int) -> bool:
        """One vehicle size fits the whole chain and it keeps the duty limits from the depot."""
        problem = self.week.problem
        sizes = [seat_interval(problem, t) for t in self.week._trips(run)]
        if max(lo for lo, _ in sizes) > min(hi for _, hi in sizes):
            return False
        return self.week._duty_ok(run, self.options[option][1])

    def _stability_costs(
        self,
        trips: list[PlannedTrip],
        index: list[int],
        choices: list[int],
        day: DayTrips,
    ) -> Stability | None:
        """Connections between trips the other days run on different bus ids, and trips based
        away from the vehicle of the bus id they run on other days (one each)."""
        week = self.week
        if self.free or not week.problem.settings.stable_week:
            return None
        seen: dict[str, Counter[int]] = {}
        for m, label in enumerate(week.labels):
            for d, run in label.runs.items():
                if d not in self.days:
                    for q in run:
                        seen.setdefault(q.trip_id, Counter())[m] += 1
        usual = [
            seen[p.trip_id].most_common(1)[0][0] if p.trip_id in seen else -1 - n
            for n, p in enumerate(trips)
        ]
        ref = np.array(usual)
        arc = (ref[:, None] != ref[None, :]).astype(np.int64)
        home = np.zeros((len(trips), len(choices)), np.int64)
        option_of = {self.options[o][:3]: o for o in range(len(self.options))}
        for a, m in enumerate(usual):
            if m >= 0 and m in self.homes:
                home[a] = [o != option_of[self.homes[m]] for o in choices]
        return Stability(arc, home)

    def _place(self, found: list[tuple[Run, int]], choices: list[int]) -> None:
        """Give each chain a bus id (and, with one set of days, its id the chain's home; a
        chain beyond today's buses takes a stranded id). Stranded ids keep today only the
        trips no chain runs."""
        week = self.week
        ids = self.ids + (self.stranded if self.free else [])
        weight = [[self._shared(week.labels[n], run) for n in ids] for run, _ in found]
        fits = [
            [self.free or self.homes[n] == self.options[choices[h]][:3] for n in ids]
            for _, h in found
        ]
        owner = _assign(weight, fits)
        ran = {p.trip_id for run, _ in found for p in run}
        rest = {n: _pieces(week.labels[n].runs[self.day], ran) for n in self.stranded}
        for n in ids:
            for d in self.days:
                week.labels[n].runs.pop(d, None)
        for n, pieces in rest.items():
            for d in self.days:
                week.labels[n].runs.pop(d, None)
                if pieces:
                    week.labels[n].runs[d] = pieces[0]
            for piece in pieces[1:]:  # more stranded ids, one per piece
                week.labels.append(replace(week.labels[n], runs=dict.fromkeys(self.days, piece)))
        for (run, h), r in zip(found, owner, strict=True):
            n = ids[r]
            label = week.labels[n]
            if rest.get(n):  # its trips no chain runs stay without a vehicle
                week.labels.append(replace(label, runs=dict(label.runs)))
            for d in self.days:
                label.runs[d] = run
            self.homes[n] = self.options[choices[h]][:3]

    def _shared(self, label: Label, run: Run) -> int:
        ids = {p.trip_id for p in run}
        return sum(p.trip_id in ids for r in label.runs.values() for p in r)

    def _stability(self) -> float:
        where: dict[str, Counter[int]] = {}
        for n, label in enumerate(self.week.labels):
            for run in label.runs.values():
                for p in run:
                    where.setdefault(p.trip_id, Counter())[n] += 1
        total = sum(c.total() for c in where.values())
        return sum(max(c.values()) for c in where.values()) / total if total else 1.0


def _pieces(run: Run, ran: set[str]) -> list[Run]:
    """The trips of `run` that no chain runs, in its stretches of consecutive trips: each
    keeps the connections it had, and starts a bus (no deadhead before its first trip)."""
    pieces: list[list[PlannedTrip]] = []
    after_kept = False
    for p in run:
        kept = p.trip_id not in ran
        if kept and after_kept:
            pieces[-1].append(p)
        elif kept:
            pieces.append([replace(p, deadhead_s=0)])
        after_kept = kept
    return [tuple(piece) for piece in pieces]


def _assign(weight: list[list[int]], fits: list[list[bool]]) -> list[int]:
    """Each row its own column, only where it fits, at the most total weight (a min-cost flow)."""
    rows, cols = len(weight), len(weight[0]) if weight else 0
    top = max((w for row in weight for w in row), default=0) + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = rows + cols, rows + cols + 1
    arcs = {}
    for r in range(rows):
        flow.add_arc_with_capacity_and_unit_cost(source, r, 1, 0)
        for c in range(cols):
            if fits[r][c]:
                arcs[r, c] = flow.add_arc_with_capacity_and_unit_cost(
                    r, rows + c, 1, top - weight[r][c]
                )
    for c in range(cols):
        flow.add_arc_with_capacity_and_unit_cost(rows + c, sink, 1, 0)
    flow.set_node_supply(source, rows)
    flow.set_node_supply(sink, -rows)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("giving re-chained buses their ids failed")
    owner = [-1] * rows
    for (r, c), arc in arcs.items():
        if flow.flow(arc) > 0:
            owner[r] = c
    return owner
