"""A bound on buses with at most K bells moved: leave the moved bells' trips out, bound the rest.

Moving a bell moves only its own trips: every other trip keeps its time and window. Take any
plan with the bells of a set S of move units moved and leave out S's trips: each bus still runs
the others in order, and two of them that follow each other on a bus are *linked*: by a
connection possible for some shifts in their windows, or by one through moved trips between
them, which may run at any time (`linked`). So the buses are at least the fewest paths covering
the kept trips along links: the kept trips less a maximum matching of their links (as in
`bounds.fleet_lower_bound`). The least of that over every S of at most K units is a bound:

    buses >= n - max over S (trips of S + a maximum matching of links between trips not in S)

The maximum is a MIP (a Boolean per unit, one per link; a trip is matched at most once each way,
and not at all when its unit is left out). Its LP relaxation (GLOP) is already a bound, within
two buses of the MIP on 230 generated trips; CP-SAT then tightens it while time is left (its
proven bound counts, optimal or not). Two floors cost nothing more: the widest set of trips no
two of which are linked even through chains of links (an antichain, by Dilworth's theorem) less
its trips in the K units holding most of them.

Measured on 230 generated trips (metro), K = 1, 5, 10: 66, 54 and 43 buses, where the plans
need 66, 57 and 51; the antichain floor alone gives 65, 49 and 34, the peak relaxation 45, 33
and 27. With bells that may move half an hour and wide windows the peak relaxation (`peak`) is
the stronger, so the bells curve takes the larger.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ortools.linear_solver import pywraplp
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


class RemovalBound:
    """The bound of the module docstring for a bells curve: built once (the links through
    movable trips take a cubic pass), then asked for each K."""

    def __init__(self, parts: Sequence[PeakPart], buffer_s: int) -> None:
        day_sets = sorted({p.day_set for p in parts})
        self.days = [_Day([p for p in parts if p.day_set == d], buffer_s) for d in day_sets]

    def __call__(self, max_moves: int, run: Runner) -> int:
        """Fewest buses any plan with at most `max_moves` move units moved needs on the
        busiest day; 0 without parts. Each day gets its LP; then CP-SAT tightens the days
        whose LP bound is highest, while time is left."""
        best = max((day.floor(max_moves) for day in self.days), default=0)
        if max_moves == 0 or not self.days:
            return best
        share = run.share(LP_SHARE)
        relaxed = [day.relaxed(max_moves, share.share(1 / (len(self.days) - n)))
                   for n, day in enumerate(self.days)]  # fmt: skip
        best = max(best, *relaxed)
        order = sorted(range(len(self.days)), key=lambda n: (-relaxed[n], n))
        for k, n in enumerate(order):
            best = max(best, self.days[n].exact(max_moves, run.share(1 / (len(order) - k))))
        return best


LP_SHARE = 0.7
"""Of the time for this bound, the most the LP relaxations may take (about a second a day at
1000 trips, building the model included); CP-SAT gets the rest."""


class _Day:
    def __init__(self, parts: Sequence[PeakPart], buffer_s: int) -> None:
        self.parts = parts
        self.links = [
            linked(p.connections, np.array([u is not None for u in p.units]), buffer_s)
            for p in parts
        ]
        self.widest = [set(widest_antichain(reachable(links))) for links in self.links]
        self.trips = sum(len(p.connections) for p in parts)

    def floor(self, max_moves: int) -> int:
        """The widest antichain less its trips in the `max_moves` units holding most of them."""
        counts: dict[int, int] = {}
        for chosen, part in zip(self.widest, self.parts, strict=True):
            for k in chosen:
                unit = part.units[k]
                if unit is not None:
                    counts[unit] = counts.get(unit, 0) + 1
        freed = sum(sorted(counts.values(), reverse=True)[:max_moves])
        return sum(len(a) for a in self.widest) - freed

    def relaxed(self, max_moves: int, run: Runner) -> int:
        """The bound from the LP relaxation of the MIP (0 if it does not solve in time)."""
        solver = pywraplp.Solver.CreateSolver("GLOP")
        units: dict[int, pywraplp.Variable] = {}
        objective = solver.Objective()
        for part, links in zip(self.parts, self.links, strict=True):
            n = len(part.connections)
            leaving = [solver.Constraint(-solver.infinity(), 1) for _ in range(n)]
            arriving = [solver.Constraint(-solver.infinity(), 1) for _ in range(n)]
            for k, unit in enumerate(part.units):
                if unit is None:
                    continue
                if unit not in units:
                    units[unit] = solver.NumVar(0, 1, f"u{unit}")
                var = units[unit]
                leaving[k].SetCoefficient(var, 1)
                arriving[k].SetCoefficient(var, 1)
                objective.SetCoefficient(var, objective.GetCoefficient(var) + 1)
            for i, j in zip(*np.nonzero(links), strict=True):
                link = solver.NumVar(0, 1, "")
                leaving[i].SetCoefficient(link, 1)
                arriving[j].SetCoefficient(link, 1)
                objective.SetCoefficient(link, 1)
        moves = solver.Constraint(0, max_moves)
        for var in units.values():
            moves.SetCoefficient(var, 1)
        objective.SetMaximization()
        if run.lp(solver) != pywraplp.Solver.OPTIMAL:
            return 0
        return int(np.ceil(self.trips - objective.Value() - 1e-6))

    def exact(self, max_moves: int, run: Runner) -> int:
        """The bound CP-SAT proves on the MIP within `run`'s limits (0 if none)."""
        model = cp_model.CpModel()
        units: dict[int, cp_model.IntVar] = {}
        gained: list[cp_model.LinearExprT] = []
        for part, links in zip(self.parts, self.links, strict=True):
            n = len(part.connections)
            leaving: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
            arriving: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
            for i, j in zip(*np.nonzero(links), strict=True):
                link = model.new_bool_var("")
                leaving[i].append(link)
                arriving[j].append(link)
                gained.append(link)
            for k, unit in enumerate(part.units):
                if unit is not None and unit not in units:
                    units[unit] = model.new_bool_var(f"u{unit}")
                free = 1 if unit is None else 1 - units[unit]
                for ends in (leaving[k], arriving[k]):
                    if ends:
                        model.add(sum(ends) <= free)
                if unit is not None:
                    gained.append(units[unit])
        model.add(sum(units.values()) <= max_moves)
        model.maximize(sum(gained))
        solved = run(model)
        if solved.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return 0
        return max(int(np.ceil(self.trips - solved.solver.best_objective_bound - 1e-6)), 0)
