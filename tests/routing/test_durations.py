"""Trip durations from the Route service through the stops, plus dwell; recorded in the report."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest

from busplan.core.model import Kind, Point, Problem, Stop, Trip
from busplan.routing import OsrmError, RoutingConfig, TravelTimesUnavailable, prepare
from tests.routing.fake_osrm import Action, FakeOsrm, road_seconds

STOPS = (
    Stop("P0", Point(42.22781, -8.66575)),
    Stop("P1", Point(42.21919, -8.67472)),
    Stop("P2", Point(42.21315, -8.67225)),
    Stop("School", Point(42.20617, -8.68267)),
)


def problem() -> Problem:
    with_stops = Trip("E1", Kind.ENTRY, 8 * 3600, 600, stops=STOPS)
    direct = Trip("S1", Kind.EXIT, 14 * 3600, 600, start=STOPS[3].point, end=Point(42.23, -8.70))
    return Problem((with_stops, direct))


def route_seconds(points: list[Point]) -> float:
    legs = [road_seconds((a.lat, a.lon), (b.lat, b.lon)) for a, b in itertools.pairwise(points)]
    return round(sum(legs), 1)


def test_route_durations_follow_the_stops_and_add_dwell(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """Duration = route seconds rounded up + dwell at each intermediate stop; the report says so."""
    prepared = prepare(problem(), replace(config, duration_source="route", dwell_s=20))
    entry, exit_ = prepared.problem.trips
    assert entry.duration_s == math.ceil(route_seconds([s.point for s in STOPS])) + 2 * 20
    assert exit_.start is not None and exit_.end is not None
    assert exit_.duration_s == math.ceil(route_seconds([exit_.start, exit_.end]))
    report = prepared.report
    assert report.duration_source == "route" and report.durations_changed == 2
    assert report.to_dict()["duration_source"] == "route"


def test_timetable_durations_are_the_default(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """By default trip durations stay as the contract says and no route is asked."""
    prepared = prepare(problem(), config)
    assert [t.duration_s for t in prepared.problem.trips] == [600, 600]
    assert prepared.report.duration_source == "timetable" and osrm.count("route") == 0


def test_routes_are_cached(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """A second run asks no route of the server."""
    route = replace(config, duration_source="route")
    first = prepare(problem(), route)
    osrm.requests.clear()
    second = prepare(problem(), route)
    assert osrm.count("route") == 0
    assert [t.duration_s for t in second.problem.trips] == [
        t.duration_s for t in first.problem.trips
    ]


def test_no_route_names_the_trip(osrm: FakeOsrm, config: RoutingConfig) -> None:
    """A trip whose stops no road connects is an error that names it."""
    osrm.unreachable.add((STOPS[1].point.lat, STOPS[1].point.lon))
    with pytest.raises(OsrmError, match="trip E1"):
        prepare(problem(), replace(config, duration_source="route"))


def test_an_unreachable_route_service_keeps_timetable_durations_only_if_allowed(
    osrm: FakeOsrm, config: RoutingConfig
) -> None:
    """Route service failing: an error, or with fallback the timetable and a warning."""
    osrm.always = Action(status=503)
    osrm.script += [("nearest", Action())] * 2 + [("table", Action())] * 2
    route = replace(config, duration_source="route", breaker_failures=100)
    with pytest.raises(TravelTimesUnavailable, match="trip durations"):
        prepare(problem(), route)
    prepared = prepare(problem(), replace(route, allow_fallback=True))
    assert [t.duration_s for t in prepared.problem.trips] == [600, 600]
    assert prepared.report.duration_source == "timetable"
    assert any("timetable" in w for w in prepared.report.warnings)


def test_route_durations_need_a_server(config: RoutingConfig) -> None:
    """Asking for route durations with no OSRM_URL is a clear error, not a silent timetable."""
    with pytest.raises(TravelTimesUnavailable, match="OSRM_URL"):
        prepare(problem(), replace(config, url=None, duration_source="route"))
