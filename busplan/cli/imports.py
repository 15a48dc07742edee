"""`busplan import FILE... -o problem.json`: contract workbooks and route lists to a problem."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from busplan.i18n import Words, resolve, words
from busplan.io.import_report import ImportReport
from busplan.io.imports import ImportFailed, import_files


def register(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help="read contract workbooks (.xlsx) or route lists (.json) into a problem file",
    )
    p.add_argument("files", nargs="+", help="workbooks (one per contract) or route-list JSON")
    p.add_argument("-o", "--output", required=True, help="problem JSON file to write")
    p.add_argument("--report", help="write the parse report (JSON) here, also on failure")
    p.add_argument("--name", help="problem name (default: from the file names)")
    p.add_argument(
        "--operations",
        help="JSON with the operators' depots, fleet and settings (duty, stable_week, ...)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    w = words(resolve(args.lang))
    try:
        result = import_files(args.files, name=args.name, operations=args.operations)
    except ImportFailed as exc:
        _write_report(exc.report, args.report)
        print(summary(exc.report, w), file=sys.stderr)
        print(f"busplan: {w('cli.import_failed', detail=exc)}", file=sys.stderr)
        return 2
    _write_json(Path(args.output), result.document)
    _write_report(result.report, args.report)
    print(summary(result.report, w), file=sys.stderr)
    print(w("cli.import_wrote", count=len(result.problem.trips), path=args.output), file=sys.stderr)
    return 0


def summary(report: ImportReport, w: Words, limit: int = 40) -> str:
    """The parse report for a terminal. English keeps the importer's own sentences, which name
    the values read; the other languages say each rejection and warning by its code."""
    if w.lang == "en":
        return report.summary(limit)
    t = report.totals()
    head = w(
        "cli.import_head",
        files=t["files"],
        rows=t["rows_read"],
        trips=t["trips"],
        rejected=t["rejected"],
        duplicates=t["duplicates"],
        warnings=t["warnings"],
    )
    lines: list[str] = []
    for f in report.files:
        if f.error:
            lines.append(f"{f.file}: {w('upload.file_unreadable')} ({f.error})")
        for r in f.rejected:
            where = ", ".join(x for x in (r.sheet, w("report.row", row=str(r.row)), r.column) if x)
            lines.append(f"{f.file}: {where}: {w(f'reject.{r.code}')}")
        for n in f.warnings:
            key = f"warn.{n.code}" if f"warn.{n.code}" in w.messages else "warn.other"
            lines.append(f"{f.file}: {w('cli.warning', text=w(key, **n.params))}")
    if len(lines) > limit:
        lines = [*lines[:limit], w("cli.import_more", count=len(lines) - limit)]
    return "\n".join([head, *lines])


def _write_report(report: ImportReport, path: str | None) -> None:
    if path:
        _write_json(Path(path), report.to_dict())


def _write_json(path: Path, data: Any) -> None:
    """Write atomically, so that a failed run never leaves half a file behind."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)
