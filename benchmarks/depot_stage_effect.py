"""What the depot-aware deadhead stage itself changes on the operations instances.

Whole-run figures (`operations_bench.py`) move by a few per cent from run to run on a loaded
machine, because the earlier searches stop on the wall clock; this script measures the stage
alone, inside one solve: each day set's deadhead (pull-out and pull-in included, at the homes
the buses have) and the week's stability just before and just after the stage, per operator.

usage: python benchmarks/depot_stage_effect.py [--bench-dir /work/shared/bench] [--trips 230]
           [--seeds 1,2,3,4,5] [--radii 12,30]
Prints one JSON line per instance and a summary.
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

from busplan.core import SolveParams, solve
from busplan.core.depot_stage import DepotStage
from busplan.io.problem_json import parse_problem

HERE = Path(__file__).resolve().parent


def deadhead_s(stage: DepotStage) -> int:
    week, total = stage.week, 0
    for n, label in enumerate(week.labels):
        if n in stage.homes and label.key == stage.key and stage.day in label.runs:
            run = label.runs[stage.day]
            pulls = week._pulls(run, stage.homes[n][1]) if stage.homes[n][1] is not None else (0, 0)
            total += sum(pulls) + sum(p.deadhead_s for p in run)
    return total * len(stage.days)


def measure(problem_path: Path, limit: float) -> dict[str, Any]:
    records: list[tuple[int, int, float, float, float]] = []
    original = DepotStage.run

    def run(stage: DepotStage) -> dict[int, tuple[str, int | None, int | None]]:
        before, stable, started = deadhead_s(stage), stage._stability(), time.monotonic()
        stage.homes = original(stage)
        after = deadhead_s(stage)
        records.append((before, after, stable, stage._stability(), time.monotonic() - started))
        return stage.homes

    DepotStage.run = run  # type: ignore[method-assign]
    try:
        problem = parse_problem(json.loads(problem_path.read_text()))
        solution = solve(problem, SolveParams(time_limit=limit))
    finally:
        DepotStage.run = original  # type: ignore[method-assign]
    return {
        "deadhead_before_min": sum(r[0] for r in records) // 60,
        "deadhead_after_min": sum(r[1] for r in records) // 60,
        "stability_before": round(records[0][2], 4) if records else None,
        "stability_after": round(records[-1][3], 4) if records else None,
        "stability_reported": solution.stability,
        "stage_seconds": round(sum(r[4] for r in records), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench-dir", type=Path, default=Path("/work/shared/bench"))
    parser.add_argument("--trips", type=int, default=230)
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--radii", default="12,30")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for radius in args.radii.split(","):
            for seed in args.seeds.split(","):
                path = Path(tmp) / f"ops-{args.trips}-r{radius}-s{seed}.json"
                gen = [sys.executable, str(args.bench_dir / "gen.py"), "--trips", str(args.trips)]
                gen += ["--seed", seed, "--matrix", "--ops", "--radius", radius]
                path.write_text(
                    subprocess.run(gen, capture_output=True, text=True, check=True).stdout
                )
                row = {"name": path.stem, **measure(path, 60 if args.trips <= 230 else 120)}
                print(json.dumps(row), flush=True)
                rows.append(row)
    before = sum(r["deadhead_before_min"] for r in rows)
    after = sum(r["deadhead_after_min"] for r in rows)
    improved = sum(r["deadhead_after_min"] < r["deadhead_before_min"] for r in rows)
    print(
        f"deadhead (all days) {before} -> {after} min ({100 * (after - before) / before:+.2f} %); "
        f"instances improved {improved}/{len(rows)}; stability lowered on "
        f"{sum(r['stability_after'] < r['stability_before'] for r in rows)}; stage seconds "
        f"{min(r['stage_seconds'] for r in rows)}-{max(r['stage_seconds'] for r in rows)}"
    )


if __name__ == "__main__":
    main()
