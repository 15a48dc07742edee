"""Routing settings: defaults, environment variables, validation."""

from __future__ import annotations

import pytest

from busplan.routing import RoutingConfig


def test_defaults_need_only_a_url() -> None:
    """Chunks of 100, timetable durations, no fallback, a SQLite cache file."""
    config = RoutingConfig.from_env({"OSRM_URL": "http://osrm:5000/"})
    assert config.server == "http://osrm:5000" and config.table_size == 100
    assert config.duration_source == "timetable" and not config.allow_fallback
    assert config.cache_path and config.cache_path.endswith("travel.sqlite")
    assert config.redis_url is None


def test_environment_variables_are_read_and_overrides_win() -> None:
    """OSRM_* variables set every field; explicit overrides (CLI flags) take precedence."""
    env = {
        "OSRM_URL": "http://osrm:5000",
        "OSRM_PROFILE": "bus",
        "OSRM_TABLE_SIZE": "250",
        "OSRM_CONCURRENCY": "8",
        "OSRM_TIMEOUT": "12.5",
        "OSRM_RETRIES": "1",
        "OSRM_DATA_VERSION": "galicia-2026-11",
        "OSRM_FALLBACK": "yes",
        "OSRM_DURATIONS": "route",
        "OSRM_DWELL_S": "45",
        "OSRM_CACHE": "/var/cache/busplan/travel.sqlite",
    }
    config = RoutingConfig.from_env(env, table_size=50)
    assert (config.profile, config.table_size, config.concurrency) == ("bus", 50, 8)
    assert (config.read_timeout_s, config.retries, config.data_version) == (
        12.5,
        1,
        "galicia-2026-11",
    )
    assert config.allow_fallback and config.duration_source == "route" and config.dwell_s == 45
    assert config.cache_path == "/var/cache/busplan/travel.sqlite"


def test_redis_is_used_when_configured() -> None:
    """OSRM_CACHE=redis://... or, failing that, REDIS_URL puts the cache in Redis."""
    assert (
        RoutingConfig.from_env({"OSRM_CACHE": "redis://r:6379/2"}).redis_url == "redis://r:6379/2"
    )
    assert RoutingConfig.from_env({"REDIS_URL": "redis://r:6379/0"}).redis_url == "redis://r:6379/0"
    assert RoutingConfig.from_env({"OSRM_CACHE": "none"}).cache_path is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OSRM_URL": "osrm:5000"}, "http://"),
        ({"OSRM_TABLE_SIZE": "many"}, "OSRM_TABLE_SIZE"),
        ({"OSRM_TABLE_SIZE": "1"}, "table size"),
        ({"OSRM_FALLBACK": "maybe"}, "OSRM_FALLBACK"),
        ({"OSRM_DURATIONS": "gps"}, "duration source"),
        ({"OSRM_PROFILE": "a/b"}, "profile"),
    ],
)
def test_bad_settings_are_rejected_with_their_name(env: dict[str, str], message: str) -> None:
    """A wrong value fails at start-up, saying which setting."""
    with pytest.raises(ValueError, match=message):
        RoutingConfig.from_env(env)
