"""`busplan bells PROBLEM -o REPORT`: which school bells to move, and what each move saves.

For K = 0, 1, ... up to `--max-moves`, the fewest buses with at most K bells moved, which bells
and by how much, the deadhead and a proven bound. The report is written by the suffix of each
`-o`: `.json` (the data), `.xlsx` (a workbook) or `.pdf` (a one-page summary), in `--lang`;
`-o` may be given more than once, so one run writes them all. `--scenario K` also writes that
row's moved problem and its plan, which `busplan check` accepts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from busplan.cli.progress_bar import ProgressBar
from busplan.core import Cancelled, SolveParams
from busplan.core.bells import BellRules
from busplan.core.scenarios import Scenario, bell_curve
from busplan.i18n import Words, resolve, words
from busplan.io.bells_json import move_problem_document, report_to_dict
from busplan.io.export_bells_pdf import export_bells_pdf
from busplan.io.export_bells_xlsx import export_bells_xlsx
from busplan.io.problem_json import ProblemError, load_problem
from busplan.io.solution_json import write_solution
from busplan.routing import RoutingConfig, RoutingError, prepare


def _json(report: dict[str, Any], lang: str) -> bytes:
    return (json.dumps(report, indent=1, ensure_ascii=False) + "\n").encode()


WRITERS: dict[str, Callable[[dict[str, Any], str], bytes]] = {
    ".json": _json,
    ".xlsx": export_bells_xlsx,
    ".pdf": export_bells_pdf,
}
"""The report's formats, by the suffix of the file."""


def register(sub: Any) -> None:
    p = sub.add_parser("bells", help="what moving school bells would save")
    p.add_argument("problem", help="problem JSON file")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        action="append",
        help="the report: .json, .xlsx or .pdf by its suffix; may be given more than once",
    )
    p.add_argument("--range", default="-30,30", help="allowed moves in minutes (default -30,30)")
    p.add_argument("--step", type=float, default=5, help="minutes between moves (default 5)")
    p.add_argument("--max-moves", type=int, default=5, help="largest K (default 5)")
    p.add_argument("--fixed", default="", help="comma-separated school ids that never move")
    p.add_argument(
        "--tied", default="", help="comma-separated school ids whose bells move together"
    )
    p.add_argument("--time-limit", type=float, default=30.0, help="seconds per row (default 30)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--scenario",
        type=int,
        help="also write row K's moved problem and plan (see --scenario-prefix)",
    )
    p.add_argument(
        "--scenario-prefix",
        help="files PREFIX-problem.json and PREFIX-solution.json (default: next to the report)",
    )
    p.add_argument("--osrm-url", help="road travel times from this OSRM server (default $OSRM_URL)")
    p.set_defaults(run=run)


def parse_rules(args: argparse.Namespace) -> BellRules:
    try:
        low, high = (float(v) for v in args.range.split(","))
    except ValueError:
        raise ValueError(
            f"--range {args.range!r}: give two numbers of minutes, e.g. -30,30"
        ) from None
    return BellRules(
        earliest_s=round(low * 60),
        latest_s=round(high * 60),
        step_s=round(args.step * 60),
        fixed=frozenset(s.strip() for s in args.fixed.split(",") if s.strip()),
        tied=frozenset(s.strip() for s in args.tied.split(",") if s.strip()),
    )


def run(args: argparse.Namespace) -> int:
    lang = resolve(args.lang)
    w = words(lang)
    unknown = [o for o in args.output if Path(o).suffix.lower() not in WRITERS]
    if unknown:
        print(f"busplan: {w('bells.error_output', path=unknown[0])}", file=sys.stderr)
        return 2
    try:
        problem = load_problem(args.problem)
        document = json.loads(Path(args.problem).read_text(encoding="utf-8"))
        rules = parse_rules(args)
        params = SolveParams(time_limit=args.time_limit, seed=args.seed)
        if args.max_moves < 0:
            raise ValueError("--max-moves must not be negative")
        if args.scenario is not None and not 0 <= args.scenario <= args.max_moves:
            raise ValueError(f"--scenario must be between 0 and --max-moves ({args.max_moves})")
        prepared = prepare(problem, RoutingConfig.from_env(url=args.osrm_url))
    except (ProblemError, ValueError) as exc:
        print(f"busplan: {w('cli.error_problem', detail=exc)}", file=sys.stderr)
        return 2
    except RoutingError as exc:
        print(f"busplan: {w('cli.error_routing', detail=exc)}", file=sys.stderr)
        return 1
    print(_header(w), file=sys.stderr)
    try:
        rows = bell_curve(
            prepared.problem,
            rules,
            args.max_moves,
            params,
            travel=prepared.travel,
            progress=ProgressBar(words=w),
            on_row=lambda row: print(_line(row, w), file=sys.stderr),
        )
    except (KeyboardInterrupt, Cancelled):
        print(f"\nbusplan: {w('cli.cancelled')}", file=sys.stderr)
        return 130
    except ValueError as exc:
        print(f"busplan: {w('cli.error_problem', detail=exc)}", file=sys.stderr)
        return 2
    report = report_to_dict(prepared.problem, rules, rows)
    for output in args.output:
        path = Path(output)
        path.write_bytes(WRITERS[path.suffix.lower()](report, lang))
        print(w("cli.wrote", path=path), file=sys.stderr)
    if args.scenario is not None:
        row = rows[args.scenario]
        first = Path(args.output[0])
        prefix = args.scenario_prefix or str(first.with_suffix("")) + f"-{row.max_moves}"
        moved = move_problem_document(document, problem, row.moves)
        Path(f"{prefix}-problem.json").write_text(json.dumps(moved, indent=1, ensure_ascii=False))
        write_solution(row.solution, f"{prefix}-solution.json")
    return 0


def _header(w: Words) -> str:
    heads = [w(f"cli.col_{c}") for c in ("buses", "bound", "deadhead", "moves")]
    return f"{'K':>3} {heads[0]:>6} {heads[1]:>6} {heads[2]:>9}  {heads[3]}"


def _line(row: Scenario, w: Words) -> str:
    moves = ", ".join(
        f"{k[0]} {w.kind(k[1].value)} {'+' if v > 0 else ''}{round(v / 60)}"
        for k, v in sorted(row.moves.items())
    )
    deadhead = w.number(round(row.deadhead_s / 60), 0) + "m"
    return f"{row.max_moves:>3} {row.fleet:>6} {row.bound:>6} {deadhead:>9}  {moves}"
