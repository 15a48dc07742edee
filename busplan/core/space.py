"""The trips one solve works on: their travel table, vehicle intervals and nearest depots.

`TripSpace` splits a day into the parts no bus can mix and builds each part's `Connections`,
with the pairs that may share a bus (same operator, same contract when contracts are kept apart,
a common vehicle size, a pair that alone keeps within the duty limits) and each trip's pull-out
and pull-in from its nearest usable depot, so that deadhead costs count the drives to and from
the depot as a relaxation (each end of a bus at its cheapest depot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from busplan.core.connections import BoolArray, Connections, IntArray, Table, compact
from busplan.core.duty_model import DayLimits
from busplan.core.model import Problem
from busplan.core.rules import bus_key, depots_for
from busplan.core.seats import Interval, compatible_pairs, components
from busplan.core.travel import UNREACHABLE, DepotTravel

Pulls = tuple[IntArray, IntArray]
"""Per trip of the problem: seconds from its nearest usable depot, and back to one."""


def home_pulls(problem: Problem, depots: DepotTravel) -> Pulls | None:
    """Per depot and trip, the pull-out (depots x trips) and pull-in (trips x depots) seconds,
    `UNREACHABLE` where the depot may not base the trip's bus."""
    if not problem.depots:
        return None
    usable = np.zeros((len(problem.depots), len(problem.trips)), np.bool_)
    for k, trip in enumerate(problem.trips):
        usable[depots_for(problem, trip), k] = True
    out = np.where(usable, depots.out_s, UNREACHABLE).astype(np.int64)
    back = np.where(usable.T, depots.in_s, UNREACHABLE).astype(np.int64)
    return out, back


def nearest_pulls(homes: Pulls | None) -> Pulls | None:
    """Each trip's cheapest pull-out and pull-in over the depots that may base its bus (0 for a
    trip no depot may base: it is never planned)."""
    if homes is None:
        return None
    out, back = homes[0].min(axis=0), homes[1].min(axis=1)
    return np.where(out < UNREACHABLE, out, 0), np.where(back < UNREACHABLE, back, 0)


@dataclass
class TripSpace:
    problem: Problem
    trips: list[int]
    """Problem trip indices that some bus can run, in the order of `matrix`."""
    matrix: Table
    """Driving seconds between those trips (32-bit when they fit)."""
    intervals: Sequence[Interval]
    """Vehicle sizes per problem trip (narrowed to the owned sizes when a fleet is given)."""
    homes: Pulls | None
    """See `home_pulls`."""
    pulls: Pulls | None = field(init=False)
    """Each trip's nearest pull-out and pull-in (`nearest_pulls`)."""
    position: dict[int, int] = field(init=False)

    def __post_init__(self) -> None:
        self.position = {k: p for p, k in enumerate(self.trips)}
        self.pulls = nearest_pulls(self.homes)
        self.matrix = compact(self.matrix)

    def parts(self, day_trips: Sequence[int]) -> list[list[int]]:
        """The day's trips that a bus can run, split where no bus could mix them."""
        by_key: dict[tuple[str, str], list[int]] = {}
        for k in day_trips:
            if k in self.position:
                by_key.setdefault(bus_key(self.problem, self.problem.trips[k]), []).append(k)
        out = []
        for _, trips in sorted(by_key.items()):
            for component in components([self.intervals[k] for k in trips]):
                out.append([trips[p] for p in component])
        return out

    def connections(self, trips: Sequence[int]) -> Connections:
        where = [self.position[k] for k in trips]
        allowed = compatible_pairs([self.intervals[k] for k in trips]) & self._duty_pairs(trips)
        pulls = None
        if self.pulls is not None:
            pulls = (self.pulls[0][list(trips)], self.pulls[1][list(trips)])
        return Connections.build(
            self.problem, trips, self.matrix[np.ix_(where, where)], allowed, pulls
        )

    def release(self) -> None:
        """Drop the trip-by-trip table once every part's connections are built: only the week
        planner reads it afterwards (at 20,000 trips it is 1.3 GB of the peak)."""
        self.matrix = np.zeros((0, 0), np.int32)

    def limits(self, trips: Sequence[int]) -> DayLimits | None:
        """The duty limits for a group of trips, or None when spread and driving are free."""
        duty = self.problem.settings.duty
        if duty.max_spread_s is None and duty.max_drive_s is None:
            return None
        if self.pulls is None:
            zero = np.zeros(len(trips), np.int64)
            return DayLimits(duty, zero, zero)
        assert self.homes is not None
        at = list(trips)
        homes = (self.homes[0][:, at], self.homes[1][at, :])
        return DayLimits(duty, self.pulls[0][at], self.pulls[1][at], homes)

    def _duty_pairs(self, trips: Sequence[int]) -> BoolArray:
        """Pairs i -> j that a bus could run within the duty limits, judged by the two trips
        alone at their most favourable shifts: a necessary condition, so the bound stays valid
        (pull-out and pull-in are left out, as a bus may reach i by another way)."""
        duty = self.problem.settings.duty
        n = len(trips)
        ok = np.ones((n, n), np.bool_)
        if duty.max_spread_s is None and duty.max_drive_s is None:
            return ok
        ts = [self.problem.trips[k] for k in trips]
        windows = [self.problem.window(t) for t in ts]
        latest_start = np.array([t.base_start + w.latest for t, w in zip(ts, windows, strict=True)])
        earliest_end = np.array([t.base_end + w.earliest for t, w in zip(ts, windows, strict=True)])
        if duty.max_spread_s is not None:
            ok &= earliest_end[None, :] - latest_start[:, None] <= duty.max_spread_s
        if duty.max_drive_s is not None:
            where = [self.position[k] for k in trips]
            drive = np.array([t.duration_s for t in ts])
            between = self.matrix[np.ix_(where, where)]
            ok &= drive[:, None] + between + drive[None, :] <= duty.max_drive_s
        return ok
