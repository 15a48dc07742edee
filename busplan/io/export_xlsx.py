"""A plan as an Excel workbook: a summary sheet, a sheet of buses (one row per bus and day,
with depot, vehicle, pull-out and pull-in, spread and driving time when the plan has them),
one sheet per day (one row per trip, grouped by bus) and a trips sheet with each trip's bus
on every day.

Times are real Excel times (fractions of a day with a time format), so planners can sort,
filter and compute with them; every sheet has a frozen header and filters.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from busplan.core.model import DAYS, Kind, Problem, Trip
from busplan.core.solution import Solution
from busplan.core.units import SECONDS_PER_DAY
from busplan.i18n import Words, words
from busplan.io.contract_values import json_minutes
from busplan.io.timetable import DayTimetable, timetables, unassigned_words

TIME_FORMAT = "hh:mm"
LONG_TIME_FORMAT = "[h]:mm"
"""For a time outside the day (a shifted trip near midnight): hours keep counting, as in the
solver's own clock, instead of wrapping round."""
HEADER_FONT = Font(bold=True)
ALTERNATE_BUS = PatternFill("solid", fgColor="EEEEEE")
TIGHT_FONT = Font(bold=True)

SUMMARY_COLUMNS = [
    "day",
    "day_name",
    "buses",
    "bound",
    "trips",
    "unassigned",
    "deadhead",
    "deadhead_bound",
    "abs_shift",
    "shifted",
    "tight_count",
    "same",
]
DAY_COLUMNS = [
    "bus",
    "n",
    "trip",
    "kind",
    "official",
    "start",
    "end",
    "shift",
    "deadhead",
    "slack",
    "tight",
    "school",
    "first_stop",
    "last_stop",
    "seats",
    "contract",
    "note",
]
DEPOT_COLUMNS = ["depot", "leaves", "returns"]
"""Added to a day's sheet when its buses have depots: on each bus's first row."""
TRIP_COLUMNS = ["trip", "kind", "official", "duration", "school", "contract", "seats"]
BUS_COLUMNS = ["day", "day_name", "bus", "trips", "first", "last", "spread", "drive", "deadhead"]
"""The buses sheet: one row per bus and day, with the driver's spread and driving time."""
BUS_DEPOT_COLUMNS = ["depot", "leaves", "pull_out", "pull_in", "returns"]
BUS_VEHICLE_COLUMNS = ["vehicle", "vehicle_seats"]
TIME_COLUMNS = {"official", "start", "end", "first", "last", "leaves", "returns"}
"""Column codes; the headers are the words of `xlsx.col_<code>` in the workbook's language."""


def export_xlsx(
    problem: Problem,
    solution: Solution,
    bounds: Mapping[str, int] | None = None,
    lang: str = "en",
) -> bytes:
    """The workbook as bytes (for a file or an HTTP response), in `lang`: sheet names,
    headers, day names and words."""
    w = words(lang)
    days = timetables(problem, solution, bounds)
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = w("xlsx.summary")
    with_depots = any(b.depot for d in days for b in d.buses)
    with_short = any(d.unassigned_bound is not None for d in days)
    columns = (
        SUMMARY_COLUMNS
        + (["pull"] if with_depots else [])
        + (["unassigned_bound"] if with_short else [])
    )
    rows = [
        _summary_row(d, w)
        + ([json_minutes(d.pull_s)] if with_depots else [])
        + ([d.unassigned_bound] if with_short else [])
        for d in days
    ]
    _table(summary, columns, rows, w)
    if solution.stability is not None:
        summary.append([])
        summary.append([w("xlsx.stability"), solution.stability])
        summary.cell(summary.max_row, 1).font = HEADER_FONT
        summary.cell(summary.max_row, 2).number_format = "0.0%"
    _buses_sheet(book.create_sheet(w("xlsx.buses")), days, w)
    for day in days:
        _day_sheet(book.create_sheet(w.day(day.day)), day, w)
    _trips_sheet(book.create_sheet(w("xlsx.trips")), problem, days, w)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def excel_time(seconds: int) -> float:
    return seconds / SECONDS_PER_DAY


def _summary_row(day: DayTimetable, w: Words) -> list[Any]:
    return [
        day.day,
        w.day(day.day),
        len(day.buses),
        day.lower_bound,
        day.trips,
        len(day.unassigned),
        json_minutes(day.deadhead_s),
        None if day.deadhead_bound_s is None else json_minutes(day.deadhead_bound_s),
        json_minutes(day.abs_shift_s),
        day.shifted_trips,
        day.tight_connections,
        w.day(day.same_as) if day.same_as else None,
    ]


def _day_sheet(ws: Worksheet, day: DayTimetable, w: Words) -> None:
    with_depots = any(b.depot for b in day.buses)
    rows: list[list[Any]] = []
    fills: list[bool] = []
    tight: list[bool] = []
    for n, bus in enumerate(day.buses):
        for r in bus.rows:
            p, t = r.planned, r.trip
            depot: list[Any] = []
            if with_depots:
                first = r.position == 1
                depot = [
                    bus.depot_name if first else None,
                    excel_time(bus.leaves_s) if first and bus.depot else None,
                    excel_time(bus.returns_s) if first and bus.depot else None,
                ]
            rows.append(
                [
                    r.bus,
                    r.position,
                    t.id,
                    _kind(t, w),
                    excel_time(t.time_s),
                    excel_time(p.start_s),
                    excel_time(p.end_s),
                    json_minutes(p.shift_s),
                    json_minutes(p.deadhead_s),
                    None if r.slack_s is None else json_minutes(r.slack_s),
                    w("xlsx.tight") if r.tight else None,
                    _school(t),
                    r.first_stop,
                    r.last_stop,
                    t.seats,
                    t.contract,
                    None,
                    *depot,
                ]
            )
            fills.append(n % 2 == 1)
            tight.append(r.tight)
    for t, u in day.unassigned:
        rows.append(
            [
                w("xlsx.unassigned"),
                None,
                t.id,
                _kind(t, w),
                excel_time(t.time_s),
                None,
                None,
                None,
                None,
                None,
                None,
                _school(t),
                t.stops[0].name if t.stops else "",
                t.stops[-1].name if t.stops else "",
                t.seats,
                t.contract,
                unassigned_words(t, u, w),
                *([None] * len(DEPOT_COLUMNS) if with_depots else []),
            ]
        )
        fills.append(False)
        tight.append(False)
    _table(ws, DAY_COLUMNS + (DEPOT_COLUMNS if with_depots else []), rows, w)
    for offset, (fill, is_tight) in enumerate(zip(fills, tight, strict=True)):
        for cell in ws[offset + 2]:
            if fill:
                cell.fill = ALTERNATE_BUS
            if is_tight:
                cell.font = TIGHT_FONT


def _buses_sheet(ws: Worksheet, days: list[DayTimetable], w: Words) -> None:
    """Every bus of every day: its trips, first start and last end, the driver's spread and
    driving time, the empty driving between trips; with depots, the depot, leaving it and the
    pull-out, the pull-in and coming back; with a fleet, the vehicle and its seats."""
    with_depots = any(b.depot for d in days for b in d.buses)
    with_vehicles = any(b.plan is not None and b.plan.vehicle for d in days for b in d.buses)
    columns = list(BUS_COLUMNS)
    if with_vehicles:
        columns[3:3] = BUS_VEHICLE_COLUMNS
    if with_depots:
        columns[3:3] = BUS_DEPOT_COLUMNS[:1]
        columns += BUS_DEPOT_COLUMNS[1:]
    rows = []
    for day in days:
        for b in day.buses:
            plan = b.plan
            values: dict[str, Any] = {
                "day": day.day,
                "day_name": w.day(day.day),
                "bus": b.bus,
                "depot": b.depot_name or None,
                "vehicle": (plan.vehicle or None) if plan else None,
                "vehicle_seats": plan.seats if plan else None,
                "trips": len(b.rows),
                "first": excel_time(b.start_s),
                "last": excel_time(b.end_s),
                "spread": json_minutes(b.spread_s),
                "drive": json_minutes(b.drive_s),
                "deadhead": json_minutes(b.deadhead_s),
                "leaves": excel_time(b.leaves_s) if b.depot else None,
                "pull_out": json_minutes(plan.pull_out_s) if plan and b.depot else None,
                "pull_in": json_minutes(plan.pull_in_s) if plan and b.depot else None,
                "returns": excel_time(b.returns_s) if b.depot else None,
            }
            rows.append([values[c] for c in columns])
    _table(ws, columns, rows, w)


def _trips_sheet(ws: Worksheet, problem: Problem, days: list[DayTimetable], w: Words) -> None:
    bus_of: dict[str, dict[str, str]] = {d.day: {} for d in days}
    for d in days:
        for bus in d.buses:
            for r in bus.rows:
                bus_of[d.day][r.trip.id] = bus.bus
        for t, _ in d.unassigned:
            bus_of[d.day][t.id] = w("xlsx.unassigned")
    shown = [d for d in DAYS if d in bus_of]
    rows = [
        [
            t.id,
            _kind(t, w),
            excel_time(t.time_s),
            json_minutes(t.duration_s),
            _school(t),
            t.contract,
            t.seats,
            *(bus_of[d].get(t.id) for d in shown),
        ]
        for t in problem.trips
    ]
    _table(ws, TRIP_COLUMNS + [f"day.{d}" for d in shown], rows, w)


def _table(ws: Worksheet, columns: list[str], rows: list[list[Any]], w: Words) -> None:
    write_table(ws, columns, rows, w)


def write_table(
    ws: Worksheet,
    columns: list[str],
    rows: list[list[Any]],
    w: Words,
    *,
    prefix: str = "xlsx.col_",
    times: Collection[str] = TIME_COLUMNS,
    wrapped: Collection[str] = (),
) -> None:
    """Header, rows, time formats, frozen header, filters and readable column widths.
    `columns` are codes: `<prefix><code>` in the catalogue, or a day's `day.<code>`; `times`
    hold Excel times, `wrapped` long text (wrapped, up to 90 characters wide)."""
    headers = [w(c) if c.startswith("day.") else w(f"{prefix}{c}") for c in columns]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(row)
    for c, (name, header) in enumerate(zip(columns, headers, strict=True), start=1):
        letter = get_column_letter(c)
        for (cell,) in ws.iter_rows(min_row=2, max_row=len(rows) + 1, min_col=c, max_col=c):
            if name in times:
                inside = isinstance(cell.value, float) and 0 <= cell.value < 1
                cell.number_format = TIME_FORMAT if inside else LONG_TIME_FORMAT
            if name in wrapped:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        longest = max((len(str(r[c - 1])) for r in rows if r[c - 1] is not None), default=0)
        limit = 90 if name in wrapped else 40
        ws.column_dimensions[letter].width = min(max(len(header), longest, 6) + 2, limit)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"


def _kind(trip: Trip, w: Words) -> str:
    return w("xlsx.kind_entry") if trip.kind is Kind.ENTRY else w("xlsx.kind_exit")


def _school(trip: Trip) -> str:
    return trip.school_name or trip.school_id
