"""`busplan optimize PROBLEM`: plan the buses and print a one-screen summary."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import replace
from typing import Any

from busplan.cli.progress_bar import ProgressBar
from busplan.core import Cancelled, Solution, SolveParams, solve
from busplan.core.model import DAY_NAMES
from busplan.core.units import seconds_to_minutes
from busplan.io.problem_json import ProblemError, load_problem
from busplan.io.solution_json import solution_to_dict, write_solution
from busplan.routing import RoutingConfig, RoutingError, prepare


def register(sub: Any) -> None:
    p = sub.add_parser("optimize", help="plan buses for a problem file")
    p.add_argument("problem", help="problem JSON file")
    p.add_argument("-o", "--output", help="write the solution JSON here (default: stdout)")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
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
    try:
        problem = load_problem(args.problem)
        days = tuple(d.strip() for d in args.days.split(",")) if args.days else None
        params = SolveParams(
            time_limit=args.time_limit, seed=args.seed, workers=args.workers, days=days
        )
    except (ProblemError, ValueError) as exc:
        print(f"busplan: {exc}", file=sys.stderr)
        return 2
    try:
        config = RoutingConfig.from_env(url=args.osrm_url, allow_fallback=args.allow_fallback)
        prepared = prepare(problem, config)
    except (RoutingError, ValueError) as exc:
        print(f"busplan: {exc}", file=sys.stderr)
        return 1
    for warning in prepared.report.warnings:
        print(f"busplan: warning: {warning}", file=sys.stderr)
    try:
        solution = solve(prepared.problem, params, travel=prepared.travel, progress=ProgressBar())
        solution = replace(solution, extra={"travel": prepared.report.to_dict()})
    except KeyboardInterrupt:
        print("\nbusplan: cancelled", file=sys.stderr)
        return 130
    except Cancelled:
        print("busplan: cancelled", file=sys.stderr)
        return 130
    if args.output:
        write_solution(solution, args.output)
    else:
        json.dump(solution_to_dict(solution), sys.stdout, indent=1)
        sys.stdout.write("\n")
    print(summary(solution), file=sys.stderr)
    return 0


def summary(solution: Solution) -> str:
    lines = ["day         trips buses bound gap  deadhead  |shift|  max|shift|  trips/bus"]
    for day, plan in solution.days.items():
        s = plan.stats
        if s is None:
            continue
        lines.append(
            f"{DAY_NAMES[day]:<10} {s.trips:>6} {s.buses:>5} {s.lower_bound:>5} {s.gap:>3} "
            f"{seconds_to_minutes(s.deadhead_s):>8.0f}m {seconds_to_minutes(s.abs_shift_s):>7.0f}m "
            f"{seconds_to_minutes(s.max_abs_shift_s):>10.1f}m  "
            f"{s.trips_per_bus_min}/{s.trips_per_bus_median:g}/{s.trips_per_bus_max}"
            + (f"  (same trips as {DAY_NAMES[plan.same_as]})" if plan.same_as else "")
        )
        why = Counter(u.reason.split(":")[0] for u in plan.unassigned)
        for reason, count in sorted(why.items()):
            lines.append(f"{'':<10} {count} trip(s) unassigned: {reason}")
    if solution.stability is not None:
        lines.append(f"stability over the week: {solution.stability:.3f}")
    lines += [f"missing: {m}" for m in solution.extra.get("missing", [])]
    lines.append(f"solved in {solution.seconds:.1f} s; gap = buses above the proven lower bound")
    return "\n".join(lines)
