"""One contract workbook to trips and a parse report.

A file that openpyxl cannot open, or that lacks a routes, stops or trips sheet, fails as a
whole with one message naming what is missing; a workbook with no usable trip is a failure
too, never an empty problem.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from busplan.io.excel.layout import (
    ROUTE_FIELDS,
    STOP_FIELDS,
    TRIP_FIELDS,
    SheetRole,
    sheet_role,
)
from busplan.io.excel.routes import read_routes
from busplan.io.excel.sheet import SheetError, Table, read_table
from busplan.io.excel.stops import read_stops
from busplan.io.excel.trips import RouteBook, read_trips
from busplan.io.import_report import FileImport, FileReport, SheetReport

FIELDS = {"routes": ROUTE_FIELDS, "stops": STOP_FIELDS, "trips": TRIP_FIELDS}
EXAMPLE_NAMES = {"routes": "I. Rutas", "stops": "II. Paradas", "trips": "III. Expedicións"}


WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm"}
"""What openpyxl reads; checked here because it only checks names it opens itself."""


class WorkbookUnreadable(ValueError):
    """The file is not an Excel workbook openpyxl can open."""


def read_workbook(path: str | Path) -> FileImport:
    report = FileReport(str(path), "workbook")
    try:
        book = open_workbook(path, report)
    except WorkbookUnreadable as exc:
        report.error = str(exc)
        return FileImport([], report)
    tables = _tables(book, report)
    missing = [role for role in FIELDS if not tables[role]]
    if missing:
        names = ", ".join(f'"{EXAMPLE_NAMES[r]}"' for r in missing)
        found = ", ".join(f'"{s.name}"' for s in report.sheets) or "none"
        report.error = f"no usable {' / '.join(missing)} sheet (like {names}); sheets: {found}"
        return FileImport([], report)
    routes, rejected_routes = read_routes([t for t, _ in tables["routes"]], report)
    stops_table, stops = read_stops([t for t, _ in tables["stops"]], report)
    used = {t.sheet for t, _ in tables["routes"] + tables["trips"]} | {stops_table.sheet}
    for sheet in report.sheets:
        sheet.used = sheet.name in used
    report.rows_read = sum(s.rows_read for s in report.sheets if s.used)
    route_book = RouteBook(routes, rejected_routes, stops, stops_table.sheet)
    records = read_trips(tables["trips"], route_book, report)
    report.trips = len(records)
    if not records:
        report.error = (
            f"no usable trips: {sum(len(t.rows) for t, _ in tables['trips'])} trip row(s) read, "
            f"{len(report.rejected)} rejected"
        )
    return FileImport(records, report)


def open_workbook(path: str | Path, report: FileReport) -> Workbook:
    """Open with cached formula values; openpyxl's notes on unsupported features (data
    validation, conditional formats) go to the report as warnings rather than being lost."""
    suffix = Path(path).suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES:
        raise WorkbookUnreadable(f"not an Excel workbook (.xlsx): {suffix or 'no'} extension")
    try:
        # Our own handle: openpyxl leaves its file open when a damaged archive stops it.
        with warnings.catch_warnings(record=True) as caught, Path(path).open("rb") as handle:
            warnings.simplefilter("always")
            book = openpyxl.load_workbook(handle, data_only=True)
    except FileNotFoundError:
        raise WorkbookUnreadable("file not found") from None
    except InvalidFileException as exc:
        raise WorkbookUnreadable(f"not an Excel workbook (.xlsx): {exc}") from None
    except Exception as exc:
        # A damaged archive fails wherever openpyxl meets the damage: zip, zlib, XML parser,
        # or its own readers (KeyError, TypeError...). All of them mean the same to the user.
        raise WorkbookUnreadable(
            f"not a readable Excel workbook (.xlsx): {type(exc).__name__}: {exc}"
        ) from None
    for w in caught:
        report.warn(f"workbook: {w.message}", code="workbook_note")
    return book


def _tables(book: Workbook, report: FileReport) -> dict[str, list[tuple[Table, SheetRole]]]:
    """Each recognised sheet read as a table, in variant order ("(2)" after the plain one)."""
    found: dict[str, list[tuple[Table, SheetRole]]] = {role: [] for role in FIELDS}
    for ws in book.worksheets:
        role = sheet_role(ws.title)
        sheet = SheetReport(ws.title, role.role)
        report.sheets.append(sheet)
        if not role.role:
            continue
        try:
            table = read_table(ws, FIELDS[role.role], "route")
        except SheetError as exc:
            report.warn(f"not used: {exc}", ws.title, code="sheet_not_used")
            continue
        sheet.rows_read = len(table.rows)
        sheet.blank_rows = table.blank_rows
        for note in table.notes:
            report.warn(note, ws.title, table.header_row, code="column_note")
        found[role.role].append((table, role))
    for tables in found.values():
        tables.sort(key=lambda pair: pair[1].variant)
    return found
