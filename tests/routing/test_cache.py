"""The travel cache: SQLite by default, Redis when configured; same behaviour, counted."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from busplan.routing import RedisCache, RoutingConfig, SqliteCache, TravelCache, travel_for
from busplan.routing.cache import namespace, open_cache
from tests.routing.fake_osrm import FakeOsrm, school_problem

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the real Redis, deleted afterwards."""
    prefix = f"busplan-test:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield prefix
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["sqlite", "redis"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TravelCache]:
    """Each backend in turn."""
    if request.param == "sqlite":
        store: TravelCache = SqliteCache(str(tmp_path / "cache.sqlite"))
    else:
        store = RedisCache(REDIS_URL, request.getfixturevalue("redis_prefix"))
    yield store
    store.close()


def test_entries_round_trip_including_no_road(cache: TravelCache) -> None:
    """Seconds, metres and "no road" come back as stored; unknown pairs are absent."""
    ns = namespace("http://osrm:5000", "driving", "v1")
    cache.put_many(ns, {("a", "b"): (61.3, 900.0), ("a", "c"): (None, None)})
    found = cache.get_many(ns, ["a"], ["b", "c", "d"])
    assert found == {("a", "b"): (61.3, 900.0), ("a", "c"): (None, None)}
    assert (cache.stats.hits, cache.stats.misses) == (2, 1)


def test_namespaces_keep_servers_profiles_and_versions_apart(cache: TravelCache) -> None:
    """The same pair under another server, profile or data version is a miss."""
    cache.put_many(namespace("http://a", "driving", "v1"), {("x", "y"): (1.0, 1.0)})
    for other in (
        ("http://b", "driving", "v1"),
        ("http://a", "bus", "v1"),
        ("http://a", "driving", "v2"),
    ):
        assert cache.get_many(namespace(*other), ["x"], ["y"]) == {}
    assert namespace("http://a/", "driving", "v1") == namespace("http://a", "driving", "v1")


def test_last_version_is_remembered_per_server(cache: TravelCache) -> None:
    """The last reported data version is kept, for runs while the server is down."""
    assert cache.last_version("http://a|driving") is None
    cache.remember_version("http://a|driving", "v7")
    assert cache.last_version("http://a|driving") == "v7"


def test_sqlite_grows_in_place_and_never_rewrites_the_file(tmp_path: Path) -> None:
    """Each answer is appended in its own transaction: same file, earlier rows kept."""
    path = tmp_path / "cache.sqlite"
    cache = SqliteCache(str(path))
    cache.put_many("ns", {("a", str(n)): (float(n), None) for n in range(100)})
    inode = path.stat().st_ino
    cache.put_many("ns", {("b", str(n)): (float(n), None) for n in range(100)})
    assert path.stat().st_ino == inode
    cache.close()
    reopened = SqliteCache(str(path))
    assert len(reopened.get_many("ns", ["a", "b"], [str(n) for n in range(100)])) == 200
    reopened.close()


def test_redis_serves_a_second_run_with_no_requests(
    osrm: FakeOsrm, config: RoutingConfig, redis_prefix: str
) -> None:
    """With REDIS configured, a rerun (e.g. on another worker) is served from Redis."""
    problem = school_problem(50, schools=5, seed=21)
    shared = replace(config, redis_url=REDIS_URL, redis_prefix=redis_prefix)
    _, first = travel_for(problem, shared)
    osrm.requests.clear()
    _, second = travel_for(problem, shared)
    assert osrm.count("table") == 0
    assert first.cache is not None and second.cache is not None
    assert second.cache.misses == 0 and second.cache.hits == first.cache.misses


def test_open_cache_picks_redis_only_when_configured(tmp_path: Path, redis_prefix: str) -> None:
    """A Redis URL means Redis; otherwise the SQLite file (or memory without a path)."""
    sqlite = open_cache(RoutingConfig(cache_path=str(tmp_path / "c.sqlite")))
    memory = open_cache(RoutingConfig(cache_path=None))
    shared = open_cache(RoutingConfig(redis_url=REDIS_URL, redis_prefix=redis_prefix))
    assert isinstance(sqlite, SqliteCache) and isinstance(memory, SqliteCache)
    assert isinstance(shared, RedisCache)
    for store in (sqlite, memory, shared):
        store.close()
    assert (tmp_path / "c.sqlite").exists()
