"""The parse report of an import: what was read, what was rejected and why, what was noticed.

Every input row ends up in exactly one place: a trip, a collapsed duplicate, a quietly skipped
blank row, or a rejection that names its file, sheet, row and column. Nothing is dropped
without a line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Why a row was rejected; stable codes for programs, the message is for people."""

    MISSING_ROUTE_CODE = "missing_route_code"
    MISSING_EXPEDITION_CODE = "missing_expedition_code"
    UNKNOWN_DIRECTION = "unknown_direction"
    MISSING_TIME = "missing_time"
    TIME_OUT_OF_RANGE = "time_out_of_range"
    UNKNOWN_ROUTE = "unknown_route"
    ROUTE_WITHOUT_STOPS = "route_without_stops"
    ROUTE_WITH_BAD_STOPS = "route_with_bad_stops"
    STOP_WITHOUT_COORDINATES = "stop_without_coordinates"
    STOPS_OUT_OF_ORDER = "stops_out_of_order"
    UNKNOWN_DAY_CODE = "unknown_day_code"
    MISSING_DAYS = "missing_days"
    DUPLICATE_CONFLICT = "duplicate_conflict"
    UNREADABLE_VALUE = "unreadable_value"


class RowError(ValueError):
    """A value on a row could not be used: the row is rejected with this reason."""

    def __init__(self, code: Reason, message: str, column: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.column = column


@dataclass(frozen=True, slots=True)
class Rejection:
    """A rejected row. For a workbook `row` is the Excel row number; for a route list it is the
    0-based position of the route in the list and `sheet` is empty."""

    sheet: str
    row: int
    column: str
    code: Reason
    reason: str

    def location(self) -> str:
        if self.sheet:
            where = f'sheet "{self.sheet}" row {self.row}'
            return f'{where} column "{self.column}"' if self.column else where
        return f"[{self.row}].{self.column}" if self.column else f"[{self.row}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": str(self.code),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class TripRecord:
    """A trip in the problem format and the row it came from (`route`: its route code)."""

    document: dict[str, Any]
    route: str
    sheet: str
    row: int

    @property
    def id(self) -> str:
        return str(self.document["id"])


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the importer did that a person should know about; the data was still used."""

    message: str
    sheet: str = ""
    row: int | None = None
    code: str = ""
    """What kind of notice, for programs and for the UI's words ("" = not classified)."""
    params: dict[str, Any] = field(default_factory=dict)
    """The values the message names, by name, for saying it in other words."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "message": self.message,
            "code": self.code,
            "params": self.params,
        }

    def __str__(self) -> str:
        where = f'sheet "{self.sheet}"' if self.sheet else ""
        if self.row is not None:
            where += f" row {self.row}" if where else f"[{self.row}]"
        return f"{where}: {self.message}" if where else self.message


@dataclass(slots=True)
class SheetReport:
    name: str
    role: str
    """"routes", "stops", "trips" or "" for a sheet the importer does not read."""
    used: bool = False
    rows_read: int = 0
    """Non-blank data rows below the header."""
    blank_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role or None,
            "used": self.used,
            "rows_read": self.rows_read,
            "blank_rows": self.blank_rows,
        }


@dataclass(slots=True)
class FileReport:
    file: str
    format: str
    """"workbook" or "route-list"."""
    error: str | None = None
    """Why the whole file could not be used; None when it was."""
    sheets: list[SheetReport] = field(default_factory=list)
    trips: int = 0
    duplicates: int = 0
    """Exact duplicates collapsed into the row they repeat."""
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    rows_read: int = 0

    def reject(self, rejection: Rejection) -> None:
        self.rejected.append(rejection)

    def warn(
        self, message: str, sheet: str = "", row: int | None = None, code: str = "", **params: Any
    ) -> None:
        self.warnings.append(Notice(message, sheet, row, code, params))

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "error": self.error,
            "sheets_found": [s.name for s in self.sheets],
            "sheets_used": [s.name for s in self.sheets if s.used],
            "sheets": [s.to_dict() for s in self.sheets],
            "rows_read": self.rows_read,
            "trips": self.trips,
            "duplicates": self.duplicates,
            "rejected": [r.to_dict() for r in self.rejected],
            "warnings": [w.to_dict() for w in self.warnings],
        }


@dataclass(slots=True)
class ImportReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.files) and all(f.error is None for f in self.files)

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "rows_read": sum(f.rows_read for f in self.files),
            "trips": sum(f.trips for f in self.files),
            "rejected": sum(len(f.rejected) for f in self.files),
            "duplicates": sum(f.duplicates for f in self.files),
            "warnings": sum(len(f.warnings) for f in self.files),
            "failed_files": sum(1 for f in self.files if f.error is not None),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "totals": self.totals(),
            "files": [f.to_dict() for f in self.files],
        }

    def summary(self, limit: int = 40) -> str:
        """Lines for a terminal: totals, then failed files, rejections and warnings, at most
        `limit` of them (the full list is in `to_dict()`)."""
        t = self.totals()
        head = (
            f"{t['files']} file(s), {t['rows_read']} rows read: {t['trips']} trips, "
            f"{t['rejected']} rejected, {t['duplicates']} duplicate(s) collapsed, "
            f"{t['warnings']} warning(s)"
        )
        lines: list[str] = []
        for f in self.files:
            if f.error:
                lines.append(f"{f.file}: {f.error}")
            lines += [f"{f.file}: {r.location()}: {r.reason}" for r in f.rejected]
            lines += [f"{f.file}: warning: {w}" for w in f.warnings]
        if len(lines) > limit:
            lines = [*lines[:limit], f"... and {len(lines) - limit} more in the full report"]
        return "\n".join([head, *lines])


@dataclass(slots=True)
class FileImport:
    """What one input file gave: its trips and its report."""

    records: list[TripRecord]
    report: FileReport
