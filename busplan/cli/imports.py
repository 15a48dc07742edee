"""`busplan import FILE... -o problem.json`: contract workbooks and route lists to a problem."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

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
    try:
        result = import_files(args.files, name=args.name, operations=args.operations)
    except ImportFailed as exc:
        _write_report(exc.report, args.report)
        print(exc.report.summary(), file=sys.stderr)
        print(f"busplan: import failed: {exc}", file=sys.stderr)
        return 2
    _write_json(Path(args.output), result.document)
    _write_report(result.report, args.report)
    print(result.report.summary(), file=sys.stderr)
    print(f"wrote {len(result.problem.trips)} trips to {args.output}", file=sys.stderr)
    return 0


def _write_report(report: ImportReport, path: str | None) -> None:
    if path:
        _write_json(Path(path), report.to_dict())


def _write_json(path: Path, data: Any) -> None:
    """Write atomically, so that a failed run never leaves half a file behind."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)
