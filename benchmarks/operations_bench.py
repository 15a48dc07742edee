"""Format version 2 (depots, fleet, operators, duty, stable week) on generated instances.

Instances come from the shared generator with `--ops`; every plan is validated by the shared,
independent checker (`check.py`, which enforces every version 2 rule), and the bus counts,
deadhead and stability reported are the checker's or recomputed from the plan, never the
optimizer's own. The bound quoted is busplan's (operators apart, duty-pruned connections); the
checker's own bound ignores operators and is shown beside it.

usage: python benchmarks/operations_bench.py [--bench-dir ../shared/bench] [--sizes 230,1000]
           [--seeds 1,2,3,4,5] [--radii 12,30]
Writes benchmarks/results-operations.md (from every row in benchmarks/out/operations.jsonl, so
runs of different sizes add up; sections from its first `## ` heading on are kept) and raw JSON
lines to benchmarks/out/operations.jsonl.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LIMITS = {230: 60, 1000: 120}


def stability(solution: dict[str, object]) -> float:
    """Share of (trip, day) pairs on the trip's most frequent bus id (as the checker defines)."""
    where: dict[str, Counter[str]] = {}
    for plan in solution["days"].values():  # type: ignore[attr-defined]
        for bus in plan["buses"]:
            for trip in bus["trips"]:
                where.setdefault(trip["id"], Counter())[bus["id"]] += 1
    total = sum(c.total() for c in where.values())
    return sum(max(c.values()) for c in where.values()) / total


def bench(bench_dir: Path, trips: int, radius: float, seed: int, work: Path) -> dict[str, object]:
    name = f"ops-{trips}-r{radius:g}-s{seed}"
    problem, solution = work / f"{name}.json", work / f"{name}.solution.json"
    gen = [sys.executable, str(bench_dir / "gen.py"), "--trips", str(trips), "--seed", str(seed)]
    with problem.open("w") as out:
        subprocess.run([*gen, "--matrix", "--ops", "--radius", str(radius)], stdout=out, check=True)
    started = time.monotonic()
    subprocess.run(
        [
            *(sys.executable, "-m", "busplan", "optimize", str(problem), "-o", str(solution)),
            *("--time-limit", str(LIMITS.get(trips, 120)), "--seed", "0"),
        ],
        capture_output=True,
        check=True,
    )
    seconds = time.monotonic() - started
    checked = subprocess.run(
        [sys.executable, str(bench_dir / "check.py"), str(problem), str(solution), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    days = json.loads(checked.stdout)
    ours = json.loads(solution.read_text())
    return {
        "name": name,
        "trips": trips,
        "radius": radius,
        "seed": seed,
        "seconds": round(seconds, 1),
        "feasible": checked.returncode == 0,
        "stability": round(stability(ours), 4),
        "days": [
            {
                "day": d["day"],
                "buses": d["buses"],
                "bound": ours["days"][d["day"]]["stats"]["lower_bound"],
                "checker_bound": d["lower_bound"],
                "unassigned": d["unassigned"],
                "unassigned_bound": ours["days"][d["day"]]["stats"].get("unassigned_lower_bound"),
                "deadhead_min": round(d["deadhead_min"]),
                "deadhead_bound": ours["days"][d["day"]]["stats"].get("deadhead_lower_bound_min"),
                "errors": len(d["errors"]),
            }
            for d in days
        ],
    }


def unassigned(day: dict[str, Any]) -> str:
    """Trips left out, with busplan's proven bound on how few any plan leaves out."""
    bound = day.get("unassigned_bound")
    return (
        f"{day['unassigned']} ({bound})"
        if day["unassigned"] and bound is not None
        else str(day["unassigned"])
    )


def write(rows: list[dict[str, object]], target: Path) -> None:
    lines = [
        "# Operations benchmark (format version 2)",
        "",
        "`python benchmarks/operations_bench.py`: `gen.py --ops --matrix` instances (two",
        "operators, three depots, a fleet per operator/depot/seat class, duty limits 720/480/",
        "360+30 min, stable week). Feasibility, buses and deadhead (pull-out and pull-in",
        "included) are `check.py`'s; stability is recomputed from the plan; the bound is",
        "busplan's (operators apart, duty-pruned connections, whole chains within the spread),",
        "the checker's (which mixes operators) in brackets. Radius 12 km is metro, 30 km rural.",
        "",
        "| instance | s | feasible | gaps per day (buses - bound) | unassigned (bound) | buses | "
        "deadhead min (bound) | stability |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        days = r["days"]
        gaps = "/".join(str(d["buses"] - d["bound"]) for d in days)  # type: ignore[index]
        buses = "/".join(f"{d['buses']} ({d['checker_bound']})" for d in days)  # type: ignore[index]
        dead = "/".join(f"{d['deadhead_min']} ({d['deadhead_bound']})" for d in days)  # type: ignore[index]
        left = "/".join(unassigned(d) for d in days)  # type: ignore[arg-type]
        mark = " ¹" if r.get("carried") else ""
        lines.append(
            f"| {r['name']}{mark} | {r['seconds']} | {r['feasible']} | {gaps} | {left} | {buses} | "
            f"{dead} | {r['stability']} |"
        )
    gaps = [
        d["buses"] - d["bound"]
        for r in rows
        for d in r["days"]  # type: ignore[attr-defined]
        if not d["unassigned"]
    ]
    lines += [
        "",
        f"Days with every trip planned: median gap {statistics.median(gaps)} bus, largest "
        f"{max(gaps)}; median stability "
        f"{round(statistics.median(r['stability'] for r in rows), 4)}; every plan feasible: "
        f"{all(r['feasible'] for r in rows)}.",
    ]
    if any(r.get("carried") for r in rows):
        lines += [
            "",
            "¹ Not re-run with the current version: carried over from the previous results "
            "(rows marked `carried` in the JSON lines).",
        ]
    notes = target.read_text().split("\n## ", 1)[1:] if target.exists() else []
    target.write_text("\n".join(lines) + "\n" + "".join(f"\n## {n}" for n in notes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bench-dir", type=Path, default=HERE.parents[1] / "shared" / "bench")
    parser.add_argument("--sizes", default="230,1000")
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--radii", default="12,30")
    args = parser.parse_args()
    work = HERE / "out"
    work.mkdir(exist_ok=True)
    rows = []
    with (work / "operations.jsonl").open("a") as raw:
        for trips in map(int, args.sizes.split(",")):
            for radius in map(float, args.radii.split(",")):
                for seed in map(int, args.seeds.split(",")):
                    row = bench(args.bench_dir, trips, radius, seed, work)
                    print(json.dumps(row), file=raw, flush=True)
                    print(row["name"], row["seconds"], row["feasible"], row["stability"])
                    rows.append(row)
    every = [json.loads(line) for line in (work / "operations.jsonl").read_text().splitlines()]
    latest = {r["name"]: r for r in every}  # a run again replaces its row
    write(list(latest.values()), HERE / "results-operations.md")


if __name__ == "__main__":
    main()
