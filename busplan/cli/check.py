"""`busplan check PROBLEM SOLUTION`: list every rule a plan breaks (for hand-edited plans too)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from busplan.core import check
from busplan.core.rules import ride_warnings
from busplan.core.stats import stability
from busplan.io.problem_json import ProblemError, load_problem
from busplan.io.solution_json import load_solution


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="validate a solution against its problem")
    p.add_argument("problem", help="problem JSON file")
    p.add_argument("solution", help="solution JSON file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        problem = load_problem(args.problem)
        solution = load_solution(args.solution)
    except ProblemError as exc:
        print(f"busplan: {exc}", file=sys.stderr)
        return 2
    violations = check(problem, solution)
    for v in violations:
        print(v)
    for trip_id, message in ride_warnings(problem):
        print(f"warning: trip {trip_id}: {message}", file=sys.stderr)
    buses = {d: len(p.buses) for d, p in solution.days.items()}
    if violations:
        print(f"{len(violations)} violation(s)", file=sys.stderr)
        return 1
    print(f"feasible: buses per day {buses}", file=sys.stderr)
    if problem.settings.stable_week:
        print(f"stability over the week: {stability(solution.days):.3f}", file=sys.stderr)
    return 0
