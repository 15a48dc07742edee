"""From each day's chains to the week an operator runs (format version 2).

Days are taken from the largest to the smallest. A day's chains are first re-chosen so that, at
the same number of buses and the same shifts, as many connections as possible join trips that
already share a bus on a bigger day (stability before deadhead); chains that break a duty limit
are then cut into the fewest pieces that keep it; each chain finally takes the bus id whose trips
it shares most (a maximum-weight matching), or a new one. Once every day is labelled, one
vehicle (fleet entry, hence depot) is chosen per bus id for the whole week by CP-SAT, within the
fleet counts and depot capacities of every day, at the least pull-out and pull-in; each day's
connections and bus depots are then chosen again together (`depot_stage`). Trips for
which no vehicle is left are planned on a bus of their own where a vehicle is free that day, and
otherwise left unassigned with the rule that stopped them.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from busplan.core.chain_columns import Column, chain_plan, plan_columns
from busplan.core.chain_model import Plan
from busplan.core.connections import BoolArray, Connections, IntArray
from busplan.core.depot_stage import DepotStage
from busplan.core.duty_model import keeps_limits
from busplan.core.feasibility import Rules
from busplan.core.flow import chains, min_cost_cover
from busplan.core.group import Group
from busplan.core.model import FleetEntry, Problem, Trip
from busplan.core.placing import place
from busplan.core.progress import Reporter
from busplan.core.rules import (
    Refusal,
    Timed,
    bus_key,
    depots_for,
    duty_errors,
    entry_fits,
    seat_interval,
)
from busplan.core.search import SearchLimits, runner
from busplan.core.solution import Bus, DayPlan, PlannedTrip, Unassigned
from busplan.core.space import TripSpace
from busplan.core.travel import DepotTravel

Run = tuple[PlannedTrip, ...]
"""One bus's trips on one day, in order."""
Option = tuple[str, int | None, int | None, FleetEntry | None]
"""What a bus id may be given: (vehicle id, depot, seats, fleet entry); see `_entries`."""

REJOIN_ROUNDS = 4
BLOCK_GAP_S = 90 * 60
"""A wait this long separates blocks of a school day (the morning runs from the midday ones)."""
STABLE_CHAINS_S = 2.0
"""Seconds at least, shared by trips, for the stable whole chains of the smaller days when
the week's deadline has passed."""
ASSIGN_EFFORT = 2.0
"""Deterministic seconds for choosing the vehicles of the week (a small model: it is usually
proven optimal in well under a second)."""


def operational(problem: Problem) -> bool:
    """Whether any rule of format version 2 applies, so the week planner is needed."""
    s = problem.settings
    return bool(
        problem.depots
        or problem.fleet
        or s.duty.limited
        or s.stable_week
        or s.contracts_apart
        or any(t.operator for t in problem.trips)
    )


def timed_runs(problem: Problem, groups: Sequence[Group]) -> list[Run]:
    """Each group's chains as timed trips, ordered by their first start."""
    runs = [run for group in groups for run in chain_runs(problem, group.connections, group.plan)]
    runs.sort(key=lambda r: (r[0].start_s, r[0].trip_id))
    return runs


def chain_runs(problem: Problem, c: Connections, plan: Plan) -> list[Run]:
    """A plan's chains as timed trips."""
    runs: list[Run] = []
    for chain in chains(len(c), list(plan.arcs)):
        trips = []
        for n, p in enumerate(chain):
            shift = int(plan.shifts[p])
            deadhead = int(c.travel[chain[n - 1], p]) if n else 0
            trips.append(
                PlannedTrip(
                    problem.trips[c.trips[p]].id,
                    shift,
                    int(c.base_start[p]) + shift,
                    int(c.base_end[p]) + shift,
                    deadhead,
                )
            )
        runs.append(tuple(trips))
    return runs


@dataclass
class Label:
    """A bus id: one vehicle all week, and the trips it has run so far."""

    key: tuple[str, str]
    low: float
    high: float
    runs: dict[str, Run] = field(default_factory=dict)


@dataclass
class WeekPlanner:
    rules: Rules
    """The problem with its trip ids and depot drives; also what a trip placed on a running bus
    must keep (see `placing`)."""
    space: TripSpace
    alone: dict[int, list[Refusal]]
    """Why a trip cannot run even alone (empty when it can)."""
    deadline: float = float("inf")
    """`time.monotonic()` by which the week must be planned (its searches stop by then)."""
    placing_deadline: float = float("inf")
    """By when trips left without a vehicle may still be placed on running buses."""
    labels: list[Label] = field(default_factory=list)
    label_of: dict[str, int] = field(default_factory=dict)
    """Trip id -> the bus id it first ran on."""
    trips_left: int = 0
    """Trips of the smaller days still to plan, which share the time left (see
    `_stable_chains`)."""
    shift_of: dict[str, int] = field(default_factory=dict)
    """Trip id -> its shift on that first day."""
    days: list[tuple[list[str], tuple[int, ...]]] = field(default_factory=list)

    @property
    def problem(self) -> Problem:
        return self.rules.problem

    @property
    def depots(self) -> DepotTravel:
        return self.rules.depots

    @property
    def index(self) -> dict[str, int]:
        """Trip id -> problem trip index."""
        return self.rules.index

    def add(self, days: list[str], trips: tuple[int, ...], groups: Sequence[Group]) -> None:
        """Plan one set of identical days from its groups' plans."""
        runs = sorted(
            (run for group in groups for run in self._best_runs(group)),
            key=lambda r: (r[0].start_s, r[0].trip_id),
        )
        for run, label in zip(runs, self._match(runs), strict=True):
            for day in days:
                self.labels[label].runs[day] = run
            for p in run:
                self.label_of.setdefault(p.trip_id, label)
                self.shift_of.setdefault(p.trip_id, p.shift_s)
        self.days.append((days, trips))

    def _best_runs(self, group: Group) -> list[Run]:
        """A group's buses: from its plan, its plan found without duty limits (cut and
        joined) or its plan of whole chains, each also re-chained for stability; fewest buses
        first, stability second (so stability never costs a bus)."""
        plans = [p for p in (group.plan, group.free_plan, group.chained) if p is not None]
        if self.problem.settings.stable_week and self.label_of:
            plans += [self._stabilized(group.connections, p) for p in plans]
            plans += [p for p in [self._stable_chains(group)] if p is not None]
        return min((self._runs(group.connections, p) for p in plans), key=self._rank)

    def _runs(self, connections: Connections, plan: Plan) -> list[Run]:
        """A plan's chains as buses that keep the duty limits."""
        planned = chain_runs(self.problem, connections, plan)
        runs = [piece for run in planned for piece in self._cut(run)]
        if len(runs) == len(planned) and not self.label_of:
            return runs
        # Duty cuts cost buses: join the pieces again, and also the day's blocks (runs cut at
        # every long wait), which lets a late block find an early enough morning and, on a
        # smaller day, the block it ran after on bigger days. A block may break a limit itself
        # (no 30-minute break in a long afternoon of deadheads), so it is cut too.
        blocks = [piece for run in planned for block in _blocks(run) for piece in self._cut(block)]
        return min(runs, self._rejoin(runs), self._rejoin(blocks), key=self._rank)

    def _rank(self, runs: list[Run]) -> tuple[int, int, int]:
        """Fewest buses, then the most trips on the bus id they had on bigger days, then the
        least deadhead (each end of a bus at its nearest depot)."""
        agree = deadhead = 0
        for run in runs:
            seen = Counter(self.label_of[p.trip_id] for p in run if p.trip_id in self.label_of)
            agree += max(seen.values(), default=0)
            deadhead += sum(p.deadhead_s for p in run)
            if self.space.pulls is not None:
                first, last = self.index[run[0].trip_id], self.index[run[-1].trip_id]
                deadhead += int(self.space.pulls[0][first] + self.space.pulls[1][last])
        return len(runs), -agree, deadhead

    def _stabilized(self, c: Connections, plan: Plan) -> Plan:
        """The group's chains re-chosen by the exact flow: no more buses, then the most
        connections between trips that share a bus on bigger days, then least deadhead. Tried
        at the day's own shifts and at the shifts the trips had on bigger days (the same time
        every day also makes the same connections possible)."""
        ids = [self.problem.trips[k].id for k in c.trips]
        labels = np.array([self.label_of.get(t, -1 - n) for n, t in enumerate(ids)])
        same = labels[:, None] == labels[None, :]
        weight = int(c.cost.max(initial=0)) * len(c) + 1
        usual = np.array(
            [self.shift_of.get(t, int(s)) for t, s in zip(ids, plan.shifts, strict=True)]
        )
        best, best_key = plan, None
        for shifts in (plan.shifts, np.clip(usual, c.earliest, c.latest).astype(np.int64)):
            arcs = min_cost_cover(c.feasible(shifts), c.cost + weight * ~same)
            if len(arcs) < len(plan.arcs):
                continue
            key = (
                -len(arcs),
                -sum(bool(same[i, j]) for i, j in arcs),
                sum(int(c.cost[i, j]) for i, j in arcs),
            )
            if best_key is None or key < best_key:
                best, best_key = Plan(tuple(arcs), shifts), key
        return best

    def _stable_chains(self, group: Group) -> Plan | None:
        """Where the spread is limited: whole chains again (`chain_columns.chain_plan`), now
        worth more for each join of two trips that share a bus id on bigger days, starting from
        the group's chains and, per bus id, this day's trips of that id at their usual shifts
        (where that chain keeps its connections and the limits): fewest buses, then the most
        trips kept together, then least deadhead. The flow's re-chaining (`_stabilized`)
        ignores the spread, and there the duty cuts undo what it gains."""
        if group.chained is None or group.limits is None:
            return None
        c = group.connections
        ids = [self.problem.trips[k].id for k in c.trips]
        bus_of = [self.label_of.get(t) for t in ids]
        members: dict[int, list[int]] = {}
        for k, label in enumerate(bus_of):
            if label is not None:
                members.setdefault(label, []).append(k)
        start = plan_columns(c, group.limits, group.chained)
        for chain in members.values():
            at = np.zeros(len(c), np.int64)
            at[chain] = [self.shift_of[ids[k]] for k in chain]
            at = np.clip(at, c.earliest, c.latest)
            arcs = tuple(pairwise(chain))
            joined = all(c.slack[a, b] + at[b] - at[a] >= 0 for a, b in arcs)
            if joined and keeps_limits(c, arcs, at, group.limits):
                start.append(Column(tuple(chain), tuple(int(s) for s in at[chain])))
        now = time.monotonic()
        seconds = max(self.deadline - now, STABLE_CHAINS_S) * len(c) / max(self.trips_left, 1)
        self.trips_left -= len(c)
        limits = SearchLimits(now + seconds, seconds, 0, 1)
        run = runner(limits, Reporter(None), "", (0.0, 1.0))
        return chain_plan(c, group.limits, run, bus_of, start)

    def _trips(self, run: Run) -> list[Trip]:
        return [self.problem.trips[self.index[p.trip_id]] for p in run]

    def _pulls(self, run: Run, depot: int) -> tuple[int, int]:
        first, last = self.index[run[0].trip_id], self.index[run[-1].trip_id]
        return int(self.depots.out_s[depot, first]), int(self.depots.in_s[last, depot])

    def _duty_ok(self, run: Run, depot: int | None) -> bool:
        pulls = (0, 0) if depot is None else self._pulls(run, depot)
        return not duty_errors(self.problem.settings.duty, _timed(run), *pulls)

    def _homes(self, run: Run) -> list[int | None]:
        """Depots that may base a bus running all of `run` (None: the problem has none)."""
        if not self.problem.depots:
            return [None]
        common = set.intersection(*(set(depots_for(self.problem, t)) for t in self._trips(run)))
        return [*sorted(common)]

    def _cut(self, run: Run) -> list[Run]:
        """The run, or the fewest pieces (cut greedily from the front) that each keep the
        duty limits from some usable depot."""
        if not self.problem.settings.duty.limited or self._keeps_duty(run):
            return [run]
        pieces: list[Run] = []
        current: list[PlannedTrip] = []
        for p in run:
            trial = (*current, p) if current else (replace(p, deadhead_s=0),)
            if current and not self._keeps_duty(trial):
                pieces.append(tuple(current))
                trial = (replace(p, deadhead_s=0),)
            current = list(trial)
        pieces.append(tuple(current))
        return pieces

    def _rejoin(self, runs: list[Run]) -> list[Run]:
        """Join the pieces that duty cuts left where the joined bus still keeps every rule:
        fewest buses by an exact path cover over the pieces, repeated while it saves one."""
        for _ in range(REJOIN_ROUNDS):
            n = len(runs)
            possible, drive = self._joins(runs)
            labels = np.array([self._label_of(run, -1 - r) for r, run in enumerate(runs)])
            differ = labels[:, None] != labels[None, :]
            arcs = min_cost_cover(possible, drive + (int(drive.max(initial=0)) * n + 1) * differ)
            if not arcs:
                break
            joined_runs = []
            for chain in chains(n, arcs):
                run = runs[chain[0]]
                for b in chain[1:]:
                    longer = self._join(run, runs[b])
                    if longer is None:  # three pieces may break a rule that two keep
                        joined_runs.append(run)
                        longer = runs[b]
                    run = longer
                joined_runs.append(run)
            if len(joined_runs) >= n:
                break
            runs = sorted(joined_runs, key=lambda r: (r[0].start_s, r[0].trip_id))
        return runs

    def _label_of(self, run: Run, default: int) -> int:
        """The bus id most of the run's trips had on bigger days."""
        seen = Counter(self.label_of[p.trip_id] for p in run if p.trip_id in self.label_of)
        return seen.most_common(1)[0][0] if seen else default

    def _joins(self, runs: list[Run]) -> tuple[BoolArray, IntArray]:
        """Which run may follow which on one bus, and the drive between them: the time, who
        may share, the vehicle sizes, spread and driving from a depot both may use, all as
        arrays; the break rule is checked one pair at a time where the wait between them is
        too short to be a break."""
        problem, space = self.problem, self.space
        first = [self.index[r[0].trip_id] for r in runs]
        last = [self.index[r[-1].trip_id] for r in runs]
        start = np.array([r[0].start_s for r in runs])
        end = np.array([r[-1].end_s for r in runs])
        driven = np.array([sum(p.end_s - p.start_s + p.deadhead_s for p in r) for r in runs])
        keys = [bus_key(problem, problem.trips[k]) for k in first]
        key_id = np.array([sorted(set(keys)).index(k) for k in keys])
        sizes = [[seat_interval(problem, t) for t in self._trips(r)] for r in runs]
        low = np.array([max(lo for lo, _ in s) for s in sizes], float)
        high = np.array([min(hi for _, hi in s) for s in sizes], float)
        drive = space.matrix[
            np.ix_([space.position[k] for k in last], [space.position[k] for k in first])
        ]
        idle = start[None, :] - end[:, None] - drive
        possible = (idle >= problem.settings.buffer_s) & (key_id[:, None] == key_id[None, :])
        possible &= np.maximum(low[:, None], low[None, :]) <= np.minimum(
            high[:, None], high[None, :]
        )
        np.fill_diagonal(possible, False)
        possible &= self._duty_joins(runs, first, last, start, end, driven, drive)
        duty = problem.settings.duty
        if duty.break_s is not None:
            for a, b in zip(*np.nonzero(possible & (idle < duty.break_s)), strict=True):
                possible[a, b] = self._join(runs[a], runs[b]) is not None
        return possible, np.asarray(drive, np.int64)

    def _duty_joins(
        self,
        runs: list[Run],
        first: list[int],
        last: list[int],
        start: IntArray,
        end: IntArray,
        driven: IntArray,
        drive: IntArray,
    ) -> BoolArray:
        """Pairs whose joined day keeps the spread and driving limits from a depot both runs
        may use (any pair, when there are no depots)."""
        duty = self.problem.settings.duty
        homes = [self._homes(r) for r in runs]
        ok = np.zeros(drive.shape, np.bool_)
        for d in sorted({h for hs in homes for h in hs}, key=lambda h: -1 if h is None else h):
            usable = np.array([d in hs for hs in homes])
            out = np.zeros(len(runs), np.int64) if d is None else self.depots.out_s[d, first]
            back = np.zeros(len(runs), np.int64) if d is None else self.depots.in_s[last, d]
            keeps = usable[:, None] & usable[None, :]
            if duty.max_spread_s is not None:
                keeps &= (
                    end[None, :] + back[None, :] - start[:, None] + out[:, None]
                    <= duty.max_spread_s
                )
            if duty.max_drive_s is not None:
                total = driven[:, None] + drive + driven[None, :] + out[:, None] + back[None, :]
                keeps &= total <= duty.max_drive_s
            ok |= keeps
        return ok

    def _join(self, first: Run, second: Run) -> Run | None:
        """`first` then `second` on one bus, or None where a rule forbids it."""
        a, b = first[-1], second[0]
        i, j = self.index[a.trip_id], self.index[b.trip_id]
        if i not in self.space.position or j not in self.space.position:
            return None
        drive = int(self.space.matrix[self.space.position[i], self.space.position[j]])
        if b.start_s - a.end_s < drive + self.problem.settings.buffer_s:
            return None
        trips = self._trips(first) + self._trips(second)
        if len({bus_key(self.problem, t) for t in trips}) > 1:
            return None
        low = max(seat_interval(self.problem, t)[0] for t in trips)
        if low > min(seat_interval(self.problem, t)[1] for t in trips):
            return None
        run = (*first, replace(b, deadhead_s=drive), *second[1:])
        return run if self._keeps_duty(run) else None

    def _keeps_duty(self, run: Run) -> bool:
        return any(self._duty_ok(run, d) for d in self._homes(run))

    def _match(self, runs: list[Run]) -> list[int]:
        """A bus id per run: the most trips in common with ids of bigger days, each id at most
        once a day, only where one vehicle can run both; new ids for the rest."""
        known = len(self.labels)
        flow = min_cost_flow.SimpleMinCostFlow()
        source, sink, fresh = 0, 1, 2
        run_node = [3 + r for r in range(len(runs))]
        label_node = [3 + len(runs) + n for n in range(known)]
        weights = [
            Counter(self.label_of[p.trip_id] for p in run if p.trip_id in self.label_of)
            for run in runs
        ]
        top = max((w for c in weights for w in c.values()), default=0) + 1
        arcs = []
        for r, run in enumerate(runs):
            flow.add_arc_with_capacity_and_unit_cost(source, run_node[r], 1, 0)
            arcs.append(
                (r, -1, flow.add_arc_with_capacity_and_unit_cost(run_node[r], fresh, 1, top))
            )
            for label, w in weights[r].items():
                if self._fits(self.labels[label], run):
                    arc = flow.add_arc_with_capacity_and_unit_cost(
                        run_node[r], label_node[label], 1, top - w
                    )
                    arcs.append((r, label, arc))
        for node in label_node:
            flow.add_arc_with_capacity_and_unit_cost(node, sink, 1, 0)
        flow.add_arc_with_capacity_and_unit_cost(fresh, sink, len(runs), 0)
        flow.set_node_supply(source, len(runs))
        flow.set_node_supply(sink, -len(runs))
        if flow.solve() != flow.OPTIMAL:
            raise RuntimeError("matching bus ids failed")
        chosen = [-1] * len(runs)
        for r, n, arc in arcs:
            if flow.flow(arc) > 0:
                chosen[r] = n
        for r, run in enumerate(runs):
            trips = self._trips(run)
            if chosen[r] < 0:
                chosen[r] = len(self.labels)
                self.labels.append(Label(bus_key(self.problem, trips[0]), 0, float("inf")))
            bus = self.labels[chosen[r]]
            for t in trips:
                low, high = seat_interval(self.problem, t)
                bus.low, bus.high = max(bus.low, low), min(bus.high, high)
        return chosen

    def _fits(self, label: Label, run: Run) -> bool:
        """Whether one vehicle can run the bus id's days and this run: who may share, the
        seats, and (with duty limits) a depot from which every one of those days keeps them.
        Without the last, a stable id could leave the week's vehicle choice no depot at all,
        and its trips a bus of their own."""
        trips = self._trips(run)
        low = max([label.low, *(seat_interval(self.problem, t)[0] for t in trips)])
        high = min([label.high, *(seat_interval(self.problem, t)[1] for t in trips)])
        if label.key != bus_key(self.problem, trips[0]) or low > high:
            return False
        if not self.problem.settings.duty.limited:
            return True
        days = [run, *label.runs.values()]
        homes = set.intersection(*(set(self._homes(r)) for r in days))
        return any(all(self._duty_ok(r, d) for r in days) for d in sorted(homes, key=str))

    def plans(self) -> tuple[dict[str, DayPlan], list[str]]:
        """Every day's plan, with vehicles chosen for the week, and what is missing."""
        homes = self._vehicles()
        self._rechain_by_depot(homes)
        for days, _ in self.days:
            for key in sorted({label.key for label in self.labels}):
                homes = DepotStage(self, homes, days, key).run()
        self._idle_vehicles(homes)
        order = sorted(
            (n for n, label in enumerate(self.labels) if label.runs),
            key=lambda n: _first(self.labels[n]),
        )
        names = {n: f"B{r + 1:0{max(2, len(str(len(order))))}d}" for r, n in enumerate(order)}
        buses: dict[str, list[Bus]] = {}
        left: dict[str, list[Run]] = {}
        for n, label in enumerate(self.labels):
            for day, run in label.runs.items():
                if n in homes:
                    buses.setdefault(day, []).append(self._bus(names[n], run, homes[n]))
                else:
                    left.setdefault(day, []).append(run)
        return self._day_plans(buses, left, len(order))

    def _idle_vehicles(self, homes: dict[int, tuple[str, int | None, int | None]]) -> None:
        """A bus id left without a vehicle hands its day's run, whole, to a bus id whose vehicle
        does not run on those days, where the fleet count, the depot capacity and every rule
        allow: the one that runs most of the same trips on other days, then the one idle on most
        of the other days the run's bus id runs (so they may follow it), then the least pull-out
        and pull-in. A bus id made for a bigger day's leftovers may hold a smaller day's run
        that an idle vehicle can run whole; trip by trip it would need a vehicle for each."""
        option_of = {option[:3]: option for option in self._entries()}
        for days, _ in self.days:
            running = [n for n in homes if any(d in self.labels[n].runs for d in days)]
            used = Counter(homes[n] for n in running)
            based = Counter(homes[n][1] for n in running)
            idle = [n for n in sorted(homes) if n not in running]
            stranded = [
                n for n, label in enumerate(self.labels) if n not in homes and days[0] in label.runs
            ]
            stranded.sort(key=lambda n: (-len(self.labels[n].runs[days[0]]), n))
            for n in stranded:
                run = self.labels[n].runs[days[0]]
                later = [d for d in self.labels[n].runs if d not in days]
                taker = self._idle_taker(run, later, idle, homes, option_of, used, based)
                if taker is None:
                    continue
                for d in days:
                    if (moved := self.labels[n].runs.pop(d, None)) is not None:
                        self.labels[taker].runs[d] = moved
                idle.remove(taker)
                used[homes[taker]] += 1
                based[homes[taker][1]] += 1

    def _idle_taker(
        self,
        run: Run,
        later: list[str],
        idle: list[int],
        homes: dict[int, tuple[str, int | None, int | None]],
        option_of: dict[tuple[str, int | None, int | None], Option],
        used: Counter[tuple[str, int | None, int | None]],
        based: Counter[int | None],
    ) -> int | None:
        key = bus_key(self.problem, self._trips(run)[0])
        ids = {p.trip_id for p in run}
        best: tuple[int, int, int, int] | None = None
        for m in idle:
            home, label = homes[m], self.labels[m]
            option, depot = option_of[home], home[1]
            if label.key != key or self._full(option, used[home], based[depot]):
                continue
            if not self._allowed(replace(label, runs={**label.runs, "": run}), option):
                continue
            shared = sum(p.trip_id in ids for r in label.runs.values() for p in r)
            also = sum(d not in label.runs for d in later)
            pulls = 0 if depot is None else sum(self._pulls(run, depot))
            if best is None or (-shared, -also, pulls, m) < best:
                best = (-shared, -also, pulls, m)
        return None if best is None else best[3]

    def _rechain_by_depot(self, homes: dict[int, tuple[str, int | None, int | None]]) -> None:
        """With each bus id's vehicle known, the trips of the buses sharing one vehicle entry
        (hence one depot) are chained again by the exact flow at their planned times, with the
        real pull-out and pull-in of that depot: no more buses, then (in a stable week) the
        most connections within a bus id, then the least deadhead. The relaxation that chose
        the chains let each end of a bus use its own nearest depot."""
        for days, _ in self.days:
            day = days[0]
            for home in sorted(set(homes.values()), key=str):
                if home[1] is None:
                    continue
                ids = [n for n, h in homes.items() if h == home and day in self.labels[n].runs]
                if len(ids) < 2:
                    continue
                runs = self._depot_chains([self.labels[n].runs[day] for n in ids], home[1], ids)
                if runs is None:
                    continue
                owners = self._match_within(runs, ids)
                for n in ids:
                    for d in days:
                        self.labels[n].runs.pop(d, None)
                for run, n in zip(runs, owners, strict=True):
                    for d in days:
                        self.labels[n].runs[d] = run

    def _depot_chains(self, runs: list[Run], depot: int, ids: list[int]) -> list[Run] | None:
        trips = [p for run in runs for p in run]
        label = np.array([n for n, run in zip(ids, runs, strict=True) for _ in run])
        index = [self.index[p.trip_id] for p in trips]
        where = [self.space.position[k] for k in index]
        drive = self.space.matrix[np.ix_(where, where)]
        start = np.array([p.start_s for p in trips])
        end = np.array([p.end_s for p in trips])
        keys = [bus_key(self.problem, self.problem.trips[k]) for k in index]
        possible = start[None, :] - end[:, None] >= drive + self.problem.settings.buffer_s
        possible &= np.array([[a == b for b in keys] for a in keys])
        np.fill_diagonal(possible, False)
        saved = self.depots.in_s[index, depot][:, None] + self.depots.out_s[depot, index][None, :]
        cost = drive - saved + int(saved.max(initial=0))
        if self.problem.settings.stable_week:
            cost = cost + (int(cost.max(initial=0)) * len(trips) + 1) * (
                label[:, None] != label[None, :]
            )
        arcs = min_cost_cover(possible, np.asarray(cost, np.int64))
        if len(trips) - len(arcs) > len(runs):
            return None
        chained = []
        for chain in chains(len(trips), arcs):
            drives = [0] + [int(drive[a, b]) for a, b in pairwise(chain)]
            run = tuple(replace(trips[k], deadhead_s=d) for k, d in zip(chain, drives, strict=True))
            if not self._duty_ok(run, depot):
                return None
            chained.append(run)
        before = sum(sum(self._pulls(r, depot)) + sum(p.deadhead_s for p in r) for r in runs)
        after = sum(sum(self._pulls(r, depot)) + sum(p.deadhead_s for p in r) for r in chained)
        return chained if after < before or len(chained) < len(runs) else None

    def _match_within(self, runs: list[Run], ids: list[int]) -> list[int]:
        """Bus ids for re-chained runs: the id whose trips each shares most, one each."""
        owner = {p.trip_id: n for n in ids for run in self.labels[n].runs.values() for p in run}
        model = cp_model.CpModel()
        pick = {(r, n): model.new_bool_var("") for r in range(len(runs)) for n in ids}
        for r in range(len(runs)):
            model.add_exactly_one(pick[r, n] for n in ids)
        for n in ids:
            model.add_at_most_one(pick[r, n] for r in range(len(runs)))
        model.maximize(
            sum(v * sum(owner.get(p.trip_id) == n for p in runs[r]) for (r, n), v in pick.items())
        )
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = ASSIGN_EFFORT
        solver.solve(model)
        return [next(n for n in ids if solver.boolean_value(pick[r, n])) for r in range(len(runs))]

    def _entries(self) -> list[Option]:
        """What a bus id may be given: (vehicle id, depot, seats, entry) per fleet entry, or
        per depot when there is no fleet, or nothing at all without depots."""
        depot_at = {d.id: n for n, d in enumerate(self.problem.depots)}
        if self.problem.fleet:
            return [(f.id, depot_at[f.depot], f.seats, f) for f in self.problem.fleet]
        return [("", d, None, None) for d in range(len(self.problem.depots))] or [
            ("", None, None, None)
        ]

    def _allowed(self, label: Label, option: Option) -> bool:
        _, depot, _, entry = option
        trips = [t for run in label.runs.values() for t in self._trips(run)]
        if entry is not None and not entry_fits(entry, trips):
            return False
        if depot is not None and any(depot not in depots_for(self.problem, t) for t in trips):
            return False
        return all(self._duty_ok(run, depot) for run in label.runs.values())

    def _vehicles(self) -> dict[int, tuple[str, int | None, int | None]]:
        """A vehicle (or depot) per bus id for the week: as many trips as possible planned,
        then the least pull-out and pull-in, within every day's counts and capacities."""
        options = self._entries()
        pulls: dict[tuple[int, int], int] = {}
        for n, label in enumerate(self.labels):
            for o, option in enumerate(options):
                if self._allowed(label, option):
                    depot = option[1]
                    runs = label.runs.values()
                    pulls[n, o] = (
                        0 if depot is None else sum(sum(self._pulls(r, depot)) for r in runs)
                    )
        cheapest: dict[int, int] = {}
        for (n, o), _ in sorted(pulls.items(), key=lambda item: (item[0][0], item[1], item[0][1])):
            cheapest.setdefault(n, o)
        limited = self.problem.fleet or any(d.max_buses is not None for d in self.problem.depots)
        if not limited:  # no counts or capacities: each bus id simply takes its cheapest option
            return {n: options[o][:3] for n, o in cheapest.items()}
        model = cp_model.CpModel()
        pick = {key: model.new_bool_var("") for key in pulls}
        for n in range(len(self.labels)):
            model.add_at_most_one(v for (m, _), v in pick.items() if m == n)
        self._capacities(model, pick, options)
        for (n, o), v in pick.items():
            model.add_hint(v, cheapest.get(n) == o)
        planned = sum(
            v * sum(len(r) for r in self.labels[n].runs.values()) for (n, _), v in pick.items()
        )
        solver = cp_model.CpSolver()
        solver.parameters.max_deterministic_time = ASSIGN_EFFORT
        solver.parameters.max_time_in_seconds = max((self.deadline - time.monotonic()) / 3, 0.5)
        solver.parameters.num_workers = 1
        model.maximize(planned)  # as many trips as the counts allow, then the least pulls
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise RuntimeError("choosing vehicles failed")
        model.add(planned >= round(solver.objective_value))
        model.clear_hints()  # type: ignore[no-untyped-call]
        for v in pick.values():
            model.add_hint(v, solver.boolean_value(v))
        model.minimize(sum(v * pulls[key] for key, v in pick.items()))
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise RuntimeError("choosing vehicles failed")
        return {n: options[o][:3] for (n, o), v in pick.items() if solver.boolean_value(v)}

    def _capacities(
        self,
        model: cp_model.CpModel,
        pick: dict[tuple[int, int], cp_model.IntVar],
        options: list[Option],
    ) -> None:
        for day in {d for days, _ in self.days for d in days}:
            running = {n for n, label in enumerate(self.labels) if day in label.runs}
            for o, (_, _, _, entry) in enumerate(options):
                if entry is not None:
                    model.add(
                        sum(v for (n, p), v in pick.items() if p == o and n in running)
                        <= entry.count
                    )
            for d, depot in enumerate(self.problem.depots):
                if depot.max_buses is not None:
                    based = [v for (n, o), v in pick.items() if options[o][1] == d and n in running]
                    model.add(sum(based) <= depot.max_buses)

    def _bus(self, name: str, run: Run, home: tuple[str, int | None, int | None]) -> Bus:
        vehicle, depot, seats = home
        if depot is None:
            return Bus(name, run, vehicle=vehicle, seats=seats)
        pull_out, pull_in = self._pulls(run, depot)
        return Bus(name, run, self.problem.depots[depot].id, vehicle, seats, pull_out, pull_in)

    def _day_plans(
        self, buses: dict[str, list[Bus]], left: dict[str, list[Run]], named: int
    ) -> tuple[dict[str, DayPlan], list[str]]:
        plans: dict[str, DayPlan] = {}
        missing: list[str] = []
        extra = named
        for days, trips in self.days:
            for day in days:
                day_buses = buses.get(day, [])
                unassigned = [
                    Unassigned(
                        self.problem.trips[k].id, self.alone[k][0].message, self.alone[k][0].rule
                    )
                    for k in trips
                    if self.alone[k]
                ]
                short: Counter[tuple[str, str]] = Counter()
                for run in left.get(day, []):
                    stranded = None
                    for p in run:
                        extra += 1
                        bus = self._alone_bus(f"B{extra:02d}", p, day_buses)
                        if bus is not None:
                            day_buses.append(bus)
                        elif not place(self.rules, day, p, day_buses, self.placing_deadline):
                            unassigned.append(self._no_vehicle(p))
                            stranded = p
                    if stranded is not None:
                        short[self._vehicle_kind(stranded)] += 1
                missing += [
                    f"{op} needs {n} more vehicle(s) of {what} on {day}"
                    for (op, what), n in sorted(short.items())
                ]
                day_buses.sort(key=lambda b: (b.trips[0].start_s, b.id))
                same = days[0] if day != days[0] else None
                plans[day] = DayPlan(day, tuple(day_buses), tuple(unassigned), same_as=same)
        return plans, missing

    def _alone_bus(self, name: str, p: PlannedTrip, day_buses: list[Bus]) -> Bus | None:
        """A bus of its own for a trip whose bus id got no vehicle, where one is free today."""
        run = (replace(p, deadhead_s=0),)
        label = Label(bus_key(self.problem, self._trips(run)[0]), 0, float("inf"), {"": run})
        for option in self._entries():
            vehicle, depot, _, _ = option
            if not self._allowed(label, option):
                continue
            home = None if depot is None else self.problem.depots[depot].id
            vehicles = sum(b.vehicle == vehicle for b in day_buses)
            if self._full(option, vehicles, sum(b.depot == home for b in day_buses)):
                continue
            return self._bus(name, run, option[:3])
        return None

    def _full(self, option: Option, vehicles: int, at_depot: int) -> bool:
        """Whether `option` has no vehicle or depot place left on a day that already runs
        `vehicles` of its fleet entry and `at_depot` buses at its depot."""
        _, depot, _, entry = option
        if entry is not None and vehicles >= entry.count:
            return True
        cap = None if depot is None else self.problem.depots[depot].max_buses
        return cap is not None and at_depot >= cap

    def _no_vehicle(self, p: PlannedTrip) -> Unassigned:
        trip = self.problem.trips[self.index[p.trip_id]]
        if self.problem.fleet:
            owner = trip.operator or "the fleet"
            return Unassigned(
                p.trip_id,
                f"no vehicle left: every vehicle of {owner} that fits is in use (fleet count)",
                "fleet_count",
            )
        where = trip.operator or "the operator"
        return Unassigned(
            p.trip_id, f"no place left at the depots of {where} (max_buses)", "depot_capacity"
        )

    def _vehicle_kind(self, p: PlannedTrip) -> tuple[str, str]:
        """(operator, "55 seats at D2") for the summary of missing vehicles."""
        trip = self.problem.trips[self.index[p.trip_id]]
        low, high = seat_interval(self.problem, trip)
        homes = "/".join(self.problem.depots[d].id for d in depots_for(self.problem, trip))
        size = f"{low} seats" if low == high else f"{low} to {high:g} seats"
        return trip.operator or "the operator", f"{size} at {homes or 'a depot'}"


def _blocks(run: Run) -> list[Run]:
    """A run cut at each wait of at least `BLOCK_GAP_S` (morning, midday, evening)."""
    out: list[list[PlannedTrip]] = [[run[0]]]
    for a, b in pairwise(run):
        if b.start_s - a.end_s - b.deadhead_s >= BLOCK_GAP_S:
            out.append([replace(b, deadhead_s=0)])
        else:
            out[-1].append(b)
    return [tuple(block) for block in out]


def _timed(run: Run) -> list[Timed]:
    after = [p.deadhead_s for p in run[1:]] + [0]
    return [Timed(p.start_s, p.end_s, a) for p, a in zip(run, after, strict=True)]


def _first(label: Label) -> tuple[int, str]:
    run = min(label.runs.values(), key=lambda r: r[0].start_s)
    return run[0].start_s, run[0].trip_id
