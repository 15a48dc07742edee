"""The shared checker's validation of every rule, without its lower bound on buses.

The checker (`check.py` in the shared bench directory) validates each day's plan in time linear
in the trips, then computes its own bound by matching over every pair of trips in pure Python,
which at 10,000 trips a day takes far longer than the solve. This runs the same validation
(its `check_day` with the bound left out) and exits like the checker: 0 when every day is
valid, 1 otherwise. busplan's own proven bound is what the region benchmark reports.

usage: python benchmarks/check_rules.py BENCH_DIR problem.json solution.json
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path


def main() -> int:
    bench_dir, problem, solution = (Path(a) for a in sys.argv[1:4])
    spec = importlib.util.spec_from_file_location("check", bench_dir / "check.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"{bench_dir / 'check.py'}: not found")
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    p = check.Problem(json.loads(problem.read_text()))
    days = json.loads(solution.read_text()).get("days", {})
    runs = [d for d in check.DAYS if d in days or any(p.runs_on(i, d) for i in range(len(p.trips)))]
    valid = bool(runs)
    for day in runs:
        report = check.check_day(p, day, days.get(day, {"buses": []}), bound=False)
        errors = report["errors"]
        print(f"{day}: trips={report['trips']} buses={report['buses']} errors={len(errors)}")
        for error in errors[:5]:
            print("   ", error)
        valid = valid and not errors
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
