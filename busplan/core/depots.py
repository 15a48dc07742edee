"""Depot-aware deadhead: a day's connections and each bus's depot chosen together.

The flows and searches that build a day's chains charge each end of a bus its nearest usable
depot, a relaxation: a chain may start near one depot and end near another, which a real bus,
returning to the depot it left, cannot. This stage takes the day's buses as they stand (times
and bus count fixed) and re-chooses, in one CP-SAT model, which trip follows which and what
each bus is based on (a *home*: fleet entry and depot, or a depot), paying the real pull-out
and pull-in of that home:

- a multi-commodity flow, one commodity per home: a Boolean per candidate connection and home
  (each trip's nearest and tightest successors, plus every connection of the current plan, so
  the current plan is always a solution and is the hint), a start and an end per trip and
  home, flow kept per trip and home, each trip run once; a trip may take only the homes whose
  vehicle and depot may run it;
- each start and end is charged the pull-out and pull-in of its home;
- the linear relaxation is solved first and the search keeps only the connections it uses or
  nearly prices in (tight for vehicle scheduling, and much faster to search);
- at most as many chains as today's buses, at most `limit` chains per home, at most `room`
  per depot;
- minimize pull-out + deadhead + pull-in; in a stable week, with no more connections between
  trips the other days run on different buses, nor trips away from their bus's vehicle, than
  the current plan has;
- trips that no vehicle was left for (*optional* ones) may join the buses: each one run is
  worth more than any deadhead, so the most of them are run first. Chains chosen before the
  vehicles may leave two buses needing the one large vehicle where another chaining needs it
  once.

The spread and driving limits are stated in the CP-SAT model: each trip and home carries the
time its bus left the depot and its driving so far, handed on along each connection used, and
checked at the bus's last trip. The rules left (the break rule, one vehicle size fitting a
whole chain) are checked on each solution's chains: the shortest stretch of a chain that breaks
one is forbidden by a clause and the model solved again, a few rounds at most; a plan that
still breaks one is never returned.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from busplan.core.connections import BoolArray, IntArray
from busplan.core.model import Duty
from busplan.core.solution import PlannedTrip

Run = tuple[PlannedTrip, ...]
NEIGHBOURS = 15
"""Candidate successors kept per trip by drive and, separately, by how tightly they follow."""
REDUCED_COST_S = 120
"""Connections whose reduced cost in the relaxation is at most this are kept for the search."""
ROUNDS = 6
"""Times the model is solved again after forbidding chains that break a rule it cannot state."""
OPTIONAL_ROUNDS = 20
"""The same with trips to place: chains that take them in tend to break a rule one after
another (on a 6-trip case, 2 trips were left out after 6 rounds where 20 left 1, the fewest
possible, before the driving limit was stated in the model), and a trip left out costs more
than a few more small solves."""


@dataclass(frozen=True)
class DayTrips:
    """The day's trips at their planned times, with what the model needs to know of each."""

    trips: Sequence[PlannedTrip]
    drive: IntArray
    """Seconds from the end of trip a to the start of trip b."""
    may_follow: BoolArray
    """b may follow a on one bus (time, buffer, operator, vehicle sizes) before depots."""
    allowed: BoolArray
    """allowed[a, h]: a bus based on home h may run trip a."""
    pull_out: IntArray
    """pull_out[h, a]: seconds from home h's depot to the start of trip a (0 without depots)."""
    pull_in: IntArray
    """pull_in[a, h]: seconds from the end of trip a back to home h's depot."""
    optional: BoolArray | None = None
    """Trips no bus of the current plan runs, which the new one may run (None: none)."""


@dataclass(frozen=True)
class Homes:
    """What today's buses may be based on."""

    depot: Sequence[int | None]
    """Per home: its depot (None when the problem has none)."""
    limit: Sequence[int | None]
    """Per home: at most this many buses today (None: no limit)."""
    room: dict[int, int]
    """Per depot with a capacity: at most this many of today's buses."""


@dataclass(frozen=True)
class Stability:
    """What the stable week asks of today's plan: a new plan may not cost it more than the
    current one does, so deadhead is cut only where stability is kept."""

    arc: IntArray
    """arc[a, b]: cost of the connection a -> b (it joins trips the week runs on two buses)."""
    home: IntArray
    """home[a, h]: cost of basing trip a on home h (not the vehicle its bus id has)."""


Valid = Callable[[Run, int], bool]
"""Whether a chain keeps every rule when based on a home."""


def rechain(
    day: DayTrips,
    homes: Homes,
    runs: Sequence[Sequence[int]],
    run_home: Sequence[int],
    valid: Valid,
    effort: float,
    deadline: float,
    stability: Stability | None = None,
    extra_chains: int = 0,
    duty: Duty | None = None,
) -> list[tuple[Run, int]] | None:
    """Today's buses (trip positions in `day`, per run) re-chained with their homes: chains
    with the home of each, or None when nothing better than the current plan was found
    (more optional trips run, then less deadhead). With optional trips, up to `extra_chains`
    more buses than today's may run them, within the homes' limits. The spread and driving
    limits of `duty` are stated in the model; every rule is checked on its chains."""
    incumbent = [(list(r), h) for r, h in zip(runs, run_home, strict=True)]
    extra = extra_chains if day.optional is not None else 0
    keys = [
        (a, b, h)
        for a, b in candidates(day, runs)
        for h in np.nonzero(day.allowed[a] & day.allowed[b])[0].tolist()
    ]
    setting = _Setting(day, homes, incumbent, stability, extra)
    keys = lp_support(setting, keys)
    model = _Model(setting, keys, duty)
    best_key = model.flow.key_of(incumbent)
    best: Plan | None = None
    hint = incumbent
    for _ in range(ROUNDS if day.optional is None else OPTIONAL_ROUNDS):
        found = model.solve(hint, effort, deadline)
        if found is None:
            break
        broken = [(chain, h) for chain, h in found if not valid(_run(day, chain), h)]
        if not broken:
            if model.flow.key_of(found) < best_key:
                best = found
            break
        for chain, h in broken:
            model.forbid(_broken_stretch(day, chain, h, valid), h)
    if best is None:
        return None
    return [(_run(day, chain), h) for chain, h in best]


def _run(day: DayTrips, chain: Sequence[int]) -> Run:
    drives = [0] + [int(day.drive[a, b]) for a, b in pairwise(chain)]
    return tuple(replace(day.trips[k], deadhead_s=d) for k, d in zip(chain, drives, strict=True))


def _broken_stretch(day: DayTrips, chain: Sequence[int], home: int, valid: Valid) -> list[int]:
    """The shortest stretch of a broken chain that breaks a rule on its own. A bus running
    more around it keeps its spread, driving and driving without a break at least as long (its
    sizes no wider), as far as drives obey the triangle inequality, so forbidding the stretch
    rules out every chain through it at once; forbidding only the chain took twenty rounds
    without a valid plan on a rural 230-trip day."""
    for length in range(2, len(chain)):
        for first in range(len(chain) - length + 1):
            stretch = list(chain[first : first + length])
            if not valid(_run(day, stretch), home):
                return stretch
    return list(chain)


def candidates(day: DayTrips, runs: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """Each trip's `NEIGHBOURS` nearest successors and tightest ones among those some home can
    run together, plus the current connections."""
    shared = (day.allowed.astype(np.int64) @ day.allowed.T.astype(np.int64)) > 0
    possible = day.may_follow & shared
    start = np.array([p.start_s for p in day.trips])
    end = np.array([p.end_s for p in day.trips])
    idle = start[None, :] - end[:, None] - day.drive
    arcs = {(a, b) for run in runs for a, b in pairwise(run)}
    for a in range(len(day.trips)):
        (succ,) = np.nonzero(possible[a])
        for key in (day.drive[a, succ], idle[a, succ]):
            arcs.update((a, int(b)) for b in succ[np.argsort(key, kind="stable")[:NEIGHBOURS]])
    return sorted(arcs)


Plan = list[tuple[list[int], int]]
"""Chains (trip positions) with the home of each."""
Key = tuple[int, int, int]
"""A connection a -> b run by a bus of home h: (a, b, h)."""


@dataclass(frozen=True)
class _Setting:
    """What the flows of one re-chaining share: the day, its homes, the current plan, the
    stable week's costs, and how many buses beyond today's may run optional trips."""

    day: DayTrips
    homes: Homes
    incumbent: Plan
    stability: Stability | None
    extra: int


class _Flow:
    """A multi-commodity flow, one commodity per home: a bus of home h runs its chain along
    connections of commodity h from a start to an end of that commodity. Built alike for CP-SAT
    and for its linear relaxation (`new` makes a 0-1 variable, `add` states a constraint)."""

    def __init__(
        self,
        setting: _Setting,
        keys: Sequence[Key],
        new: Callable[[], Any],
        add: Callable[[Any], Any],
    ) -> None:
        day, homes = setting.day, setting.homes
        incumbent, stability = setting.incumbent, setting.stability
        n = len(day.trips)
        optional = np.zeros(n, np.bool_) if day.optional is None else day.optional
        self.day, self.homes = day, homes
        self.use = {key: new() for key in keys}
        ends = [(int(a), int(h)) for a, h in zip(*np.nonzero(day.allowed), strict=True)]
        self.first = {end: new() for end in ends}
        self.last = {end: new() for end in ends}
        into: dict[tuple[int, int], list[Any]] = {end: [] for end in ends}
        onward: dict[tuple[int, int], list[Any]] = {end: [] for end in ends}
        self.successors: dict[tuple[int, int], list[tuple[int, Any]]] = {}
        for (a, b, h), v in self.use.items():
            onward[a, h].append(v)
            into[b, h].append(v)
            self.successors.setdefault((a, h), []).append((b, v))
        homes_of: list[list[int]] = [[] for _ in range(n)]
        for a, h in ends:
            homes_of[a].append(h)
        runs_on: dict[tuple[int, int], list[Any]] = {}
        ridden = []
        for a in range(n):
            runs = sum(v for h in homes_of[a] for v in (self.first[a, h], *into[a, h]))
            if optional[a]:
                add(runs <= 1)
                ridden.append(runs)
            else:
                add(runs == 1)
            for h in homes_of[a]:
                runs_on[a, h] = [self.first[a, h], *into[a, h]]
                add(sum(runs_on[a, h]) == self.last[a, h] + sum(onward[a, h]))
        add(sum(self.first.values()) <= len(incumbent) + setting.extra)
        for h, limit in enumerate(homes.limit):
            if limit is not None:
                add(sum(v for (_, k), v in self.first.items() if k == h) <= limit)
        for depot, room in homes.room.items():
            add(sum(v for (_, k), v in self.first.items() if homes.depot[k] == depot) <= room)
        self.arc_cost = {key: int(day.drive[key[0], key[1]]) for key in self.use}
        self.leave_cost = {end: self._pull(end, out=True) for end in ends}
        self.return_cost = {end: self._pull(end, out=False) for end in ends}
        self.arc_penalty: dict[Key, int] = {}
        self.home_penalty: dict[tuple[int, int], int] = {}
        if stability is not None:  # a trip that had no bus costs none to join one
            self.arc_penalty = {
                k: 0 if optional[k[0]] or optional[k[1]] else int(stability.arc[k[0], k[1]])
                for k in self.use
            }
            self.home_penalty = {end: int(stability.home[end]) for end in ends}
            add(
                sum(c * self.use[key] for key, c in self.arc_penalty.items() if c)
                + sum(c * v for end, c in self.home_penalty.items() if c for v in runs_on[end])
                <= self.penalty_of(incumbent)
            )
        self.optional = optional
        self.deadhead = (
            sum(c * self.use[key] for key, c in self.arc_cost.items() if c)
            + sum(c * self.first[end] for end, c in self.leave_cost.items() if c)
            + sum(c * self.last[end] for end, c in self.return_cost.items() if c)
        )
        # what running one more optional trip is worth: more than any plan's deadhead
        self.worth = 1 + sum(self.arc_cost.values(), 0)
        self.worth += sum(self.leave_cost.values(), 0) + sum(self.return_cost.values(), 0)
        self.objective = self.deadhead - self.worth * sum(ridden) if ridden else self.deadhead

    def _pull(self, end: tuple[int, int], out: bool) -> int:
        a, h = end
        if self.homes.depot[h] is None:
            return 0
        return int(self.day.pull_out[h, a] if out else self.day.pull_in[a, h])

    def key_of(self, plan: Sequence[tuple[Sequence[int], int]]) -> tuple[int, int]:
        """Optional trips left out, then deadhead: lower is better."""
        ridden = sum(int(self.optional[a]) for chain, _ in plan for a in chain)
        return int(self.optional.sum()) - ridden, self.cost_of(plan)

    def cost_of(self, plan: Sequence[tuple[Sequence[int], int]]) -> int:
        """The deadhead of a plan given as chains with their homes, pulls included."""
        total = 0
        for chain, h in plan:
            total += self.leave_cost[chain[0], h] + self.return_cost[chain[-1], h]
            total += sum(int(self.day.drive[a, b]) for a, b in pairwise(chain))
        return total

    def penalty_of(self, plan: Sequence[tuple[Sequence[int], int]]) -> int:
        """What a plan costs the stable week (0 without one)."""
        total = 0
        for chain, h in plan:
            total += sum(self.arc_penalty.get((a, b, h), 0) for a, b in pairwise(chain))
            total += sum(self.home_penalty.get((a, h), 0) for a in chain)
        return total


def lp_support(setting: _Setting, keys: Sequence[Key]) -> list[Key]:
    """The connections (with homes) that an optimal solution of the linear relaxation uses,
    plus the current plan's: for vehicle scheduling a small set that holds good plans, on
    which CP-SAT then searches far faster than on every candidate."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    flow = _Flow(setting, keys, lambda: lp.NumVar(0, 1, ""), lp.Add)
    lp.Minimize(flow.objective)
    current = {(a, b, h) for chain, h in setting.incumbent for a, b in pairwise(chain)}
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return list(keys)
    near = {
        (a, b)
        for (a, b, _), v in flow.use.items()
        if v.solution_value() > 1e-6 or v.reduced_cost() <= REDUCED_COST_S
    }
    return [key for key in flow.use if key[:2] in near or key in current]


class _Model:
    """The flow as a CP-SAT model, hinted with a plan and solved within an effort."""

    def __init__(self, setting: _Setting, keys: Sequence[Key], duty: Duty | None) -> None:
        m = self.model = cp_model.CpModel()
        self.flow = _Flow(setting, keys, lambda: m.new_bool_var(""), m.add)
        if duty is not None and duty.max_spread_s is not None:
            self._spread(duty.max_spread_s)
        if duty is not None and duty.max_drive_s is not None:
            self._driving(duty.max_drive_s)
        m.minimize(self.flow.objective)

    def _spread(self, limit: int) -> None:
        """Each trip and home carries the time its bus left the depot, no later than the first
        trip's start less its pull-out and handed on along each connection; a bus's last trip
        ends, with its pull-in, within `limit` of it. Without it the spread, the limit that
        breaks most chains, cost a round per few chains forbidden."""
        m, flow, day = self.model, self.flow, self.flow.day
        left = {
            (a, h): m.new_int_var(day.trips[a].start_s - limit, day.trips[a].start_s, "")
            for a, h in flow.first
        }
        for (a, h), v in flow.first.items():
            m.add(left[a, h] <= day.trips[a].start_s - flow.leave_cost[a, h]).only_enforce_if(v)
        for (a, b, h), v in flow.use.items():
            m.add(left[b, h] <= left[a, h]).only_enforce_if(v)
        for (a, h), v in flow.last.items():
            finish = day.trips[a].end_s + flow.return_cost[a, h]
            m.add(left[a, h] >= finish - limit).only_enforce_if(v)

    def _driving(self, limit: int) -> None:
        """Each trip and home carries the driving of its bus up to the trip's end, pull-out
        included; with the pull-in it stays within `limit`."""
        m, flow, day = self.model, self.flow, self.flow.day
        length = [p.end_s - p.start_s for p in day.trips]
        driven = {(a, h): m.new_int_var(length[a], limit, "") for a, h in flow.first}
        for (a, h), v in flow.first.items():
            m.add(driven[a, h] >= flow.leave_cost[a, h] + length[a]).only_enforce_if(v)
        for (a, b, h), v in flow.use.items():
            step = int(day.drive[a, b]) + length[b]
            m.add(driven[b, h] >= driven[a, h] + step).only_enforce_if(v)
        for (a, h), v in flow.last.items():
            m.add(driven[a, h] + flow.return_cost[a, h] <= limit).only_enforce_if(v)

    def solve(self, hint: Plan, effort: float, deadline: float) -> Plan | None:
        m, flow = self.model, self.flow
        m.clear_hints()  # type: ignore[no-untyped-call]
        used = {(a, b, h) for chain, h in hint for a, b in pairwise(chain)}
        firsts = {(chain[0], h) for chain, h in hint}
        lasts = {(chain[-1], h) for chain, h in hint}
        for key, v in flow.use.items():
            m.add_hint(v, key in used)
        for end, v in flow.first.items():
            m.add_hint(v, end in firsts)
        for end, v in flow.last.items():
            m.add_hint(v, end in lasts)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = 2
        solver.parameters.max_deterministic_time = effort
        solver.parameters.max_time_in_seconds = max(deadline - time.monotonic(), 0.1)
        if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        plan = []
        for (a, h), v in flow.first.items():
            if not solver.boolean_value(v):
                continue
            chain = [a]
            while True:
                onward = flow.successors.get((chain[-1], h), [])
                nxt = [b for b, u in onward if solver.boolean_value(u)]
                if not nxt:
                    break
                chain.append(nxt[0])
            plan.append((chain, h))
        return sorted(plan)

    def forbid(self, stretch: Sequence[int], home: int) -> None:
        """No bus of this home running this stretch of trips again, one after another."""
        flow = self.flow
        self.model.add_bool_or([~flow.use[a, b, home] for a, b in pairwise(stretch)])
