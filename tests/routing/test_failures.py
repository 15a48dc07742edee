"""Server failures end in a correct matrix, an explicit fallback with a warning, or an error."""

from __future__ import annotations

import socket
from dataclasses import replace

import numpy as np
import pytest

from busplan.core.travel import UNREACHABLE, EstimatedTravel
from busplan.core.units import seconds_to_minutes
from busplan.routing import (
    OsrmError,
    RoutingConfig,
    TravelTimesUnavailable,
    travel_for,
)
from tests.routing.fake_osrm import Action, FakeOsrm, expected_seconds, school_problem

PROBLEM = school_problem(30, schools=3, seed=11)
EVERYONE = range(len(PROBLEM.trips))


def assert_road_times(config: RoutingConfig) -> dict[str, int]:
    travel, report = travel_for(PROBLEM, config)
    np.testing.assert_array_equal(travel.matrix(EVERYONE, EVERYONE), expected_seconds(PROBLEM))
    assert report.warnings == [] and report.estimated_total == 0
    return report.requests


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_5xx_is_retried_and_the_matrix_is_right(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """500 then 502 on a table request, then success: two retries, the exact matrix."""
    osrm.script += [("table", Action(status=500)), ("table", Action(status=502))]
    requests = assert_road_times(config)
    assert requests["table retry"] == 2


def test_429_waits_for_retry_after_and_succeeds(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """Too Many Requests is retried (Retry-After honoured up to the backoff cap)."""
    osrm.script.append(
        ("table", Action(status=429, retry_after="0.02", message="Too Many Requests"))
    )
    requests = assert_road_times(config)
    assert requests["table retry"] == 1


def test_a_slow_answer_times_out_and_is_retried(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """An answer slower than the read timeout is abandoned and asked again."""
    osrm.script.append(("table", Action(delay_s=0.8)))
    requests = assert_road_times(config)
    assert requests["table retry"] == 1


def test_a_slow_server_is_an_error_when_fallback_is_off(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """Every answer too slow and no fallback allowed: a clear error naming the server."""
    osrm.always = Action(delay_s=0.8)
    with pytest.raises(TravelTimesUnavailable, match=r"unreachable.*timed out.*OSRM_FALLBACK"):
        travel_for(PROBLEM, replace(config, read_timeout_s=0.2))


def test_persistent_failure_opens_the_circuit_and_falls_back_with_a_warning(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """All tables 503: the breaker stops early; the estimate fills in, with a per-day warning."""
    osrm.max_table_size = 5
    osrm.always = Action(status=503)
    osrm.script.append(("nearest", Action()))  # the version probe still gets through
    config = replace(config, table_size=5, concurrency=1, allow_fallback=True)
    travel, report = travel_for(PROBLEM, config)
    blocks = -(-len({t.end for t in PROBLEM.trips}) // 5) * -(
        -len({t.start for t in PROBLEM.trips}) // 5
    )
    attempts = osrm.count("table")
    assert attempts <= config.breaker_failures + 1 < blocks * (config.retries + 1)
    estimate = EstimatedTravel(PROBLEM).matrix(EVERYONE, EVERYONE)
    np.testing.assert_array_equal(travel.matrix(EVERYONE, EVERYONE), estimate)
    assert report.estimated == report.connections
    [warning] = report.warnings
    assert "straight-line estimate" in warning and "HTTP 503" in warning
    assert "circuit breaker" in warning
    assert f"{report.estimated_total} of {report.connections_total}" in warning


def test_a_server_that_dies_midway_keeps_its_answers_and_estimates_the_rest(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """Road times for the blocks answered, the estimate only for the others, counted per day."""
    osrm.max_table_size = 4
    osrm.script += [(None, Action()), ("table", Action()), ("table", Action())]
    osrm.always = Action(status=500)
    config = replace(config, table_size=4, concurrency=1, allow_fallback=True)
    travel, report = travel_for(PROBLEM, config)
    got = travel.matrix(EVERYONE, EVERYONE)
    road = np.array(expected_seconds(PROBLEM))
    estimate = EstimatedTravel(PROBLEM).matrix(EVERYONE, EVERYONE)
    assert ((got == road) | (got == estimate)).all()
    assert 0 < report.estimated_total < report.connections_total
    assert report.warnings and report.cache is not None and report.cache.writes == 2 * 16


def test_an_unreachable_server_without_fallback_is_a_clear_error(config: RoutingConfig) -> None:
    """Connection refused, fallback disabled: TravelTimesUnavailable explaining how to allow it."""
    with pytest.raises(TravelTimesUnavailable, match=r"cannot connect.*OSRM_FALLBACK=1"):
        travel_for(PROBLEM, replace(config, url=closed_port_url()))


def test_an_unreachable_server_with_fallback_uses_the_estimate_and_says_so(
    config: RoutingConfig,
) -> None:
    """Connection refused, fallback allowed: every connection estimated, and a warning."""
    travel, report = travel_for(
        PROBLEM, replace(config, url=closed_port_url(), allow_fallback=True)
    )
    estimate = EstimatedTravel(PROBLEM).matrix(EVERYONE, EVERYONE)
    np.testing.assert_array_equal(travel.matrix(EVERYONE, EVERYONE), estimate)
    assert report.source == "osrm" and report.estimated == report.connections
    assert report.warnings and "cannot connect" in report.warnings[0]


def test_a_full_cache_serves_the_run_while_the_server_is_down(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """Answers cached under the server's last data version still serve when it fails."""
    assert_road_times(config)
    osrm.always = Action(status=503)
    travel, report = travel_for(PROBLEM, config)
    np.testing.assert_array_equal(travel.matrix(EVERYONE, EVERYONE), expected_seconds(PROBLEM))
    assert report.warnings == [] and report.requests.get("table", 0) == 0
    assert report.data_version == "osm-2026-11-01"


@pytest.mark.parametrize(
    "code",
    [
        "InvalidUrl",
        "InvalidService",
        "InvalidOptions",
        "InvalidQuery",
        "InvalidValue",
        "NoSegment",
        "TooBig",
        "NoTable",
        "NotImplemented",
    ],
)
def test_each_error_code_is_a_clear_error_and_never_a_fallback(
    osrm: FakeOsrm, config: RoutingConfig, code: str
) -> None:
    """A refusal is raised with its code and a hint, not retried, not replaced by estimates."""
    osrm.script.append(("table", Action(code=code, message=f"scripted {code}")))
    with pytest.raises(OsrmError) as caught:
        travel_for(PROBLEM, replace(config, allow_fallback=True, concurrency=1))
    assert caught.value.code == code and code in str(caught.value) and caught.value.hint
    assert osrm.count("table") == 1


def test_a_table_larger_than_the_server_allows_says_which_setting_to_lower(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """Chunk size above the server's --max-table-size: TooBig naming OSRM_TABLE_SIZE."""
    osrm.max_table_size = 4
    with pytest.raises(OsrmError, match="OSRM_TABLE_SIZE"):
        travel_for(PROBLEM, replace(config, table_size=10))


def test_an_off_road_location_is_named(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """NoSegment carries the coordinate the server could not place on a road."""
    bad = PROBLEM.trips[3].start
    assert bad is not None
    osrm.off_road.add((bad.lat, bad.lon))
    with pytest.raises(OsrmError, match="NoSegment") as caught:
        travel_for(PROBLEM, config)
    assert caught.value.where == (bad.lat, bad.lon)
    assert PROBLEM.trips[3].id in str(caught.value)


def test_an_answer_that_is_not_osrm_json_is_an_error(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """A proxy's 404 page is reported as such, with a hint to check the URL and profile."""
    osrm.script.append(("table", Action(status=404, message="not here")))
    with pytest.raises(OsrmError, match="OSRM_URL and OSRM_PROFILE"):
        travel_for(PROBLEM, config)


def test_a_server_without_the_nearest_service_still_gives_road_times(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """A refused version probe (a proxy forwarding only /table) still gives road times."""
    osrm.script.append(("nearest", Action(code="InvalidService", message="Service not found")))
    assert_road_times(replace(config, data_version="pinned"))


def test_a_map_reloaded_during_the_run_is_an_error_not_a_mixture(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """A table answer from another data version than the probe's stops the run."""
    osrm.script.append(("table", Action(data_version="osm-2026-12-01")))
    with pytest.raises(OsrmError, match="DataVersionChanged"):
        travel_for(PROBLEM, replace(config, concurrency=1))


def test_unreachable_pairs_survive_the_problem_file_round_trip() -> None:
    """UNREACHABLE written as minutes with four decimals reads back as exactly UNREACHABLE."""
    assert round(seconds_to_minutes(UNREACHABLE) * 60) == UNREACHABLE
