"""`busplan check PROBLEM SOLUTION`: list every rule a plan breaks (for hand-edited plans too)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from busplan.core import check
from busplan.core.rules import ride_warnings
from busplan.core.stats import stability
from busplan.i18n import resolve, words
from busplan.io.problem_json import ProblemError, load_problem
from busplan.io.solution_json import load_solution


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="validate a solution against its problem")
    p.add_argument("problem", help="problem JSON file")
    p.add_argument("solution", help="solution JSON file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    w = words(resolve(args.lang))
    try:
        problem = load_problem(args.problem)
        solution = load_solution(args.solution)
    except ProblemError as exc:
        print(f"busplan: {w('cli.error_problem', detail=exc)}", file=sys.stderr)
        return 2
    violations = check(problem, solution)
    for v in violations:
        print(v)
    for ride in ride_warnings(problem):
        minutes = {"ride": round(ride.ride_s / 60), "limit": round(ride.limit_s / 60)}
        print(w("warn.long_ride", trip=ride.trip_id, **minutes), file=sys.stderr)
    buses = {d: len(p.buses) for d, p in solution.days.items()}
    if violations:
        print(w("cli.violations", count=len(violations)), file=sys.stderr)
        return 1
    print(w("cli.feasible", buses=buses), file=sys.stderr)
    if problem.settings.stable_week:
        print(
            w("cli.stability", value=w.number(round(stability(solution.days), 3))), file=sys.stderr
        )
    return 0
