"""Travel times between trips: the seam between the optimizer and whatever knows the roads.

The solver asks one question: how many seconds from the end of trip i to the start of trip j.
Answers come from the problem's own matrix, from the built-in estimate below, or from a road
router (`busplan.routing`), all behind the `TravelTimes` protocol.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from busplan.core.model import Point, Problem, Trip

UNREACHABLE = 10**9
"""Seconds standing for "no road connects these places": never a feasible connection. It fits
a 32-bit integer, the type of the solver's travel tables (`Seconds32`)."""

Seconds = NDArray[np.signedinteger[Any]]
"""Driving seconds, 32- or 64-bit: the estimate answers in 32 bits, half the memory of a
trip-by-trip table (10,000 trips: 400 MB instead of 800 MB)."""
Seconds32 = NDArray[np.int32]

BLOCK_CELLS = 1 << 21
"""Cells of the estimate computed at once: its float temporaries stay a few tens of MB however
large the table, where one pass over 10,000 x 10,000 trips needed about 3 GB."""

EARTH_RADIUS_KM = 6371.0


class TravelTimes(Protocol):
    """Driving seconds from the end of each trip in `sources` to the start of each in `targets`
    (problem trip indices); `UNREACHABLE` where no road connects them."""

    def matrix(self, sources: Sequence[int], targets: Sequence[int]) -> Seconds: ...


@dataclass(frozen=True)
class MatrixTravel:
    """The explicit matrix a problem carries."""

    travel_s: NDArray[np.int64]

    def matrix(self, sources: Sequence[int], targets: Sequence[int]) -> NDArray[np.int64]:
        rows, cols = np.asarray(sources, int), np.asarray(targets, int)
        return np.asarray(self.travel_s[np.ix_(rows, cols)], np.int64)


@dataclass(frozen=True)
class EstimateSettings:
    """Straight-line distance times a detour factor, driven at a constant speed.

    The defaults (1.35 road km per straight km, 35 km/h) fit urban and suburban school routes;
    results are rounded up to the whole minute, since the estimate has no sub-minute precision
    and erring long keeps connections feasible on the road.
    """

    detour_factor: float = 1.35
    speed_kmh: float = 35.0

    def seconds(self, km: NDArray[np.float64]) -> NDArray[np.int64]:
        """Straight-line km to estimated driving seconds (whole minutes, rounded up)."""
        return np.asarray(self.minutes(km), np.int64) * 60

    def minutes(self, km: NDArray[np.float64]) -> NDArray[np.float64]:
        """Whole estimated minutes, as floats (computed in place on `km`'s own buffer when
        it is a temporary the caller no longer needs)."""
        out = np.multiply(km, self.detour_factor)
        out /= self.speed_kmh
        out *= 60.0
        out -= 1e-9
        return np.ceil(out, out=out)

    def __post_init__(self) -> None:
        if not (self.detour_factor >= 1.0 and math.isfinite(self.detour_factor)):
            raise ValueError("detour factor must be a finite number of at least 1")
        if not (self.speed_kmh > 0 and math.isfinite(self.speed_kmh)):
            raise ValueError("speed must be a positive number of km/h")


def trip_start(trip: Trip) -> Point:
    if trip.start is not None:
        return trip.start
    if trip.stops:
        return trip.stops[0].point
    raise ValueError(f"trip {trip.id} has no start location")


def trip_end(trip: Trip) -> Point:
    if trip.end is not None:
        return trip.end
    if trip.stops:
        return trip.stops[-1].point
    raise ValueError(f"trip {trip.id} has no end location")


def haversine_km(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle km between every row of `a` and every row of `b` ([lat, lon] degrees)."""
    la1, lo1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
    la2, lo2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), float)


def estimated_seconds(
    ends: NDArray[np.float64], starts: NDArray[np.float64], settings: EstimateSettings
) -> Seconds32:
    """The estimate from every row of `ends` to every row of `starts`, as 32-bit seconds,
    computed a block of rows at a time (the same numbers as one pass, in less memory)."""
    out = np.empty((len(ends), len(starts)), np.int32)
    rows = max(1, BLOCK_CELLS // max(len(starts), 1))
    for top in range(0, len(ends), rows):
        block = settings.minutes(haversine_km(ends[top : top + rows], starts))
        block *= 60.0
        out[top : top + rows] = block
    return out


@dataclass(frozen=True)
class EstimatedTravel:
    """The built-in estimate from trip coordinates (see `EstimateSettings`)."""

    problem: Problem
    settings: EstimateSettings = EstimateSettings()

    def matrix(self, sources: Sequence[int], targets: Sequence[int]) -> Seconds32:
        trips = self.problem.trips
        ends = np.array([[p.lat, p.lon] for p in (trip_end(trips[i]) for i in sources)], float)
        starts = np.array([[p.lat, p.lon] for p in (trip_start(trips[j]) for j in targets)], float)
        return estimated_seconds(ends.reshape(-1, 2), starts.reshape(-1, 2), self.settings)


def default_travel(problem: Problem, estimate: EstimateSettings | None = None) -> TravelTimes:
    """The problem's own matrix when it has one, else the built-in estimate."""
    if problem.travel_s is not None:
        return MatrixTravel(problem.travel_s)
    return EstimatedTravel(problem, estimate or EstimateSettings())


@dataclass(frozen=True)
class DepotTravel:
    """Pull-out and pull-in seconds: `out_s[d, j]` from depot d to the start of trip j,
    `in_s[i, d]` from the end of trip i back to depot d (orders of `depots` and `trips`)."""

    out_s: NDArray[np.int64]
    in_s: NDArray[np.int64]


def depot_travel(problem: Problem, estimate: EstimateSettings | None = None) -> DepotTravel:
    """The problem's own depot matrices when it has them, else the built-in estimate from the
    depots' coordinates (the same estimate as between trips)."""
    n, d = len(problem.trips), len(problem.depots)
    if problem.depot_out_s is not None and problem.depot_in_s is not None:
        return DepotTravel(problem.depot_out_s, problem.depot_in_s)
    if d == 0:
        return DepotTravel(np.zeros((0, n), np.int64), np.zeros((n, 0), np.int64))
    settings = estimate or EstimateSettings()
    places = []
    for depot in problem.depots:
        if depot.point is None:
            raise ValueError(f"depot {depot.id} has no coordinates and the problem no depot times")
        places.append([depot.point.lat, depot.point.lon])
    here = np.array(places, float)
    starts = np.array([[p.lat, p.lon] for p in map(trip_start, problem.trips)], float)
    ends = np.array([[p.lat, p.lon] for p in map(trip_end, problem.trips)], float)
    return DepotTravel(
        settings.seconds(haversine_km(here, starts)), settings.seconds(haversine_km(ends, here))
    )
