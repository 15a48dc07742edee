"""The trips sheets (`III. Expedicións`, one for both directions or one per direction): each
row becomes one trip, built from its route and the route's stops.

Entries drive the stops as listed (school last); exits drive them reversed (school first).
The duration is the contract timetable's (`Tempo a Orixe` of the last stop); the seats needed
are the peak load on board, which for a school run is every pupil of the route's stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from busplan.core.model import DAYS, Kind
from busplan.core.units import SECONDS_PER_DAY, format_clock, parse_clock, seconds_to_minutes
from busplan.io.contract_values import day_codes, json_minutes, seat_range
from busplan.io.excel.cells import clock, is_blank, shown, text
from busplan.io.excel.layout import DIRECTIONS, SheetRole
from busplan.io.excel.names import words
from busplan.io.excel.routes import Route, RouteSource
from busplan.io.excel.sheet import Row, Table
from busplan.io.excel.stops import RouteStops, StopRow
from busplan.io.import_report import FileReport, Reason, Rejection, RowError, TripRecord


@dataclass(frozen=True, slots=True)
class RouteBook:
    """What a trip row is built from: the routes and stops sheets, already read."""

    routes: Mapping[str, RouteSource]
    rejected_routes: Mapping[str, str]
    """Route code -> where its rejected routes row is."""
    stops: Mapping[str, RouteStops]
    stops_sheet: str


def read_trips(
    sheets: list[tuple[Table, SheetRole]], book: RouteBook, report: FileReport
) -> list[TripRecord]:
    records: dict[str, TripRecord] = {}
    for table, role in sheets:
        if "days" not in table.columns:
            report.warn(
                "no weekly frequency column: these trips run every weekday",
                table.sheet,
                code="no_frequency",
            )
        for row in table.rows:
            try:
                trip = _trip(row, role, book, "days" in table.columns)
            except RowError as exc:
                report.reject(
                    Rejection(table.sheet, row.number, table.column(exc.column), exc.code, str(exc))
                )
                continue
            record = TripRecord(trip, text(row["route"]), table.sheet, row.number)
            first = records.get(record.id)
            if first is None:
                records[record.id] = record
                _check_school_start(record, book, report)
            elif first.document == trip:
                report.duplicates += 1
            else:
                report.reject(_conflict(first, record, table))
    return list(records.values())


def _trip(row: Row, role: SheetRole, book: RouteBook, has_days: bool) -> dict[str, Any]:
    code = text(row["route"])
    if not code:
        raise RowError(Reason.MISSING_ROUTE_CODE, "no route code", "route")
    expedition = text(row["expedition"])
    if not expedition:
        raise RowError(Reason.MISSING_EXPEDITION_CODE, "no expedition code", "expedition")
    kind = _direction(row["direction"], role)
    column = "arrival" if kind is Kind.ENTRY else "departure"
    time_s = clock(row[column], column)
    days = day_codes(text(row["days"]), "days") if has_days else list(DAYS)
    seats_text = text(row["vehicle_seats"])
    override = seat_range(seats_text, "vehicle_seats") if seats_text else None
    source = book.routes.get(code)
    if source is None:
        where = book.rejected_routes.get(code)
        why = f"its row was rejected ({where})" if where else "it is not on the routes sheet"
        raise RowError(Reason.UNKNOWN_ROUTE, f"route {code} is unknown: {why}", "route")
    stops = _route_stops(code, book)
    trip_id = f"{code}_{expedition}_{'E' if kind is Kind.ENTRY else 'S'}"
    return _document(trip_id, kind, time_s, source.route, stops, days, override, column)


def _direction(value: Any, role: SheetRole) -> Kind:
    if is_blank(value):
        if role.direction is not None:
            return role.direction
        raise RowError(Reason.UNKNOWN_DIRECTION, "no Sentido (Entrada or Saída)", "direction")
    kind = DIRECTIONS.get(words(value))
    if kind is None:
        raise RowError(
            Reason.UNKNOWN_DIRECTION,
            f'"{shown(value)}" is not a direction (Entrada, Saída or Salida)',
            "direction",
        )
    if role.direction is not None and kind is not role.direction:
        raise RowError(
            Reason.UNKNOWN_DIRECTION,
            f'"{shown(value)}" on a sheet of {role.direction.value} trips',
            "direction",
        )
    return kind


def _route_stops(code: str, book: RouteBook) -> list[StopRow]:
    route = book.stops.get(code)
    if route is None or (not route.stops and not route.rejected_rows):
        raise RowError(
            Reason.ROUTE_WITHOUT_STOPS,
            f'route {code} has no stops on sheet "{book.stops_sheet}"',
            "route",
        )
    if route.rejected_rows:
        rows = ", ".join(str(r) for r in route.rejected_rows)
        raise RowError(
            Reason.ROUTE_WITH_BAD_STOPS,
            f'route {code} has rejected stops (sheet "{book.stops_sheet}" row {rows})',
            "route",
        )
    stops = route.stops
    if len(stops) < 2 or stops[-1].offset_s == stops[0].offset_s:
        raise RowError(
            Reason.ROUTE_WITH_BAD_STOPS,
            f"route {code} needs at least two stops with a time between the first and the last",
            "route",
        )
    return stops


def _document(
    trip_id: str,
    kind: Kind,
    time_s: int,
    route: Route,
    stops: list[StopRow],
    days: list[str],
    override: tuple[int | None, int | None] | None,
    time_column: str,
) -> dict[str, Any]:
    first = stops[0].offset_s
    duration = stops[-1].offset_s - first
    start = time_s - duration if kind is Kind.ENTRY else time_s
    if start < 0 or start + duration > SECONDS_PER_DAY:
        raise RowError(
            Reason.TIME_OUT_OF_RANGE,
            f"{format_clock(time_s)} with a {seconds_to_minutes(duration):g}-minute route "
            "does not fit within the day",
            time_column,
        )
    pupils = sum(s.pupils for s in stops[:-1])
    if kind is Kind.ENTRY:
        driven = [_stop(s, s.offset_s - first, s.pupils) for s in stops[:-1]]
        driven.append(_stop(stops[-1], duration, 0))
    else:
        driven = [_stop(stops[-1], 0, pupils)]
        driven += [_stop(s, duration - (s.offset_s - first), 0) for s in reversed(stops[:-1])]
    document: dict[str, Any] = {
        "id": trip_id,
        "kind": kind.value,
        "time": format_clock(time_s),
        "duration_min": json_minutes(duration),
        "stops": driven,
        "school": {"id": route.school_id, "name": route.school_name},
        "seats": pupils,
        "contract": route.contract,
        "days": days,
    }
    if route.operator:
        document["operator"] = route.operator
    seats = override or route.vehicle_seats
    if seats is not None:
        document["vehicle_seats"] = list(seats)
    return document


def _stop(stop: StopRow, offset_s: int, boarding: int) -> dict[str, Any]:
    return {
        "name": stop.name,
        "lat": stop.lat,
        "lon": stop.lon,
        "offset_min": json_minutes(offset_s),
        "boarding": boarding,
    }


def _check_school_start(record: TripRecord, book: RouteBook, report: FileReport) -> None:
    """An entry arriving after the school starts is legal input but worth a look."""
    route = book.routes[record.route].route
    doc = record.document
    if route.school_start is None or doc["kind"] != Kind.ENTRY.value:
        return
    if parse_clock(doc["time"]) > route.school_start:
        report.warn(
            f"trip {record.id} arrives at {doc['time']}, after the school starts at "
            f"{format_clock(route.school_start)}",
            record.sheet,
            record.row,
            code="arrives_after_start",
            trip=record.id,
            time=doc["time"],
            start=format_clock(route.school_start),
        )


def _conflict(first: TripRecord, again: TripRecord, table: Table) -> Rejection:
    differing = sorted(
        k
        for k in first.document.keys() | again.document.keys()
        if first.document.get(k) != again.document.get(k)
    )
    return Rejection(
        table.sheet,
        again.row,
        table.column("expedition"),
        Reason.DUPLICATE_CONFLICT,
        f'trip {again.id} is already on sheet "{first.sheet}" row {first.row} with a different '
        f"{', '.join(differing)}",
    )
