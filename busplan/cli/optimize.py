"""`busplan optimize PROBLEM`: plan the buses and print a one-screen summary."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import replace
from typing import Any

from busplan.cli.progress_bar import ProgressBar
from busplan.core import Cancelled, Solution, SolveParams, solve
from busplan.i18n import Words, resolve, words
from busplan.io.problem_json import ProblemError, load_problem
from busplan.io.solution_json import solution_to_dict, write_solution
from busplan.routing import RoutingConfig, RoutingError, prepare


def register(sub: Any) -> None:
    p = sub.add_parser("optimize", help="plan buses for a problem file")
    p.add_argument("problem", help="problem JSON file")
    p.add_argument("-o", "--output", help="write the solution JSON here (default: stdout)")
    p.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="seconds for the whole command, reading and writing included (default 60)",
    )
    p.add_argument("--days", help="comma-separated day codes, e.g. L,M (default: all)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--workers", type=int, default=1, help="search threads (default 1)")
    p.add_argument("--osrm-url", help="road travel times from this OSRM server (default $OSRM_URL)")
    p.add_argument(
        "--allow-fallback",
        action="store_true",
        default=None,
        help="if OSRM is unreachable, use the built-in estimate (with a warning)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    w = words(resolve(args.lang))
    try:
        problem = load_problem(args.problem)
        days = tuple(d.strip() for d in args.days.split(",")) if args.days else None
        params = SolveParams(
            time_limit=args.time_limit, seed=args.seed, workers=args.workers, days=days
        )
    except (ProblemError, ValueError) as exc:
        print(f"busplan: {w('cli.error_problem', detail=exc)}", file=sys.stderr)
        return 2
    try:
        config = RoutingConfig.from_env(url=args.osrm_url, allow_fallback=args.allow_fallback)
        prepared = prepare(problem, config)
    except (RoutingError, ValueError) as exc:
        print(f"busplan: {w('cli.error_routing', detail=exc)}", file=sys.stderr)
        return 1
    for warning in prepared.report.warnings:
        print(f"busplan: {w('cli.warning', text=warning)}", file=sys.stderr)
    # The solver's own reserve covers its statistics and the writing of the plan; reading the
    # problem and its travel times comes out of the limit here.
    try:
        solution = solve(
            prepared.problem,
            params.after(time.monotonic() - args.started),
            travel=prepared.travel,
            progress=ProgressBar(words=w),
        )
        solution = replace(solution, extra={**solution.extra, "travel": prepared.report.to_dict()})
    except KeyboardInterrupt:
        print(f"\nbusplan: {w('cli.cancelled')}", file=sys.stderr)
        return 130
    except Cancelled:
        print(f"busplan: {w('cli.cancelled')}", file=sys.stderr)
        return 130
    if args.output:
        write_solution(solution, args.output)
    else:
        json.dump(solution_to_dict(solution), sys.stdout, indent=1)
        sys.stdout.write("\n")
    print(summary(solution, w), file=sys.stderr)
    return 0


COLUMNS = (
    "day",
    "trips",
    "buses",
    "bound",
    "gap",
    "deadhead",
    "deadhead_bound",
    "shift",
    "max_shift",
    "per_bus",
)
WIDTHS = (10, 6, 5, 5, 3, 9, 9, 8, 11, 0)
"""The narrowest each column is (English headers fit these); longer headers widen them."""


def summary(solution: Solution, w: Words | None = None) -> str:
    """A table of the days: buses against the lower bound, empty driving, moved bells and
    trips per bus, in the words and numbers of `w` (English by default)."""
    w = w or words()
    heads = [w(f"cli.col_{c}") for c in COLUMNS]
    widths = [max(n, len(h)) for n, h in zip(WIDTHS, heads, strict=True)]
    gaps = ["", " ", " ", " ", " ", " ", " ", " ", " ", "  "]

    def line(cells: list[str]) -> str:
        parts = [cells[0].ljust(widths[0])]
        parts += [
            gaps[k] + cells[k].rjust(widths[k] if k < len(cells) - 1 else 0)
            for k in range(1, len(cells))
        ]
        return "".join(parts).rstrip()

    def minutes(seconds: float, decimals: int) -> str:
        return w.number(round(seconds / 60, decimals), decimals) + "m"

    lines = [line(heads)]
    for day, plan in solution.days.items():
        s = plan.stats
        if s is None:
            continue
        cells = [
            w.day(day),
            str(s.trips),
            str(s.buses),
            str(s.lower_bound),
            str(s.gap),
            minutes(round(s.deadhead_s / 60) * 60, 0),
            "-" if s.deadhead_bound_s is None else minutes(s.deadhead_bound_s // 60 * 60, 0),
            minutes(round(s.abs_shift_s / 60) * 60, 0),
            _one_decimal(s.max_abs_shift_s / 60, w) + "m",
            f"{s.trips_per_bus_min}/{w.number(s.trips_per_bus_median)}/{s.trips_per_bus_max}",
        ]
        text = line(cells)
        if plan.same_as:
            text += "  " + w("cli.same_as", day=w.day_in_text(plan.same_as))
        lines.append(text)
        rules = Counter(u.rule or "vehicle_size" for u in plan.unassigned)
        for rule, count in sorted(rules.items()):
            why = w(f"unassigned.rule.{rule}")
            lines.append(" " * (widths[0] + 1) + w("cli.unassigned", count=count, why=why))
        if s.unassigned_bound is not None:
            proven = w("cli.unassigned_bound", bound=s.unassigned_bound)
            lines.append(" " * (widths[0] + 1) + proven)
    if solution.stability is not None:
        lines.append(w("cli.stability", value=w.percent(solution.stability)))
    lines += [w("cli.missing", what=m) for m in solution.extra.get("missing", [])]
    lines.append(w("cli.solved", s=_one_decimal(solution.seconds, w)))
    return "\n".join(lines)


def _one_decimal(value: float, w: Words) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if w.lang in ("gl", "es") else text
