"""The route-list JSON of the replaced system as a second import format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from busplan.core.model import Kind
from busplan.io.imports import ImportFailed, import_files


def route(route_id: str = "R1", kind: str = "entry", **extra: Any) -> dict[str, Any]:
    stops = [
        {
            "name": "A",
            "lat": 42.21,
            "lon": -8.71,
            "order": 1,
            "time_from_start": 0,
            "passengers": 5,
        },
        {
            "name": "B",
            "lat": 42.22,
            "lon": -8.72,
            "order": 2,
            "time_from_start": 9,
            "passengers": 7,
        },
        {
            "name": "CEIP",
            "lat": 42.23,
            "lon": -8.73,
            "order": 3,
            "time_from_start": 20,
            "passengers": 0,
            "is_school": True,
        },
    ]
    data: dict[str, Any] = {
        "id": route_id,
        "name": f"Route {route_id}",
        "type": kind,
        "stops": stops,
        "school_id": "36019426",
        "school_name": "CEIP Exemplo",
        "contract_id": "UE3617",
        "vehicle_capacity_min": 20,
        "vehicle_capacity_max": 38,
        "days": ["L", "M", "Mc", "X", "V"],
    }
    if kind == "entry":
        data["arrival_time"] = "08:30"
    else:
        data["departure_time"] = "14:00:00"
    return data | extra


def save(tmp_path: Path, routes: Any, name: str = "routes.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(routes), encoding="utf-8")
    return path


def test_route_list_becomes_trips(tmp_path: Path) -> None:
    """Each route is one trip: times, stops, seats from passengers, contract range, days."""
    result = import_files([save(tmp_path, [route("R1"), route("R2", "exit")])])
    entry, exit_ = result.problem.trips
    assert (entry.id, entry.kind, entry.time_s, entry.duration_s) == ("R1", Kind.ENTRY, 30600, 1200)
    assert entry.seats == 12 and (entry.vehicle_seats.min, entry.vehicle_seats.max) == (20, 38)
    assert (entry.school_id, entry.contract) == ("36019426", "UE3617")
    assert exit_.kind is Kind.EXIT and exit_.time_s == 14 * 3600
    assert result.report.files[0].format == "route-list"


def test_exit_listed_school_last_is_driven_from_the_school(tmp_path: Path) -> None:
    """An exit whose stops are in entry order (school last) is reversed, with a warning."""
    result = import_files([save(tmp_path, [route("R2", "exit")])])
    trip = result.problem.trips[0]
    assert [s.name for s in trip.stops] == ["CEIP", "B", "A"]
    assert [s.offset_s // 60 for s in trip.stops] == [0, 11, 20]
    assert any("reversed" in w.message for w in result.report.files[0].warnings)


def test_capacity_needed_overrides_the_passenger_sum(tmp_path: Path) -> None:
    """`capacity_needed`, when given, is the seats the trip needs."""
    result = import_files([save(tmp_path, {"routes": [route(capacity_needed=30)]})])
    assert result.problem.trips[0].seats == 30


def test_capacity_range_text_when_no_bounds(tmp_path: Path) -> None:
    """`vehicle_capacity_range` is read like a workbook seat range when min/max are absent."""
    data = route(vehicle_capacity_min=None, vehicle_capacity_max=None, vehicle_capacity_range=">55")
    trip = import_files([save(tmp_path, [data])]).problem.trips[0]
    assert (trip.vehicle_seats.min, trip.vehicle_seats.max) == (56, None)


def test_missing_days_mean_every_weekday_and_say_so(tmp_path: Path) -> None:
    """No days: every weekday (the old system's meaning), stated in a warning."""
    result = import_files([save(tmp_path, [route(days=[]), route("R2")])])
    assert result.problem.trips[0].days == {"L", "M", "Mc", "X", "V"}
    warnings = result.report.files[0].warnings
    assert [w.row for w in warnings] == [0]


@pytest.mark.parametrize(
    ("change", "code", "column"),
    [
        ({"id": ""}, "missing_route_code", "id"),
        ({"type": "ida"}, "unknown_direction", "type"),
        ({"arrival_time": None}, "missing_time", "arrival_time"),
        ({"arrival_time": "24:30"}, "time_out_of_range", "arrival_time"),
        ({"stops": []}, "route_without_stops", "stops"),
        ({"days": ["L", "J"]}, "unknown_day_code", "days"),
    ],
)
def test_bad_route_is_rejected_at_its_position(
    tmp_path: Path, change: dict[str, Any], code: str, column: str
) -> None:
    """A bad route is rejected with its 0-based position in the list and the field."""
    result = import_files([save(tmp_path, [route("R1"), route("R2", **change)])])
    assert [t.id for t in result.problem.trips] == ["R1"]
    (r,) = result.report.files[0].rejected
    assert (r.sheet, r.row, r.column, r.code) == ("", 1, column, code)


def test_stop_without_coordinates_rejects_the_route(tmp_path: Path) -> None:
    """A stop with no lat is a rejection naming the stop's field."""
    bad = route("R2")
    del bad["stops"][1]["lat"]
    result = import_files([save(tmp_path, [route("R1"), bad])])
    (r,) = result.report.files[0].rejected
    assert (r.row, r.column, r.code) == (1, "stops[1].lat", "stop_without_coordinates")


def test_not_json_is_one_clear_error(tmp_path: Path) -> None:
    """A .json file that does not parse fails with one message."""
    path = tmp_path / "routes.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(ImportFailed, match="not a route-list JSON file"):
        import_files([path])


def test_workbook_and_route_list_merge(tmp_path: Path, workbooks: Any) -> None:
    """A workbook and a route list import together into one problem."""
    book = workbooks.save(workbooks.contract(2))
    result = import_files([book, save(tmp_path, [route("R1")])])
    assert len(result.problem.trips) == 5
    assert [f.format for f in result.report.files] == ["workbook", "route-list"]
