"""The bells curve (K = 0..10) on generated timetables, every row's plan checked.

For each instance, `bell_curve` with the default rules (-30..+30 min in 5-minute steps); every
row's moved problem and plan go through the independent checker `../shared/bench/check.py`.

    python benchmarks/bells_bench.py --instances metro-230,rural-230,metro-1000:60 --row-limit 25

An instance may carry its own row limit in seconds after a colon (`metro-1000:60`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from busplan.core import SolveParams
from busplan.core.bells import BellRules, bells_of
from busplan.core.scenarios import bell_curve
from busplan.io.bells_json import move_problem_document
from busplan.io.problem_json import parse_problem
from busplan.io.solution_json import write_solution

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent.parent / "shared" / "bench"
RESULTS = HERE / "results-bells.md"
RADIUS = {"metro": None, "rural": 60}


def generate(name: str) -> dict[str, Any]:
    kind, trips = name.split("-")
    cmd = [sys.executable, str(BENCH / "gen.py"), "--trips", trips, "--seed", "1", "--matrix"]
    if RADIUS[kind]:
        cmd += ["--radius", str(RADIUS[kind])]
    data: dict[str, Any] = json.loads(
        subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    )
    return data


def run(name: str, max_moves: int, row_limit: float, folder: Path) -> list[dict[str, Any]]:
    document = generate(name)
    problem = parse_problem(document)
    started = time.monotonic()
    rows = bell_curve(problem, BellRules(), max_moves, SolveParams(time_limit=row_limit))
    total = time.monotonic() - started
    out = []
    for row in rows:
        problem_path = folder / f"{name}-{row.max_moves}-problem.json"
        solution_path = folder / f"{name}-{row.max_moves}-solution.json"
        problem_path.write_text(json.dumps(move_problem_document(document, problem, row.moves)))
        write_solution(row.solution, solution_path)
        done = subprocess.run(
            [sys.executable, str(BENCH / "check.py"), str(problem_path), str(solution_path)],
            capture_output=True,
            text=True,
        )
        out.append(
            {
                "instance": name,
                "bells": len(bells_of(problem)),
                "K": row.max_moves,
                "buses (busiest day)": row.fleet,
                "saved": rows[0].fleet - row.fleet,
                "bound": row.bound,
                "deadhead h": round(row.deadhead_s / 3600, 1),
                "moved": row.units_moved,
                "s": row.seconds,
                "check": "ok" if done.returncode == 0 else "FAIL",
                "total s": round(total, 1),
            }
        )
        print(json.dumps(out[-1]), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", default="metro-230,rural-230,metro-1000:60")
    parser.add_argument("--max-moves", type=int, default=10)
    parser.add_argument("--row-limit", type=float, default=25.0)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for item in args.instances.split(","):
            name, _, limit = item.partition(":")
            rows += run(name, args.max_moves, float(limit or args.row_limit), Path(tmp))
    heads = [h for h in rows[0] if h != "total s"]
    table = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    table += ["| " + " | ".join(str(r[h]) for h in heads) + " |" for r in rows]
    totals = {r["instance"]: r["total s"] for r in rows}
    RESULTS.write_text(
        "# Bells curve: fewest buses with at most K bells moved\n\n"
        f"Produced by `python benchmarks/bells_bench.py --instances {args.instances} "
        f"--max-moves {args.max_moves} --row-limit {args.row_limit:g}` on a 2-core machine. "
        "Instances: `gen.py --trips N --seed 1 --matrix` (rural: "
        "`--radius 60`). Default rules: every bell may move -30..+30 min in 5-minute steps. "
        "'buses' is the busiest day's; 'bound' a proven lower bound for at most K moves; "
        "'check' is `../shared/bench/check.py` on the moved problem and the row's plan; "
        "'s' the row's seconds (its limit is given after the instance's name, else "
        "`--row-limit`).\n\n"
        "Whole curve, seconds: "
        + ", ".join(f"{k} {v}" for k, v in totals.items())
        + "\n\n"
        + "\n".join(table)
        + "\n"
    )


if __name__ == "__main__":
    main()
