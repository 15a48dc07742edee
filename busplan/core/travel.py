"""Travel times between trips: the seam between the optimizer and whatever knows the roads.

The solver asks one question: how many seconds from the end of trip i to the start of trip j.
Answers come from the problem's own matrix, from the built-in estimate below, or from a road
router (`busplan.routing`), all behind the `TravelTimes` protocol.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from busplan.core.model import Point, Problem, Trip

UNREACHABLE = 10**9
"""Seconds standing for "no road connects these places": never a feasible connection."""

EARTH_RADIUS_KM = 6371.0


class TravelTimes(Protocol):
    """Driving seconds from the end of each trip in `sources` to the start of each in `targets`
    (problem trip indices); `UNREACHABLE` where no road connects them."""

    def matrix(self, sources: Sequence[int], targets: Sequence[int]) -> NDArray[np.int64]: ...


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


@dataclass(frozen=True)
class EstimatedTravel:
    """The built-in estimate from trip coordinates (see `EstimateSettings`)."""

    problem: Problem
    settings: EstimateSettings = EstimateSettings()

    def matrix(self, sources: Sequence[int], targets: Sequence[int]) -> NDArray[np.int64]:
        trips = self.problem.trips
        ends = np.array([[p.lat, p.lon] for p in (trip_end(trips[i]) for i in sources)], float)
        starts = np.array([[p.lat, p.lon] for p in (trip_start(trips[j]) for j in targets)], float)
        km = haversine_km(ends.reshape(-1, 2), starts.reshape(-1, 2))
        minutes = np.ceil(km * self.settings.detour_factor / self.settings.speed_kmh * 60.0 - 1e-9)
        return (minutes.astype(np.int64) * 60).reshape(len(sources), len(targets))


def default_travel(problem: Problem, estimate: EstimateSettings | None = None) -> TravelTimes:
    """The problem's own matrix when it has one, else the built-in estimate."""
    if problem.travel_s is not None:
        return MatrixTravel(problem.travel_s)
    return EstimatedTravel(problem, estimate or EstimateSettings())
