"""busplan against the plain CP-SAT arc model when every trip may move a lot.

For each seed, Monday's trips of `gen.py --trips 230 --seed S --matrix`, with every window
+-15 or +-30 minutes, with and without seat ranges, with real travel times or every drive 10
minutes and buffer 0 (see `wide_variants`). Both solvers get the same seconds; busplan runs as
`busplan optimize` does (one search thread), the reference with 2 workers. Every plan is
validated by the independent checker `../shared/bench/check.py`.

    python benchmarks/wide_bench.py --seeds 1,2,3 --time-limit 60
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from arc_model import solve_day  # noqa: E402
from wide_variants import variant  # noqa: E402

from busplan.core import Solution, SolveParams, solve  # noqa: E402
from busplan.io.problem_json import parse_problem  # noqa: E402
from busplan.io.solution_json import write_solution  # noqa: E402

BENCH = HERE.parents[1] / "shared" / "bench"
"""The shared generator and checker, by default beside the project (`--bench-dir`)."""
RESULTS = HERE / "results-wide.md"


def monday(problem: dict[str, Any]) -> dict[str, Any]:
    """Monday's trips only (and their travel rows), as a one-day problem."""
    keep = [k for k, t in enumerate(problem["trips"]) if "L" in t.get("days", ["L"])]
    out = dict(problem)
    out["trips"] = [{**problem["trips"][k], "days": ["L"]} for k in keep]
    if "travel" in problem:
        rows = problem["travel"]["minutes"]
        out["travel"] = {"minutes": [[rows[i][j] for j in keep] for i in keep]}
    return out


def checked(bench: Path, problem_path: Path, solution: Solution, folder: Path, name: str) -> str:
    path = folder / f"{name}.json"
    write_solution(solution, path)
    done = subprocess.run(
        [sys.executable, str(bench / "check.py"), str(problem_path), str(path)],
        capture_output=True,
        text=True,
    )
    return "ok" if done.returncode == 0 else "FAIL"


def run(
    bench: Path, seed: int, window: int, seats: bool, uniform: bool, seconds: float, folder: Path
) -> dict[str, Any]:
    raw = json.loads(
        subprocess.run(
            [
                sys.executable,
                str(bench / "gen.py"),
                "--trips",
                "230",
                "--seed",
                str(seed),
                "--matrix",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    data = monday(variant(raw, window, seats, uniform))
    name = f"s{seed}-w{window}-{'seats' if seats else 'noseats'}-{'uniform' if uniform else 'real'}"
    problem_path = folder / f"{name}-problem.json"
    problem_path.write_text(json.dumps(data))
    problem = parse_problem(data)
    t0 = time.monotonic()
    ours = solve(problem, SolveParams(time_limit=seconds))
    ours_s = time.monotonic() - t0
    stats = ours.days["L"].stats
    assert stats is not None
    try:
        plan, ref_bound, ref_s = solve_day(problem, "L", seconds, workers=2)
        ref: dict[str, Any] = {
            "arc model": len(plan.buses),
            "arc bound": max(ref_bound, 0),
            "arc s": round(ref_s, 1),
            "arc check": checked(bench, problem_path, Solution({"L": plan}), folder, f"{name}-arc"),
        }
    except RuntimeError:  # no plan within the time
        ref = {"arc model": "none", "arc bound": "-", "arc s": seconds, "arc check": "-"}
    return {
        "instance": name,
        "trips": stats.trips,
        "busplan": stats.buses,
        "busplan bound": stats.lower_bound,
        "busplan s": round(ours_s, 1),
        "busplan check": checked(bench, problem_path, ours, folder, f"{name}-busplan"),
        **ref,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--windows", default="15,30")
    parser.add_argument("--bench-dir", type=Path, default=BENCH)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in map(int, args.seeds.split(",")):
            for window in map(int, args.windows.split(",")):
                for seats in (True, False):
                    for uniform in (False, True):
                        row = run(
                            args.bench_dir, seed, window, seats, uniform, args.time_limit, Path(tmp)
                        )
                        print(json.dumps(row), flush=True)
                        rows.append(row)
    write(rows, args)


def write(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    heads = list(rows[0])
    table = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    table += ["| " + " | ".join(str(r[h]) for h in heads) + " |" for r in rows]
    solved = [r for r in rows if r["arc model"] != "none"]
    diff = [r["arc model"] - r["busplan"] for r in solved]
    ratios = [r["busplan"] / r["arc model"] for r in solved]
    gaps = [r["busplan"] / max(r["busplan bound"], 1) for r in rows]
    summary = [
        f"- busplan fewer buses than the arc model on {sum(d > 0 for d in diff)} of {len(rows)}, "
        f"equal on {sum(d == 0 for d in diff)}, more on {sum(d < 0 for d in diff)}; the arc "
        f"model found no plan in time on {len(rows) - len(solved)}.",
        f"- busplan / arc model buses: median {statistics.median(ratios):.3f}, "
        f"worst {max(ratios):.3f}.",
        f"- busplan buses / its proven bound: median {statistics.median(gaps):.3f}, "
        f"worst {max(gaps):.3f}.",
    ]
    RESULTS.write_text(
        "# Wide windows: busplan against the plain CP-SAT arc model\n\n"
        f"Produced by `python benchmarks/wide_bench.py --seeds {args.seeds} --time-limit "
        f"{args.time_limit:g}` on a shared 2-core machine (other work running). Monday of "
        "`gen.py --trips 230 --seed S --matrix`; every trip's window +-15 or +-30 min; "
        "'noseats' drops the seat ranges; 'uniform' makes every drive 10 minutes with buffer 0. "
        "Both solvers get the same seconds; busplan one search thread, the arc model two. "
        "'check' is `../shared/bench/check.py` on the plan.\n\n"
        + "\n".join(summary)
        + "\n\n"
        + "\n".join(table)
        + "\n"
    )


if __name__ == "__main__":
    main()
