"""Choosing the travel times of a run, with one rule for every entry point (CLI, API, jobs).

1. The problem's own matrix when it carries one.
2. Else OSRM when a server is configured: cached answers first, the rest from the server.
3. Else the built-in estimate.

The estimate replaces road times only when the server is unreachable and the settings allow
it, and the report then counts, per day, the connections it covers. Otherwise an unreachable
server is a `TravelTimesUnavailable` error, and a refusal by the server an `OsrmError`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from busplan.core.model import Problem
from busplan.core.travel import (
    UNREACHABLE,
    EstimatedTravel,
    EstimateSettings,
    MatrixTravel,
    TravelTimes,
    trip_end,
    trip_start,
)
from busplan.routing.cache import CacheStats, TravelCache, namespace, open_cache
from busplan.routing.config import RoutingConfig
from busplan.routing.durations import route_durations
from busplan.routing.errors import OsrmError, OsrmUnavailable, TravelTimesUnavailable
from busplan.routing.matrix import cached_table, fill_from_server
from busplan.routing.osrm import OsrmClient, location
from busplan.routing.report import TravelReport, connections_per_day


@dataclass(frozen=True)
class Prepared:
    """A problem ready to solve: durations as configured, its travel times, and their report."""

    problem: Problem
    travel: TravelTimes
    report: TravelReport


def travel_for(
    problem: Problem,
    config: RoutingConfig,
    *,
    estimate: EstimateSettings | None = None,
    cache: TravelCache | None = None,
) -> tuple[TravelTimes, TravelReport]:
    """Travel times for `problem` under `config` (trip durations as the problem has them)."""
    prepared = prepare(
        problem, replace(config, duration_source="timetable"), estimate=estimate, cache=cache
    )
    return prepared.travel, prepared.report


def prepare(
    problem: Problem,
    config: RoutingConfig,
    *,
    estimate: EstimateSettings | None = None,
    cache: TravelCache | None = None,
) -> Prepared:
    """Trip durations (timetable or Route service) and travel times for `problem`.

    `cache` defaults to the one configured (opened and closed here).
    """
    if config.duration_source == "route" and not config.url:
        raise TravelTimesUnavailable("trip durations from the Route service need OSRM_URL")
    if not config.url or (problem.travel_s is not None and config.duration_source == "timetable"):
        return _without_router(problem, estimate)
    own = cache is None
    store = cache if cache is not None else open_cache(config)
    try:
        with OsrmClient(config) as client:
            return _with_router(problem, config, client, store, estimate or EstimateSettings())
    finally:
        if own:
            store.close()


def _without_router(problem: Problem, estimate: EstimateSettings | None) -> Prepared:
    n = len(problem.trips)
    if problem.travel_s is not None:
        total, guessed = connections_per_day(problem, np.zeros((n, n), bool))
        return Prepared(
            problem, MatrixTravel(problem.travel_s), TravelReport("problem", total, guessed)
        )
    total, guessed = connections_per_day(problem, np.ones((n, n), bool))
    travel = EstimatedTravel(problem, estimate or EstimateSettings())
    return Prepared(problem, travel, TravelReport("estimate", total, guessed))


def _with_router(
    problem: Problem,
    config: RoutingConfig,
    client: OsrmClient,
    cache: TravelCache,
    estimate: EstimateSettings,
) -> Prepared:
    before = replace(cache.stats)
    reported, version, offline = _data_version(problem, config, client, cache)
    ns = namespace(config.server, config.profile, version)
    online = None if offline else client

    duration_warning: str | None = None
    changed = 0
    if config.duration_source == "route":
        try:
            problem, changed = route_durations(problem, online, cache, ns, config.dwell_s)
        except OsrmUnavailable as exc:
            why = offline or str(exc)
            if not config.allow_fallback:
                raise TravelTimesUnavailable(_disallowed("trip durations", config, why)) from None
            duration_warning = f"trip durations are from the timetable, not the road: {why}"
    reason: str | None = None

    if problem.travel_s is not None:
        travel_s = np.asarray(problem.travel_s, np.int64)
        estimated = np.zeros(travel_s.shape, bool)
    else:
        server: OsrmClient | str = client if offline is None else offline
        travel_s, estimated, reason = _road_matrix(problem, config, server, cache, ns, reported)
        if reason is not None:
            travel_s = _patch_with_estimate(problem, travel_s, estimated, estimate)
    total, guessed = connections_per_day(problem, estimated)
    report = TravelReport(
        source="problem" if problem.travel_s is not None else "osrm",
        connections=total,
        estimated=guessed,
        fallback_reason=reason if any(guessed.values()) else None,
        server=config.server,
        profile=config.profile,
        data_version=version,
        requests=dict(client.requests),
        cache=_delta(cache.stats, before),
        duration_source="route"
        if config.duration_source == "route" and not duration_warning
        else "timetable",
        durations_changed=changed,
        duration_warning=duration_warning,
    )
    return Prepared(problem, MatrixTravel(travel_s), report)


def _data_version(
    problem: Problem, config: RoutingConfig, client: OsrmClient, cache: TravelCache
) -> tuple[str | None, str, str | None]:
    """(version the server reports, version keying the cache, why the server is offline).

    An offline server's version is the last one it reported, so that a full cache still
    serves the run; a server that refuses the probe is asked again by the real requests.
    """
    server = f"{config.server}|{config.profile}"
    placed = [t for t in problem.trips if t.end is not None or t.stops]
    if not placed:  # a problem with its own matrix and no coordinates: nothing to route
        return None, config.data_version, None
    try:
        reported = client.data_version(location(trip_end(placed[0])))
    except OsrmUnavailable as exc:
        return None, cache.last_version(server) or config.data_version, str(exc)
    except OsrmError:
        return None, config.data_version, None
    version = reported or config.data_version
    cache.remember_version(server, version)
    return reported, version, None


def _road_matrix(
    problem: Problem,
    config: RoutingConfig,
    server: OsrmClient | str,
    cache: TravelCache,
    ns: str,
    reported: str | None,
) -> tuple[NDArray[np.int64], NDArray[np.bool_], str | None]:
    """Trip x trip seconds from the deduplicated location table, the mask of cells the server
    could not give, and why. `server` is the client, or why the server is offline."""
    ends = [location(trip_end(t)) for t in problem.trips]
    starts = [location(trip_start(t)) for t in problem.trips]
    table = cached_table(sorted(set(ends)), sorted(set(starts)), cache, ns)
    if isinstance(server, OsrmClient):
        try:
            fill_from_server(table, server, cache, ns, reported)
        except OsrmError as exc:
            raise _with_trips(exc, problem) from None
    else:
        table.unavailable = server
    unknown = table.unknown
    reason = table.unavailable or "the server is unreachable"
    if unknown.any() and not config.allow_fallback:
        pairs = f"{int(unknown.sum())} of {unknown.size} location pairs have no road time"
        raise TravelTimesUnavailable(_disallowed(pairs, config, reason))
    row = {loc: n for n, loc in enumerate(table.ends)}
    col = {loc: n for n, loc in enumerate(table.starts)}
    rows = np.array([row[e] for e in ends])
    cols = np.array([col[s] for s in starts])
    seconds = table.seconds[np.ix_(rows, cols)]
    known = np.isfinite(seconds)
    out = np.full(seconds.shape, UNREACHABLE, np.int64)
    out[known] = np.ceil(seconds[known]).astype(np.int64)
    estimated = np.isnan(seconds)
    return out, estimated, reason if estimated.any() else None


def _with_trips(exc: OsrmError, problem: Problem) -> OsrmError:
    """Name the trips at the location a refusal is about, so the user knows what to fix."""
    if exc.where is None:
        return exc
    ids = [
        t.id for t in problem.trips if exc.where in (location(trip_start(t)), location(trip_end(t)))
    ]
    lat, lon = exc.where
    more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
    where = f"{exc.message} (at {lat:.5f}, {lon:.5f}: trip {', '.join(ids[:5])}{more})"
    return OsrmError(exc.code, where, exc.hint, exc.where)


def _patch_with_estimate(
    problem: Problem,
    travel_s: NDArray[np.int64],
    estimated: NDArray[np.bool_],
    estimate: EstimateSettings,
) -> NDArray[np.int64]:
    everyone = range(len(problem.trips))
    guess = EstimatedTravel(problem, estimate).matrix(everyone, everyone)
    return np.where(estimated, guess, travel_s)


def _disallowed(what: str, config: RoutingConfig, reason: str) -> str:
    return (
        f"OSRM at {config.server} is unreachable ({reason}); {what} cannot be had from the road "
        "network and the fallback to the straight-line estimate is disabled "
        "(OSRM_FALLBACK=1 allows it, with a warning)"
    )


def _delta(after: CacheStats, before: CacheStats) -> CacheStats:
    return CacheStats(
        after.hits - before.hits, after.misses - before.misses, after.writes - before.writes
    )
