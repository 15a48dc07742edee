"""Trip durations from OSRM's Route service, for timetables that do not reflect the roads.

A trip is driven through its stops in order (or from its start to its end when it lists no
stops); its duration is the route's seconds, rounded up, plus `dwell_s` at every stop between
the first and the last, whose times are the trip's own start and end. Trips without two
distinct points keep their timetable duration.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from busplan.core.model import Problem, Trip
from busplan.routing.cache import Entry, TravelCache, keys
from busplan.routing.errors import OsrmError, OsrmUnavailable
from busplan.routing.osrm import Location, OsrmClient, location

ROUTE_KEY = "route"
"""Cache source key of whole-trip routes; the target key is the trip's points joined by ";"."""


def trip_points(trip: Trip) -> list[Location] | None:
    """The points a trip drives through, or None when it has fewer than two distinct ones."""
    if len(trip.stops) >= 2:
        points = [location(s.point) for s in trip.stops]
    elif trip.start is not None and trip.end is not None:
        points = [location(trip.start), location(trip.end)]
    else:
        return None
    return points if len(set(points)) >= 2 else None


def route_durations(
    problem: Problem, client: OsrmClient | None, cache: TravelCache, ns: str, dwell_s: int
) -> tuple[Problem, int]:
    """The problem with trip durations from the Route service, and how many trips changed.

    `client` None means the server is known to be unreachable: only cached routes can be used.
    Raises `OsrmUnavailable` when routes are missing and the server cannot be reached, and
    `OsrmError` (naming the trip) when it finds no route.
    """
    routes = {i: p for i, t in enumerate(problem.trips) if (p := trip_points(t)) is not None}
    route_keys = {i: ";".join(keys(p)) for i, p in routes.items()}
    known = {
        dst: e for (_, dst), e in cache.get_many(ns, [ROUTE_KEY], list(route_keys.values())).items()
    }
    todo = {key: routes[i] for i, key in route_keys.items() if key not in known}
    if todo and client is None:
        raise OsrmUnavailable(f"{len(todo)} trip route(s) are not cached")
    if todo and client is not None:
        with ThreadPoolExecutor(client.config.concurrency, thread_name_prefix="osrm") as pool:
            answers = dict(zip(todo, pool.map(_route_or_none(client), todo.values()), strict=True))
        fetched: dict[str, Entry] = {key: (s, None) for key, s in answers.items()}
        cache.put_many(ns, {(ROUTE_KEY, key): e for key, e in fetched.items()})
        known.update(fetched)
    trips = list(problem.trips)
    changed = 0
    for i, key in route_keys.items():
        seconds = known[key][0]
        if seconds is None:
            raise OsrmError("NoRoute", f"no road route through the stops of trip {trips[i].id}")
        duration = max(math.ceil(seconds) + dwell_s * (len(routes[i]) - 2), 1)
        if duration != trips[i].duration_s:
            trips[i] = replace(trips[i], duration_s=duration)
            changed += 1
    return replace(problem, trips=tuple(trips)), changed


def _route_or_none(client: OsrmClient) -> Callable[[list[Location]], float | None]:
    """`client.route`, with NoRoute as None (cached as "no road") rather than an exception."""

    def route(points: list[Location]) -> float | None:
        try:
            return client.route(points)
        except OsrmError as exc:
            if exc.code == "NoRoute":
                return None
            raise

    return route
