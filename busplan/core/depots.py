"""Depot-aware deadhead: a day's connections and each bus's depot chosen together.

The flows and searches that build a day's chains charge each end of a bus its nearest usable
depot, a relaxation: a chain may start near one depot and end near another, which a real bus,
returning to the depot it left, cannot. This stage takes the day's buses as they stand (times
and bus count fixed) and re-chooses, in one CP-SAT model, which trip follows which and what
each bus is based on (a *home*: fleet entry and depot, or a depot), paying the real pull-out
and pull-in of that home:

- a Boolean per candidate connection (each trip's cheapest and tightest successors, plus every
  connection of the current plan, so the current plan is always a solution and is the hint);
- a one-hot home per trip, the same along every used connection; a trip may take only the
  homes whose vehicle and depot may run it;
- a chain starts where no connection enters a trip and ends where none leaves it; each start
  and end is charged the pull-out and pull-in of its trip's home;
- at most as many chains as today's buses, at most `limit` chains per home, at most `room`
  per depot;
- minimize pull-out + deadhead + pull-in; in a stable week, with no more connections between
  trips the other days run on different buses, nor trips away from their bus's vehicle, than
  the current plan has.

Rules that no linear constraint states (duty limits, one vehicle size fitting a whole chain)
are checked on each solution's chains: a chain that breaks one is forbidden by a clause and the
model solved again, a few rounds at most; a plan that still breaks one is never returned.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
from ortools.sat.python import cp_model

from busplan.core.connections import BoolArray, IntArray
from busplan.core.solution import PlannedTrip

Run = tuple[PlannedTrip, ...]
NEIGHBOURS = 10
"""Candidate successors kept per trip by drive and, separately, by how tightly they follow."""
ROUNDS = 6
"""Times the model is solved again after forbidding chains that break a rule it cannot state."""


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
) -> list[tuple[Run, int]] | None:
    """Today's buses (trip positions in `day`, per run) re-chained with their homes: chains
    with the home of each, or None when nothing better than the current plan was found."""
    model = _Model(day, homes, runs, run_home, stability)
    incumbent = [(list(r), h) for r, h in zip(runs, run_home, strict=True)]
    best_cost = model.cost_of(incumbent)
    best: list[tuple[list[int], int]] | None = None
    hint = incumbent
    for _ in range(ROUNDS):
        found = model.solve(hint, effort, deadline)
        if found is None:
            break
        broken = [(chain, h) for chain, h in found if not valid(_run(day, chain), h)]
        if not broken:
            if model.cost_of(found) < best_cost:
                best = found
            break
        for chain, h in broken:
            model.forbid(chain, h)
    if best is None:
        return None
    return [(_run(day, chain), h) for chain, h in best]


def _run(day: DayTrips, chain: Sequence[int]) -> Run:
    drives = [0] + [int(day.drive[a, b]) for a, b in pairwise(chain)]
    return tuple(replace(day.trips[k], deadhead_s=d) for k, d in zip(chain, drives, strict=True))


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


class _Model:
    """A multi-commodity flow, one commodity per home: a bus of home h runs its chain along
    arcs of commodity h from a start to an end of that commodity. Its linear relaxation is
    tight for vehicle scheduling, which lets CP-SAT's LP prove small days optimal."""

    def __init__(
        self,
        day: DayTrips,
        homes: Homes,
        runs: Sequence[Sequence[int]],
        run_home: Sequence[int],
        stability: Stability | None,
    ) -> None:
        n = len(day.trips)
        self.day, self.homes = day, homes
        self.arcs = candidates(day, runs)
        m = self.model = cp_model.CpModel()
        ok = day.allowed
        self.use = {
            (a, b, h): m.new_bool_var("")
            for a, b in self.arcs
            for h in np.nonzero(ok[a] & ok[b])[0].tolist()
        }
        self.first = {
            (int(a), int(h)): m.new_bool_var("") for a, h in zip(*np.nonzero(ok), strict=True)
        }
        self.last = {key: m.new_bool_var("") for key in self.first}
        into: dict[tuple[int, int], list[cp_model.IntVar]] = {key: [] for key in self.first}
        onward: dict[tuple[int, int], list[cp_model.IntVar]] = {key: [] for key in self.first}
        self.successors: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = {}
        for (a, b, h), v in self.use.items():
            onward[a, h].append(v)
            into[b, h].append(v)
            self.successors.setdefault((a, h), []).append((b, v))
        self.homes_of: list[list[int]] = [[] for _ in range(n)]
        for a, h in self.first:
            self.homes_of[a].append(h)
        self.runs_on: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for a in range(n):
            m.add_exactly_one(
                [v for h in self.homes_of[a] for v in (self.first[a, h], *into[a, h])]
            )
            for h in self.homes_of[a]:
                self.runs_on[a, h] = [self.first[a, h], *into[a, h]]
                m.add(sum(self.runs_on[a, h]) == self.last[a, h] + sum(onward[a, h]))
        m.add(sum(self.first.values()) <= len(runs))
        for h, limit in enumerate(homes.limit):
            if limit is not None:
                m.add(sum(v for (_, k), v in self.first.items() if k == h) <= limit)
        for depot, room in homes.room.items():
            m.add(sum(v for (_, k), v in self.first.items() if homes.depot[k] == depot) <= room)
        self.arc_cost = {key: int(day.drive[key[0], key[1]]) for key in self.use}
        self.leave_cost = {key: self._pull(key, out=True) for key in self.first}
        self.return_cost = {key: self._pull(key, out=False) for key in self.last}
        self.arc_penalty: dict[tuple[int, int, int], int] = {}
        self.home_penalty: dict[tuple[int, int], int] = {}
        if stability is not None:
            self.arc_penalty = {k: int(stability.arc[k[0], k[1]]) for k in self.use}
            self.home_penalty = {k: int(stability.home[k]) for k in self.first}
            incumbent = [(list(r), h) for r, h in zip(runs, run_home, strict=True)]
            m.add(
                sum(c * self.use[key] for key, c in self.arc_penalty.items() if c)
                + sum(c * v for key, c in self.home_penalty.items() if c for v in self.runs_on[key])
                <= self.penalty_of(incumbent)
            )
        m.minimize(
            sum(c * self.use[key] for key, c in self.arc_cost.items() if c)
            + sum(c * self.first[key] for key, c in self.leave_cost.items() if c)
            + sum(c * self.last[key] for key, c in self.return_cost.items() if c)
        )

    def _pull(self, key: tuple[int, int], out: bool) -> int:
        a, h = key
        if self.homes.depot[h] is None:
            return 0
        return int(self.day.pull_out[h, a] if out else self.day.pull_in[a, h])

    def cost_of(self, plan: Sequence[tuple[Sequence[int], int]]) -> int:
        """The deadhead of a plan given as chains with their homes, pulls included."""
        total = 0
        for chain, h in plan:
            total += self.leave_cost[chain[0], h] + self.return_cost[chain[-1], h]
            total += sum(self.arc_cost[a, b, h] for a, b in pairwise(chain))
        return total

    def penalty_of(self, plan: Sequence[tuple[Sequence[int], int]]) -> int:
        """What a plan costs the stable week (0 without one)."""
        total = 0
        for chain, h in plan:
            total += sum(self.arc_penalty.get((a, b, h), 0) for a, b in pairwise(chain))
            total += sum(self.home_penalty.get((a, h), 0) for a in chain)
        return total

    def solve(
        self, hint: Sequence[tuple[Sequence[int], int]], effort: float, deadline: float
    ) -> list[tuple[list[int], int]] | None:
        m = self.model
        m.clear_hints()  # type: ignore[no-untyped-call]
        used = {(a, b, h) for chain, h in hint for a, b in pairwise(chain)}
        firsts = {(chain[0], h) for chain, h in hint}
        lasts = {(chain[-1], h) for chain, h in hint}
        for arc, v in self.use.items():
            m.add_hint(v, arc in used)
        for end, v in self.first.items():
            m.add_hint(v, end in firsts)
        for end, v in self.last.items():
            m.add_hint(v, end in lasts)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = 2
        solver.parameters.max_deterministic_time = effort
        solver.parameters.max_time_in_seconds = max(deadline - time.monotonic(), 0.1)
        if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        plan = []
        for (a, h), v in self.first.items():
            if not solver.boolean_value(v):
                continue
            chain = [a]
            while True:
                nxt = [
                    b for b, u in self.successors.get((chain[-1], h), []) if solver.boolean_value(u)
                ]
                if not nxt:
                    break
                chain.append(nxt[0])
            plan.append((chain, h))
        return sorted(plan)

    def forbid(self, chain: Sequence[int], home: int) -> None:
        """No bus of this home running exactly this chain again."""
        clause = [~self.use[a, b, home] for a, b in pairwise(chain)]
        clause += [~self.first[chain[0], home], ~self.last[chain[-1], home]]
        self.model.add_bool_or(clause)
