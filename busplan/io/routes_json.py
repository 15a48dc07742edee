"""The plain route-list JSON of the system busplan replaces, as a second import format.

A list of routes (or `{"routes": [...]}`), each one trip: `id`, `type` entry/exit,
`arrival_time` (entries) or `departure_time` (exits), `stops` with `lat`, `lon`, `order`,
`time_from_start` (minutes), `passengers`, `is_school`; `capacity_needed`,
`vehicle_capacity_min`/`max` (or a `vehicle_capacity_range` text), `school_id`, `school_name`,
`contract_id` and `days`. Each route is checked as strictly as a workbook row; the report uses
its position in the list where a workbook uses a row number.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

from busplan.core.model import DAYS, Kind
from busplan.core.units import SECONDS_PER_DAY, format_clock, parse_clock, seconds_to_minutes
from busplan.io.contract_values import day_codes, json_minutes, seat_range
from busplan.io.import_report import (
    FileImport,
    FileReport,
    Reason,
    Rejection,
    RowError,
    TripRecord,
)

KINDS = {"entry": Kind.ENTRY, "exit": Kind.EXIT}


def read_route_list(path: str | Path) -> FileImport:
    report = FileReport(str(path), "route-list")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        report.error = f"cannot read file: {exc.strerror}"
        return FileImport([], report)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        report.error = f"not a route-list JSON file: {exc}"
        return FileImport([], report)
    return parse_route_list(data, report)


def parse_route_list(data: Any, report: FileReport) -> FileImport:
    routes = data.get("routes") if isinstance(data, dict) else data
    if not isinstance(routes, list):
        report.error = 'a route list is a JSON list of routes (or {"routes": [...]})'
        return FileImport([], report)
    records: dict[str, TripRecord] = {}
    for n, raw in enumerate(routes):
        report.rows_read += 1
        try:
            document = _trip(raw, n, report)
        except RowError as exc:
            report.reject(Rejection("", n, exc.column, exc.code, str(exc)))
            continue
        record = TripRecord(document, document["id"], "", n)
        first = records.get(record.id)
        if first is None:
            records[record.id] = record
        elif first.document == document:
            report.duplicates += 1
        else:
            report.reject(
                Rejection(
                    "",
                    n,
                    "id",
                    Reason.DUPLICATE_CONFLICT,
                    f"route {record.id} is already at [{first.row}] with different content",
                )
            )
    report.trips = len(records)
    if not records:
        rejected = len(report.rejected)
        report.error = f"no usable trips: {len(routes)} route(s) read, {rejected} rejected"
    return FileImport(list(records.values()), report)


def _trip(raw: Any, n: int, report: FileReport) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise RowError(Reason.UNREADABLE_VALUE, "a route is a JSON object")
    trip_id = _text(raw.get("id"))
    if not trip_id:
        raise RowError(Reason.MISSING_ROUTE_CODE, "no route id", "id")
    kind = KINDS.get(str(raw.get("type", "")).strip().lower())
    if kind is None:
        raise RowError(
            Reason.UNKNOWN_DIRECTION,
            f"type {json.dumps(raw.get('type'))} is not entry or exit",
            "type",
        )
    field = "arrival_time" if kind is Kind.ENTRY else "departure_time"
    time_s = _clock(raw.get(field), field)
    days = _days(raw.get("days"), n, report)
    stops, seats_from_stops = _stops(raw.get("stops"), kind, n, report)
    duration = int(stops[-1]["offset_s"])
    start = time_s - duration if kind is Kind.ENTRY else time_s
    if start < 0 or start + duration > SECONDS_PER_DAY:
        raise RowError(
            Reason.TIME_OUT_OF_RANGE,
            f"{format_clock(time_s)} with a {seconds_to_minutes(duration):g}-minute route "
            "does not fit within the day",
            field,
        )
    document: dict[str, Any] = {
        "id": trip_id,
        "kind": kind.value,
        "time": format_clock(time_s),
        "duration_min": json_minutes(duration),
        "stops": [
            {k: v for k, v in s.items() if k != "offset_s"}
            | {"offset_min": json_minutes(int(s["offset_s"]))}
            for s in stops
        ],
        "school": {"id": _text(raw.get("school_id")), "name": _text(raw.get("school_name"))},
        "seats": _count(raw, "capacity_needed", seats_from_stops),
        "contract": _text(raw.get("contract_id")),
        "days": days,
    }
    vehicle = _vehicle_seats(raw)
    if vehicle is not None:
        document["vehicle_seats"] = list(vehicle)
    return document


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _clock(value: Any, field: str) -> int:
    if value is None or value == "":
        raise RowError(Reason.MISSING_TIME, f"no {field}", field)
    try:
        return parse_clock(value)
    except ValueError as exc:
        raise RowError(Reason.TIME_OUT_OF_RANGE, str(exc), field) from None


def _days(value: Any, n: int, report: FileReport) -> list[str]:
    if value is None or value == [] or value == "":
        report.warn(
            "no days given: the route runs every weekday, as in the old system",
            row=n,
            code="no_days",
        )
        return list(DAYS)
    if isinstance(value, str):
        return day_codes(value, "days")
    if not isinstance(value, list):
        raise RowError(
            Reason.UNKNOWN_DAY_CODE, f"{json.dumps(value)} is not a list of day codes", "days"
        )
    unknown = [d for d in value if d not in DAYS]
    if unknown:
        raise RowError(
            Reason.UNKNOWN_DAY_CODE,
            f"unknown day code(s) {json.dumps(unknown)} (codes: {', '.join(DAYS)})",
            "days",
        )
    return [d for d in DAYS if d in value]


def _number(value: Any, field: str, reason: Reason = Reason.UNREADABLE_VALUE) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RowError(reason, f"{json.dumps(value)} is not a number", field)
    return float(value)


def _stops(raw: Any, kind: Kind, n: int, report: FileReport) -> tuple[list[dict[str, Any]], int]:
    """Stops in driving order with offsets from the first stop, and the pupils on board."""
    if not isinstance(raw, list) or not raw:
        raise RowError(Reason.ROUTE_WITHOUT_STOPS, "the route has no stops", "stops")
    read = [_stop(s, k) for k, s in enumerate(raw)]
    read.sort(key=lambda s: s["order"])
    for before, after in itertools.pairwise(read):
        if after["t"] < before["t"]:
            raise RowError(
                Reason.STOPS_OUT_OF_ORDER,
                f"stop {after['order']} is reached at {after['t'] / 60:g} min, before stop "
                f"{before['order']} at {before['t'] / 60:g} min",
                f"stops[{after['index']}].time_from_start",
            )
    if len(read) < 2 or read[-1]["t"] == read[0]["t"]:
        raise RowError(
            Reason.ROUTE_WITH_BAD_STOPS,
            "the route needs at least two stops with a time between the first and the last",
            "stops",
        )
    school_first = read[0]["is_school"] and not read[-1]["is_school"]
    school_last = read[-1]["is_school"] and not read[0]["is_school"]
    if (kind is Kind.EXIT and school_last) or (kind is Kind.ENTRY and school_first):
        report.warn(
            f"{kind.value} route lists its stops from the wrong end: reversed",
            row=n,
            code="stops_reversed",
        )
        total = read[-1]["t"]
        read = [s | {"t": total - s["t"]} for s in reversed(read)]
    first = read[0]["t"]
    school = len(read) - 1 if kind is Kind.ENTRY else 0
    pupils = sum(s["passengers"] for k, s in enumerate(read) if k != school)
    stops = []
    for k, s in enumerate(read):
        boarding = s["passengers"] if kind is Kind.ENTRY else (pupils if k == school else 0)
        stops.append(
            {
                "name": s["name"],
                "lat": s["lat"],
                "lon": s["lon"],
                "offset_s": s["t"] - first,
                "boarding": 0 if kind is Kind.ENTRY and k == school else boarding,
            }
        )
    return stops, pupils


def _stop(raw: Any, k: int) -> dict[str, Any]:
    where = f"stops[{k}]"
    if not isinstance(raw, dict):
        raise RowError(Reason.UNREADABLE_VALUE, "a stop is a JSON object", where)
    point = []
    for axis, limit in (("lat", 90), ("lon", 180)):
        value = raw.get(axis)
        if value is None:
            raise RowError(Reason.STOP_WITHOUT_COORDINATES, f"no {axis}", f"{where}.{axis}")
        degrees = _number(value, f"{where}.{axis}", Reason.STOP_WITHOUT_COORDINATES)
        if not -limit <= degrees <= limit or degrees == 0:
            raise RowError(
                Reason.STOP_WITHOUT_COORDINATES,
                f"{value} is not a {axis} of a stop",
                f"{where}.{axis}",
            )
        point.append(degrees)
    offset = raw.get("time_from_start")
    if offset is None:
        raise RowError(Reason.MISSING_TIME, "no time_from_start", f"{where}.time_from_start")
    minutes = _number(offset, f"{where}.time_from_start")
    if minutes < 0:
        raise RowError(
            Reason.TIME_OUT_OF_RANGE, f"{offset} minutes is negative", f"{where}.time_from_start"
        )
    order = raw.get("order", k + 1)
    return {
        "index": k,
        "order": _number(order, f"{where}.order"),
        "name": _text(raw.get("name")),
        "lat": point[0],
        "lon": point[1],
        "t": round(minutes * 60),
        "passengers": _count(raw, "passengers", 0, where),
        "is_school": bool(raw.get("is_school", False)),
    }


def _count(raw: dict[str, Any], key: str, default: int, where: str = "") -> int:
    value = raw.get(key)
    path = f"{where}.{key}" if where else key
    if value is None:
        return default
    if not _is_count(value):
        raise RowError(Reason.UNREADABLE_VALUE, f"{json.dumps(value)} is not a whole number", path)
    return int(value)


def _vehicle_seats(raw: dict[str, Any]) -> tuple[int | None, int | None] | None:
    low, high = raw.get("vehicle_capacity_min"), raw.get("vehicle_capacity_max")
    if low is None and high is None:
        text = _text(raw.get("vehicle_capacity_range"))
        return seat_range(text, "vehicle_capacity_range") if text else None
    bounds = (
        None if low is None else _count(raw, "vehicle_capacity_min", 0),
        None if high is None else _count(raw, "vehicle_capacity_max", 0),
    )
    if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
        raise RowError(
            Reason.UNREADABLE_VALUE,
            f"vehicle_capacity_min {bounds[0]} is above vehicle_capacity_max {bounds[1]}",
            "vehicle_capacity_min",
        )
    return bounds


def _is_count(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value >= 0 and value == int(value)
