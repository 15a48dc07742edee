"""The bells report as an Excel workbook, for planners who sort, filter and compare.

Three sheets: the curve (one row per K: buses, proven minimum, buses saved against moving
nothing, empty driving, buses per day and the moves in words, with the rules under it), every
move of every row (one row per moved bell), and every bell of the problem with its rules.
Times are real Excel times, numbers are numbers; every sheet has a frozen header and filters,
as in the plan's workbook (`export_xlsx`).
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from busplan.core.model import DAYS
from busplan.i18n import Words, words
from busplan.io.bells_report import BellsReport, moves_words, read_report, rules_words
from busplan.io.contract_values import json_minutes
from busplan.io.export_xlsx import HEADER_FONT, excel_time, write_table

SUMMARY_COLUMNS = ["k", "buses", "bound", "saved", "deadhead", "units_moved"]
"""Then one column per day (its buses), then the moves in words."""
MOVE_COLUMNS = ["k", "school", "school_name", "kind", "time", "move", "new_time", "trips"]
BELL_COLUMNS = ["school", "school_name", "kind", "time", "trips", "fixed", "tied"]
TIME_COLUMNS = {"time", "new_time"}
WRAPPED_COLUMNS = {"moves"}
"""Column codes; the headers are the words of `bells.col_<code>` (days: `day.<code>`)."""


def export_bells_xlsx(report: Mapping[str, Any], lang: str = "en") -> bytes:
    """The workbook of a bells report (the JSON of `report_to_dict`) as bytes, in `lang`.
    Raises `ReportError` naming the field of a report it cannot read."""
    w = words(lang)
    data = read_report(report)
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = w("bells.sheet_summary")
    _summary_sheet(summary, data, w)
    _moves_sheet(book.create_sheet(w("bells.sheet_moves")), data, w)
    _bells_sheet(book.create_sheet(w("bells.sheet_bells")), data, w)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _summary_sheet(ws: Worksheet, data: BellsReport, w: Words) -> None:
    days = [d for d in DAYS if any(d in r.buses for r in data.rows)]
    rows = [
        [
            r.max_moves,
            r.fleet,
            r.bound,
            data.saved(r),
            json_minutes(r.deadhead_s),
            r.units_moved,
            *(r.buses.get(d) for d in days),
            moves_words(r, w),
        ]
        for r in data.rows
    ]
    _table(ws, [*SUMMARY_COLUMNS, *(f"day.{d}" for d in days), "moves"], rows, w)
    ws.append([])
    ws.append([w("bells.rules_title")])
    ws.cell(ws.max_row, 1).font = HEADER_FONT
    for sentence in rules_words(data, w):
        ws.append([sentence])
    ws.append([w("bells.reading")])


def _moves_sheet(ws: Worksheet, data: BellsReport, w: Words) -> None:
    rows = [
        [
            r.max_moves,
            m.school,
            m.school_name,
            w(f"xlsx.kind_{m.kind}"),
            excel_time(m.time_s),
            json_minutes(m.move_s),
            excel_time(m.new_time_s),
            m.trips,
        ]
        for r in data.rows
        for m in r.moves
    ]
    _table(ws, MOVE_COLUMNS, rows, w)


def _bells_sheet(ws: Worksheet, data: BellsReport, w: Words) -> None:
    rows = [
        [
            b.school,
            b.school_name,
            w(f"xlsx.kind_{b.kind}"),
            excel_time(b.time_s),
            b.trips,
            b.fixed,
            b.tied,
        ]
        for b in data.bells
    ]
    _table(ws, BELL_COLUMNS, rows, w)


def _table(ws: Worksheet, columns: list[str], rows: list[list[Any]], w: Words) -> None:
    write_table(
        ws, columns, rows, w, prefix="bells.col_", times=TIME_COLUMNS, wrapped=WRAPPED_COLUMNS
    )
