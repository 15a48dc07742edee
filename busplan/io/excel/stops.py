"""The stops sheet (`II. Paradas`, sometimes also `II. Paradas (2)`): each route's stops in
entry order, school last, with the contract's minutes from the first stop and the pupils."""

from __future__ import annotations

from dataclasses import dataclass, field

from busplan.io.excel.cells import is_blank, minutes, number, shown, text, whole
from busplan.io.excel.sheet import Row, Table
from busplan.io.import_report import FileReport, Reason, Rejection, RowError


@dataclass(frozen=True, slots=True)
class StopRow:
    route: str
    order: int
    name: str
    lat: float
    lon: float
    offset_s: int
    pupils: int
    row: int = field(compare=False)


@dataclass(slots=True)
class RouteStops:
    """The usable stops of one route, and the rows of it that were rejected."""

    stops: list[StopRow] = field(default_factory=list)
    rejected_rows: list[int] = field(default_factory=list)


@dataclass(slots=True)
class StopsReading:
    table: Table
    routes: dict[str, RouteStops]
    rejected: list[Rejection]
    duplicates: int

    @property
    def usable(self) -> int:
        return sum(len(r.stops) for r in self.routes.values())


def read_stops(tables: list[Table], report: FileReport) -> tuple[Table, dict[str, RouteStops]]:
    """Stops by route from the most complete stops sheet (most usable stop rows, then fewest
    rejections, then the first); the choice is reported when there was one to make."""
    readings = [_reading(t) for t in tables]
    best = min(readings, key=lambda r: (-r.usable, len(r.rejected)))
    for other in readings:
        if other is not best:
            report.warn(
                f'stops read from sheet "{best.table.sheet}" ({best.usable} usable stop rows), '
                f'not from "{other.table.sheet}" ({other.usable})',
                other.table.sheet,
                code="stops_sheet_chosen",
                used=best.table.sheet,
            )
    report.rejected += best.rejected
    report.duplicates += best.duplicates
    if "order" not in best.table.columns:
        report.warn(
            "no stop order column: stops taken in the order the rows are listed",
            best.table.sheet,
            code="no_stop_order",
        )
    return best.table, best.routes


def _reading(table: Table) -> StopsReading:
    reading = StopsReading(table, {}, [], 0)
    for position, row in enumerate(table.rows, start=1):
        code = text(row["route"])
        try:
            stop = _stop(row, code, position if "order" not in table.columns else None)
        except RowError as exc:
            reading.rejected.append(
                Rejection(table.sheet, row.number, table.column(exc.column), exc.code, str(exc))
            )
            if code:
                reading.routes.setdefault(code, RouteStops()).rejected_rows.append(row.number)
            continue
        _add(reading, stop)
    for code, route in reading.routes.items():
        _check_order(code, route, reading)
    return reading


def _stop(row: Row, code: str, position: int | None) -> StopRow:
    if not code:
        raise RowError(Reason.MISSING_ROUTE_CODE, "no route code", "route")
    order = position if position is not None else whole(row["order"], "order")
    return StopRow(
        route=code,
        order=order,
        name=text(row["name"]),
        lat=_coordinate(row["lat"], "lat", 90),
        lon=_coordinate(row["lon"], "lon", 180),
        offset_s=minutes(row["offset"], "offset"),
        pupils=whole(row["pupils"], "pupils", blank=0),
        row=row.number,
    )


def _coordinate(value: object, column: str, limit: float) -> float:
    what = "latitude" if column == "lat" else "longitude"
    if is_blank(value):
        raise RowError(Reason.STOP_WITHOUT_COORDINATES, f"no {what}", column)
    try:
        degrees = number(value, column)
    except RowError:
        raise RowError(
            Reason.STOP_WITHOUT_COORDINATES, f'"{shown(value)}" is not a {what}', column
        ) from None
    if not -limit <= degrees <= limit or degrees == 0:
        raise RowError(
            Reason.STOP_WITHOUT_COORDINATES, f"{shown(value)} is not a {what} of a stop", column
        )
    return degrees


def _add(reading: StopsReading, stop: StopRow) -> None:
    route = reading.routes.setdefault(stop.route, RouteStops())
    same = next((s for s in route.stops if s.order == stop.order), None)
    if same is None:
        route.stops.append(stop)
    elif same == stop:
        reading.duplicates += 1
    else:
        reading.rejected.append(
            Rejection(
                reading.table.sheet,
                stop.row,
                reading.table.column("order"),
                Reason.DUPLICATE_CONFLICT,
                f"route {stop.route} already has a different stop {stop.order} (row {same.row})",
            )
        )
        route.rejected_rows.append(stop.row)


def _check_order(code: str, route: RouteStops, reading: StopsReading) -> None:
    """Stops run in order; a stop reached before the one listed ahead of it is an error."""
    route.stops.sort(key=lambda s: s.order)
    kept: list[StopRow] = []
    for stop in route.stops:
        if kept and stop.offset_s < kept[-1].offset_s:
            reading.rejected.append(
                Rejection(
                    reading.table.sheet,
                    stop.row,
                    reading.table.column("offset"),
                    Reason.STOPS_OUT_OF_ORDER,
                    f"route {code} stop {stop.order} is reached at {stop.offset_s / 60:g} min, "
                    f"before stop {kept[-1].order} (row {kept[-1].row}) at "
                    f"{kept[-1].offset_s / 60:g} min",
                )
            )
            route.rejected_rows.append(stop.row)
            continue
        kept.append(stop)
    route.stops = kept
