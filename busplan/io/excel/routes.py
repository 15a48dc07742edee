"""The routes sheet (`I. Rutas`, and a variant `I. Rutas (2)`): school, contract and vehicle
seat range of every route code."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields

from busplan.io.contract_values import seat_range
from busplan.io.excel.cells import clock, is_blank, text
from busplan.io.excel.sheet import Row, Table
from busplan.io.import_report import FileReport, Reason, Rejection, RowError

SeatBounds = tuple[int | None, int | None]


@dataclass(frozen=True, slots=True)
class Route:
    code: str
    school_id: str
    school_name: str
    name: str
    contract: str
    vehicle_seats: SeatBounds | None
    school_start: int | None
    """School start time (seconds) from the variant sheet, when it gives one."""
    operator: str = ""
    """The company holding the contract (`Empresa`), which runs every trip of the route."""


@dataclass(frozen=True, slots=True)
class RouteSource:
    route: Route
    sheet: str
    row: int


def read_routes(
    tables: list[Table], report: FileReport
) -> tuple[dict[str, RouteSource], dict[str, str]]:
    """Routes by code, and where each rejected route row was (code -> 'sheet "S" row N').

    Within a sheet a repeated code must repeat its content exactly; across sheets the first
    sheet wins and the variant adds what the first leaves empty."""
    routes: dict[str, RouteSource] = {}
    rejected: dict[str, str] = {}
    for table in tables:
        seen: dict[str, RouteSource] = {}
        for row in table.rows:
            try:
                route = _route(row)
            except RowError as exc:
                report.reject(
                    Rejection(table.sheet, row.number, table.column(exc.column), exc.code, str(exc))
                )
                if code := text(row["route"]):
                    rejected.setdefault(code, f'sheet "{table.sheet}" row {row.number}')
                continue
            source = RouteSource(route, table.sheet, row.number)
            first = seen.get(route.code)
            if first is None:
                seen[route.code] = source
                routes[route.code] = _merge(routes.get(route.code), source, report)
            elif first.route == route:
                report.duplicates += 1
            else:
                report.reject(_conflict(first, source, table))
    return routes, rejected


def _route(row: Row) -> Route:
    code = text(row["route"])
    if not code:
        raise RowError(Reason.MISSING_ROUTE_CODE, "no route code", "route")
    seats_text = text(row["vehicle_seats"])
    start = row["school_start"]
    return Route(
        code=code,
        school_id=text(row["school_id"]),
        school_name=text(row["school_name"]),
        name=text(row["route_name"]),
        contract=text(row["contract"]),
        vehicle_seats=seat_range(seats_text, "vehicle_seats") if seats_text else None,
        school_start=None if is_blank(start) else clock(start, "school_start"),
        operator=text(row["operator"]),
    )


def _merge(earlier: RouteSource | None, later: RouteSource, report: FileReport) -> RouteSource:
    """A route seen on another routes sheet: keep the earlier values, fill its gaps."""
    if earlier is None:
        return later
    values = {}
    for f, old, new in zip(
        fields(Route), astuple(earlier.route), astuple(later.route), strict=True
    ):
        if old in ("", None):
            values[f.name] = new
            continue
        values[f.name] = old
        if new not in ("", None) and new != old:
            report.warn(
                f'route {earlier.route.code}: {f.name} "{new}" differs from "{old}" on sheet '
                f'"{earlier.sheet}" row {earlier.row}; using "{old}"',
                later.sheet,
                later.row,
                code="route_value_differs",
                route=earlier.route.code,
                field=f.name,
                new=str(new),
                old=str(old),
            )
    return RouteSource(Route(**values), earlier.sheet, earlier.row)


def _conflict(first: RouteSource, again: RouteSource, table: Table) -> Rejection:
    differing = [
        f.name
        for f, a, b in zip(fields(Route), astuple(first.route), astuple(again.route), strict=True)
        if a != b
    ]
    return Rejection(
        table.sheet,
        again.row,
        table.column("route"),
        Reason.DUPLICATE_CONFLICT,
        f"route {again.route.code} is already on row {first.row} with different "
        f"{', '.join(differing)}",
    )
