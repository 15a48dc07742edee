"""The import front door: workbooks and route lists in, one problem and its report out.

Each file is read on its own, then the trips of all files are merged: a trip id met again
with the same content is collapsed and counted, with different content rejected where it was
met the second time. If any file failed, the import fails and the report says why; the caller
decides whether to write the report anyway (the CLI does).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from busplan.core.model import Problem
from busplan.core.rules import ride_warnings
from busplan.io.excel import read_workbook
from busplan.io.import_report import (
    FileImport,
    ImportReport,
    Reason,
    Rejection,
    TripRecord,
)
from busplan.io.problem_json import FORMAT_VERSION, ProblemError, parse_problem
from busplan.io.routes_json import read_route_list

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class ImportResult:
    problem: Problem
    document: dict[str, Any]
    """The same problem in the problem JSON format, ready to be written."""
    report: ImportReport


class ImportFailed(ValueError):
    """No problem could be built; `report` says, file by file, why."""

    def __init__(self, report: ImportReport, reason: str = "") -> None:
        self.report = report
        failed = [f"{f.file}: {f.error}" for f in report.files if f.error]
        super().__init__("; ".join(failed + ([reason] if reason else [])) or "nothing to import")


def import_workbooks(paths: Iterable[str | Path], *, name: str | None = None) -> ImportResult:
    """Contract workbooks (one per contract) merged into one problem."""
    return _merge([read_workbook(p) for p in paths], name)


def import_files(
    paths: Iterable[str | Path], *, name: str | None = None, operations: str | Path | None = None
) -> ImportResult:
    """Workbooks and route-list JSON files, told apart by their extension, merged.

    `operations`: a small JSON file with the operators' `depots`, `fleet` and `settings`
    (duty limits, `stable_week`, `max_ride_min`...), as in problem format version 2.
    """
    extra = _operations(Path(operations)) if operations is not None else None
    return _merge([_read(Path(p)) for p in paths], name, extra)


OPERATION_KEYS = ("depots", "fleet", "settings")


def _operations(path: Path) -> dict[str, Any]:
    """The operations file, or ImportFailed naming it and why it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImportFailed(ImportReport(), f"{path}: cannot read file: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ImportFailed(
            ImportReport(), f"{path}: not valid JSON ({exc.msg} at {where})"
        ) from None
    if not isinstance(data, dict) or not set(data) <= set(OPERATION_KEYS):
        raise ImportFailed(
            ImportReport(), f"{path}: must be an object with only {', '.join(OPERATION_KEYS)}"
        )
    return data


def _read(path: Path) -> FileImport:
    if path.suffix.lower() == ".json":
        return read_route_list(path)
    return read_workbook(path)


def _merge(
    files: list[FileImport], name: str | None, operations: dict[str, Any] | None = None
) -> ImportResult:
    report = ImportReport([f.report for f in files])
    if not files:
        raise ImportFailed(report, "no files given")
    kept: dict[str, TripRecord] = {}
    origin: dict[str, str] = {}
    for f in files:
        if f.report.error:
            continue
        for record in f.records:
            first = kept.get(record.id)
            if first is None:
                kept[record.id] = record
                origin[record.id] = f.report.file
            elif first.document == record.document:
                f.report.duplicates += 1
                f.report.trips -= 1
            else:
                f.report.trips -= 1
                f.report.reject(
                    Rejection(
                        record.sheet,
                        record.row,
                        "",
                        Reason.DUPLICATE_CONFLICT,
                        f"trip {record.id} is already in {origin[record.id]} "
                        "with different content",
                    )
                )
    if not report.ok:
        raise ImportFailed(report)
    trips = [r.document for r in kept.values()]
    operational = operations is not None or any("operator" in t for t in trips)
    document: dict[str, Any] = {
        "version": FORMAT_VERSION if operational else 1,
        "name": name if name is not None else _name(files),
        **(operations or {}),
        "trips": trips,
    }
    try:
        problem = parse_problem(document)
    except ProblemError as exc:
        reason = f"the imported trips do not form a valid problem: {exc}"
        raise ImportFailed(report, reason) from None
    by_file = {f.report.file: f.report for f in files}
    for ride in ride_warnings(problem):
        by_file[origin[ride.trip_id]].warn(
            str(ride),
            code="long_ride",
            trip=ride.trip_id,
            ride=round(ride.ride_s / 60),
            limit=round(ride.limit_s / 60),
        )
    return ImportResult(problem, document, report)


def _name(files: list[FileImport]) -> str:
    stems = [Path(f.report.file).stem for f in files]
    return stems[0] if len(stems) == 1 else f"{stems[0]} and {len(stems) - 1} more"
