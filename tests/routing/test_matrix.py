"""Road matrices from the Table service: deduplication, chunking, rounding, caching."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from busplan.core.model import Point, Problem
from busplan.core.travel import UNREACHABLE, MatrixTravel
from busplan.routing import RoutingConfig, SqliteCache, travel_for
from busplan.routing.matrix import blocks
from tests.routing.fake_osrm import FakeOsrm, expected_seconds, road_seconds, school_problem


def distinct(problem: Problem) -> tuple[int, int]:
    ends = {(t.end.lat, t.end.lon) for t in problem.trips if t.end}
    starts = {(t.start.lat, t.start.lon) for t in problem.trips if t.start}
    return len(ends), len(starts)


def test_thousand_trips_use_at_most_the_block_bound_and_rerun_from_cache(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """1000 trips: <= ceil(E/c) x ceil(S/c) tables within the limit; a rerun is all cache."""
    problem = school_problem(1000, schools=40)
    c = 100
    osrm.max_table_size = c
    e, s = distinct(problem)
    # Generous timeouts: a retried request on a busy machine would be counted twice.
    config = replace(config, table_size=c, read_timeout_s=30.0, connect_timeout_s=10.0)
    travel, report = travel_for(problem, config)
    tables = [r for r in osrm.requests if r.service == "table"]
    assert len(tables) <= math.ceil(e / c) * math.ceil(s / c)
    assert all(r.sources <= c and r.destinations <= c for r in tables)
    assert report.requests["table"] == len(tables)
    assert report.cache is not None and report.cache.hits == 0 and report.cache.misses == e * s
    everyone = range(1000)
    np.testing.assert_array_equal(travel.matrix(everyone, everyone), expected_seconds(problem))
    assert report.source == "osrm" and report.estimated_total == 0 and report.warnings == []

    osrm.requests.clear()
    again, second = travel_for(problem, config)
    assert osrm.count("table") == 0
    assert second.cache is not None and second.cache.misses == 0 and second.cache.hits == e * s
    np.testing.assert_array_equal(
        again.matrix(everyone, everyone), travel.matrix(everyone, everyone)
    )


def test_chunk_boundaries_cover_every_pair_exactly_once(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """A table size that does not divide the location counts still gives every pair once."""
    problem = school_problem(61, schools=5, seed=3)
    e, s = distinct(problem)
    osrm.max_table_size = 7
    travel, _ = travel_for(problem, replace(config, table_size=7, concurrency=3))
    assert osrm.count("table") == math.ceil(e / 7) * math.ceil(s / 7)
    assert sum(r.sources * r.destinations for r in osrm.requests if r.service == "table") == e * s
    n = range(len(problem.trips))
    np.testing.assert_array_equal(travel.matrix(n, n), expected_seconds(problem))


def test_only_uncached_pairs_are_requested(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """Adding trips asks only for the new rows and columns, not the whole table again."""
    small = school_problem(40, schools=4, seed=5)
    travel_for(small, config)
    grown = school_problem(44, schools=4, seed=5)
    osrm.requests.clear()
    _, report = travel_for(grown, config)
    asked = sum(r.sources * r.destinations for r in osrm.requests if r.service == "table")
    e, s = distinct(grown)
    assert report.cache is not None and 0 < report.cache.misses < e * s
    assert asked < e * s


def test_blocks_skip_known_tiles_and_trim_to_unknown_rows_and_columns() -> None:
    """A tile with nothing unknown is not asked; a partly known tile asks only its gaps."""
    unknown = np.zeros((5, 5), bool)
    unknown[0, 1] = unknown[3, 4] = True
    assert blocks(unknown, 3) == [([0], [1]), ([3], [4])]


def test_durations_are_rounded_up_never_down(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """369.1 s of road is 370 s in the matrix: flooring would make connections too tight."""
    problem = school_problem(6, schools=2, seed=1)
    travel, _ = travel_for(problem, config)
    trips = problem.trips
    for i, a in enumerate(trips):
        for j, b in enumerate(trips):
            assert a.end is not None and b.start is not None
            raw = road_seconds((a.end.lat, a.end.lon), (b.start.lat, b.start.lon))
            got = int(travel.matrix([i], [j])[0, 0])
            assert raw <= got < raw + 1


def test_null_means_unreachable_and_is_cached_as_such(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """A `null` cell is UNREACHABLE, never zero, and stays so when read back from the cache."""
    problem = school_problem(10, schools=2, seed=2)
    island = problem.trips[0].start
    assert island is not None
    osrm.unreachable.add((island.lat, island.lon))
    travel, _ = travel_for(problem, config)
    n = range(10)
    column = travel.matrix(n, [0])[:, 0]
    ends_elsewhere = [i for i, t in enumerate(problem.trips) if t.end != island]
    assert all(column[i] == UNREACHABLE for i in ends_elsewhere)
    osrm.requests.clear()
    again, _ = travel_for(problem, config)
    assert osrm.count("table") == 0
    np.testing.assert_array_equal(again.matrix(n, n), travel.matrix(n, n))


def test_nearby_coordinates_share_a_cache_entry(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """Coordinates equal to about a metre (1e-5 degrees) are one location: asked once."""
    problem = school_problem(8, schools=2, seed=4)
    trips = list(problem.trips)
    end = trips[0].end
    assert end is not None
    trips[2] = replace(trips[2], end=Point(end.lat + 2e-6, end.lon - 2e-6))
    travel_for(replace(problem, trips=tuple(trips)), config)
    coordinates = sum(r.sources for r in osrm.requests if r.service == "table")
    assert coordinates == distinct(replace(problem, trips=tuple(trips)))[0] - 1


def test_problem_matrix_wins_and_no_server_means_estimate(config: RoutingConfig) -> None:
    """The problem's own matrix is used as is; without a server the estimate, with no warning."""
    problem = school_problem(4, schools=1)
    own = replace(problem, travel_s=np.full((4, 4), 60, np.int64))
    travel, report = travel_for(own, config)
    assert isinstance(travel, MatrixTravel) and report.source == "problem"
    assert report.requests == {}
    estimate, report = travel_for(problem, replace(config, url=None))
    assert report.source == "estimate" and report.warnings == []
    assert report.estimated_total == report.connections_total > 0
    assert estimate.matrix([0], [1]).shape == (1, 1)


def test_data_version_keys_the_cache(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """A new map version on the server is a cache miss: no answer from the old map is reused."""
    problem = school_problem(12, schools=2, seed=6)
    _, first = travel_for(problem, config)
    assert first.data_version == "osm-2026-11-01"
    osrm.data_version = "osm-2026-12-01"
    osrm.requests.clear()
    _, second = travel_for(problem, config)
    assert second.data_version == "osm-2026-12-01" and osrm.count("table") > 0
    assert second.cache is not None and second.cache.hits == 0


def test_setting_names_the_version_when_the_server_reports_none(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """Without a server `data_version`, OSRM_DATA_VERSION keys the cache; changing it refetches."""
    osrm.data_version = None
    problem = school_problem(12, schools=2, seed=7)
    _, report = travel_for(problem, replace(config, data_version="galicia-2026-10"))
    assert report.data_version == "galicia-2026-10"
    osrm.requests.clear()
    _, report = travel_for(problem, replace(config, data_version="galicia-2026-11"))
    assert osrm.count("table") > 0


def test_requests_in_flight_never_exceed_the_concurrency_setting(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """With slow answers and many blocks, at most `concurrency` requests run at once."""
    osrm.delay_s = 0.05
    osrm.max_table_size = 5
    travel_for(school_problem(60, schools=6, seed=8), replace(config, table_size=5, concurrency=3))
    assert osrm.count("table") > 6
    assert osrm.max_in_flight <= 3


def test_cache_counts_are_kept_by_the_cache(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """A shared cache object accumulates hits and misses across runs, for /metrics."""
    problem = school_problem(10, schools=2, seed=9)
    cache = SqliteCache(None)
    travel_for(problem, config, cache=cache)
    travel_for(problem, config, cache=cache)
    assert cache.stats.hits == cache.stats.misses > 0
    assert cache.stats.hit_rate == 0.5
