"""`busplan export SOLUTION --problem PROBLEM --pdf F --xlsx F`: timetables for print and Excel."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from busplan.i18n import resolve, words
from busplan.io.export_pdf import export_pdf
from busplan.io.export_xlsx import export_xlsx
from busplan.io.problem_json import ProblemError, load_problem
from busplan.io.solution_json import load_solution
from busplan.io.timetable import ExportError


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write a solution's timetables as PDF and/or XLSX")
    p.add_argument("solution", help="solution JSON file")
    p.add_argument("--problem", required=True, help="the problem JSON file it solves")
    p.add_argument("--pdf", help="write printable timetables here")
    p.add_argument("--xlsx", help="write the Excel workbook here")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    lang = resolve(args.lang)
    w = words(lang)
    if not args.pdf and not args.xlsx:
        print(f"busplan: {w('cli.export_needs_output')}", file=sys.stderr)
        return 2
    try:
        problem = load_problem(args.problem)
        solution = load_solution(args.solution)
        bounds = stated_bounds(Path(args.solution))
        outputs = []
        if args.pdf:
            outputs.append((Path(args.pdf), export_pdf(problem, solution, bounds, lang)))
        if args.xlsx:
            outputs.append((Path(args.xlsx), export_xlsx(problem, solution, bounds, lang)))
    except ProblemError as exc:
        print(f"busplan: {w('cli.error_problem', detail=exc)}", file=sys.stderr)
        return 2
    except ExportError as exc:
        print(f"busplan: {w('cli.error_export', detail=exc)}", file=sys.stderr)
        return 2
    for path, content in outputs:
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(content)
        temporary.replace(path)
        print(w("cli.wrote", path=path), file=sys.stderr)
    return 0


def stated_bounds(path: Path) -> dict[str, int]:
    """Lower bounds the solver wrote into the solution file (`days.*.stats.lower_bound`); the
    plan reader keeps only the plan, and a bound cannot be recomputed from the plan alone."""
    data = json.loads(path.read_text(encoding="utf-8"))
    bounds = {}
    for day, plan in data.get("days", {}).items():
        bound = plan.get("stats", {}).get("lower_bound") if isinstance(plan, dict) else None
        if isinstance(bound, int) and not isinstance(bound, bool):
            bounds[day] = bound
    return bounds
