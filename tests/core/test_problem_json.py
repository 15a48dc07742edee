"""Loading problems: every kind of bad input is rejected with its JSON path and reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from busplan.core.model import Kind
from busplan.io.problem_json import ProblemError, load_problem, parse_problem
from tests.conftest import trip


def base() -> dict[str, Any]:
    return {"version": 1, "trips": [trip("A", "entry", "08:10", 20), trip("B", "exit", 900, 20)]}


def errors_of(data: Any) -> list[str]:
    with pytest.raises(ProblemError) as caught:
        parse_problem(data)
    return [str(e) for e in caught.value.errors]


def test_valid_problem_is_in_seconds() -> None:
    """Times and durations are integer seconds inside; a number time is minutes since midnight."""
    problem = parse_problem(base())
    a, b = problem.trips
    assert (a.kind, a.time_s, a.duration_s, a.base_start) == (Kind.ENTRY, 29400, 1200, 28200)
    assert (b.kind, b.time_s, b.base_start, b.base_end) == (Kind.EXIT, 54000, 54000, 55200)
    assert problem.settings.buffer_s == 300


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("time", "25:70", 'trips[0].time: "25:70" is not a time of day'),
        ("time", "8h10", 'trips[0].time: "8h10" is not a time of day (expected HH:MM or HH:MM:SS)'),
        ("kind", "school", 'trips[0].kind: "school" is not "entry" or "exit"'),
        ("duration_min", 0, "trips[0].duration_min: 0 must be positive"),
        ("duration_min", "20", 'trips[0].duration_min: "20" is not a number'),
        ("days", ["L", "S"], 'trips[0].days: "S" is not a day code (L, M, Mc, X, V)'),
        ("days", [], "trips[0].days: must be a non-empty list of day codes (L, M, Mc, X, V)"),
        ("shift_min", [5, -5], "trips[0].shift_min: earliest 5 is after latest -5"),
        ("start", [95.0, 8.0], "trips[0].start: coordinates (95, 8) are out of range"),
        ("seats", -3, "trips[0].seats: -3 is not a whole number of seats"),
        (
            "duration_min",
            1e308,
            "trips[0].duration_min: 1e+308 is out of range (at most 1440 minutes)",
        ),
        ("vehicle_seats", [40, 20], "trips[0].vehicle_seats: min 40 is above max 20"),
    ],
)
def test_bad_trip_field_is_named(field: str, value: Any, expected: str) -> None:
    """Each bad trip field is reported at its JSON path with the reason."""
    data = base()
    data["trips"][0][field] = value
    assert expected in errors_of(data)


def test_duplicate_ids_are_rejected() -> None:
    """A repeated trip id names both places."""
    data = base()
    data["trips"][1]["id"] = "A"
    assert errors_of(data) == ['trips[1].id: duplicate id "A" (also trips[0])']


def test_settings_window_and_buffer() -> None:
    """Settings windows must be ordered and within a day, and the buffer non-negative."""
    data = base() | {"settings": {"entry_shift_min": [10, 0], "buffer_min": -1}}
    assert errors_of(data) == [
        "settings.entry_shift_min: earliest 10 is after latest 0",
        "settings.buffer_min: -1 must be at least 0",
    ]
    data = base() | {"settings": {"exit_shift_min": [-1e308, 0], "buffer_min": 1e308}}
    assert errors_of(data) == [
        "settings.exit_shift_min[0]: -1e+308 is out of range (at most 1440 minutes)",
        "settings.buffer_min: 1e+308 is out of range (at most 1440 minutes)",
    ]


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        ([[0, 1]], "travel.minutes: must have one row per trip (2)"),
        ([[0, 1], [2]], "travel.minutes[1]: must have one entry per trip (2)"),
        ([[0, -4], [2, 0]], "travel.minutes[0][1]: -4 is not a travel time (minutes >= 0)"),
        ([[0, float("nan")], [2, 0]], "travel.minutes[0][1]: nan is not a travel time"),
        ([[0, None], [2, 0]], "travel.minutes[0][1]: None is not a travel time (minutes >= 0)"),
    ],
)
def test_bad_matrix(matrix: list[list[Any]], expected: str) -> None:
    """A matrix of the wrong shape or with negative, NaN or missing entries is rejected."""
    data = base() | {"travel": {"minutes": matrix}}
    assert any(e.startswith(expected) for e in errors_of(data)), errors_of(data)


def test_stop_coordinates_out_of_range() -> None:
    """Stops are checked one by one."""
    data = base()
    del data["trips"][0]["start"], data["trips"][0]["end"]
    data["trips"][0]["stops"] = [{"lat": 42.0, "lon": -8.0}, {"lat": 42.0, "lon": -200.0}]
    assert "trips[0].stops[1]: coordinates (42, -200) are out of range" in errors_of(data)


def test_every_error_is_listed() -> None:
    """Validation goes on after the first error: one pass shows them all."""
    data = base()
    data["trips"][0]["time"] = "99:00"
    data["trips"][1]["kind"] = "bus"
    data["trips"][1]["duration_min"] = -2
    assert len(errors_of(data)) == 3


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"version": 1, "trips": []}, "trips: must be a non-empty list of trips"),
        ({"version": 1}, "trips: must be a non-empty list of trips"),
        ([], "$: a problem is a JSON object with a trips list"),
        ({"version": 3, "trips": [trip("A", "entry", "08:00", 5)]}, "version: unsupported"),
    ],
)
def test_empty_or_wrong_document(data: Any, expected: str) -> None:
    """Empty input and foreign documents are rejected, not solved as nothing."""
    assert any(e.startswith(expected) for e in errors_of(data))


def test_location_needed_without_matrix() -> None:
    """Without a matrix, travel times come from coordinates, so a trip must have some."""
    data = base()
    del data["trips"][1]["start"]
    assert errors_of(data) == [
        "trips[1]: needs stops or start and end when there is no travel matrix"
    ]


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    """Unreadable and malformed files are reported with their name and position."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"trips": [1,]}')
    with pytest.raises(ProblemError, match=r"(?s)bad.json: .*not valid JSON .* line 1 column 14"):
        load_problem(bad)
    with pytest.raises(ProblemError, match=r"(?s)missing.json: .*cannot read file"):
        load_problem(tmp_path / "missing.json")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(base()))
    assert len(load_problem(good).trips) == 2
