"""Region-scale benchmark: time, peak memory and buses over the bound against trips a day.

Instances come from the shared generator without a travel matrix (the solver estimates travel
from coordinates, as for a region nobody has routed yet); every solution is validated by the
shared, independent checker (above `--check-up-to` trips, its validation without its
quadratic bound: `check_rules.py`). Each size is solved by one `busplan optimize` process at a time,
under `/usr/bin/time -v`, whose maximum resident set size is the peak memory reported.

usage: python benchmarks/region_bench.py [--bench-dir ../shared/bench]
           [--runs 230:12:60,1000:12:120,3000:12:600,10000:60:150,20000:90:900] [--seed 1]

Each run is TRIPS:RADIUS_KM:TIME_LIMIT_S. Rows are appended to benchmarks/results-region.md
(with the machine's load average, since the machine may be shared), raw figures to
benchmarks/out/region.jsonl, and the growth plot is redrawn from all rows of that file as
benchmarks/region-growth.svg.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-region.md"
RAW = HERE / "out" / "region.jsonl"
PLOT = HERE / "region-growth.svg"
DEFAULT_RUNS = "230:12:60,1000:12:120,3000:12:600,10000:60:150,20000:90:900"


def solve_once(
    bench_dir: Path, trips: int, radius: float, limit: float, seed: int, work: Path, check: bool
) -> dict[str, Any]:
    name = f"gen-{trips}-r{radius:g}-s{seed}"
    problem, solution = work / f"{name}.json", work / f"{name}.solution.json"
    gen = [sys.executable, str(bench_dir / "gen.py"), "--trips", str(trips), "--seed", str(seed)]
    with problem.open("w") as out:
        subprocess.run([*gen, "--radius", str(radius)], stdout=out, check=True)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    optimize = [sys.executable, "-m", "busplan", "optimize", str(problem), "-o", str(solution)]
    done = subprocess.run(
        ["/usr/bin/time", "-v", *optimize, "--time-limit", str(limit), "--seed", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"{name}: busplan failed:\n{done.stderr[-2000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if peak is None:
        raise RuntimeError(f"{name}: no peak memory in the output of /usr/bin/time")
    peak_kb = int(peak[1])
    ours = json.loads(solution.read_text())["days"]
    days = [
        {
            "day": day,
            "trips": plan["stats"]["trips"],
            "buses": plan["stats"]["buses"],
            "bound": plan["stats"]["lower_bound"],
            "deadhead": plan["stats"]["deadhead_min"],
            "deadhead_bound": plan["stats"].get("deadhead_lower_bound_min"),
        }
        for day, plan in ours.items()
    ]
    # the whole checker where its bound is affordable, else its validation of the rules alone
    command = (
        [str(bench_dir / "check.py"), str(problem), str(solution)]
        if check
        else [str(HERE / "check_rules.py"), str(bench_dir), str(problem), str(solution)]
    )
    checked = subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, check=False
    )
    valid = checked.returncode == 0
    return {
        "instance": name,
        "trips": trips,
        "radius": radius,
        "time_limit": limit,
        "seconds": round(seconds, 1),
        "peak_mb": round(peak_kb / 1024),
        "load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "valid": valid,
        "checker": "full" if check else "rules",
        "days": days,
        "date": f"{datetime.now(UTC):%Y-%m-%d}",
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
        ).stdout.strip(),
    }


def gap_percent(day: dict[str, Any]) -> float:
    return 100.0 * float(day["buses"] - day["bound"]) / max(int(day["bound"]), 1)


def deadhead_gaps(r: dict[str, Any]) -> str:
    """Deadhead over its proven bound, per cent, lowest and highest day."""
    gaps = [
        100.0 * (d["deadhead"] - d["deadhead_bound"]) / max(d["deadhead_bound"], 1)
        for d in r["days"]
        if d.get("deadhead_bound") is not None
    ]
    return f"{min(gaps):.1f}-{max(gaps):.1f}" if gaps else "-"


def table_row(r: dict[str, Any]) -> str:
    gaps = [gap_percent(d) for d in r["days"]]
    over = [d["buses"] - d["bound"] for d in r["days"]]
    return (
        f"| {r['instance']} | {max(d['trips'] for d in r['days'])} | {r['time_limit']:g} "
        f"| {r['seconds']:.0f} | {r['peak_mb']} | {min(over)}-{max(over)} "
        f"| {min(gaps):.2f}-{max(gaps):.2f} | {deadhead_gaps(r)} | {checked(r)} "
        f"| {r['load'][0]:.1f} / {r['load'][1]:.1f} | {r['commit']} |"
    )


def checked(r: dict[str, Any]) -> str:
    """The independent checker's verdict; "(rules)" where its own bound was left out."""
    verdict = {True: "valid", False: "INVALID", None: "not run"}[r["valid"]]
    return f"{verdict} (rules)" if r.get("checker") == "rules" else verdict


HEADER = [
    "| instance | trips/day (max) | limit (s) | wall (s) | peak (MB) | buses over bound "
    "| over bound (%) | deadhead over its bound (%) | checker | load before / after | commit |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
]


def svg_plot(rows: list[dict[str, Any]]) -> str:
    """Time and peak memory against trips a day, log-log, as a small hand-written SVG (the
    latest row of each size)."""
    latest: dict[int, dict[str, Any]] = {}
    for r in rows:
        latest[r["trips"]] = r
    points = sorted(latest.values(), key=lambda r: r["trips"])
    width, height, left, right, top, bottom = 640, 360, 70, 70, 30, 50
    xs = [math.log10(r["trips"]) for r in points]
    x0, x1 = math.log10(100), math.log10(30000)

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * (width - left - right)

    def py(v: float, lo: float, hi: float) -> float:
        return height - bottom - (math.log10(v) - lo) / (hi - lo) * (height - top - bottom)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle">busplan: wall time and peak memory '
        "against trips a day (log-log)</text>",
    ]
    for t in (100, 1000, 10000):
        x = px(math.log10(t))
        out.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{height - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x}" y="{height - bottom + 16}" text-anchor="middle">{t}</text>')
    out.append(f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">trips a day</text>')
    series = [
        ("seconds", "wall time (s)", "#1f77b4", (0.0, 3.5), left - 8, "end"),
        ("peak_mb", "peak memory (MB)", "#d62728", (1.0, 4.5), width - right + 8, "start"),
    ]
    for key, label, colour, (lo, hi), axis_x, anchor in series:
        for v in (10, 100, 1000, 10000):
            if lo <= math.log10(v) <= hi:
                y = py(v, lo, hi)
                out.append(
                    f'<text x="{axis_x}" y="{y + 4}" text-anchor="{anchor}" '
                    f'fill="{colour}">{v}</text>'
                )
        path = " ".join(
            f"{'M' if n == 0 else 'L'}{px(x):.1f},{py(r[key], lo, hi):.1f}"
            for n, (x, r) in enumerate(zip(xs, points, strict=True))
        )
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, r in zip(xs, points, strict=True):
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(r[key], lo, hi):.1f}" r="3" fill="{colour}"/>'
            )
        y = top + 14 if key == "seconds" else top + 30
        out.append(f'<text x="{left + 10}" y="{y}" fill="{colour}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=HERE.parents[1] / "shared" / "bench")
    parser.add_argument("--runs", default=DEFAULT_RUNS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--check-up-to",
        type=int,
        default=3000,
        help="run the whole independent checker up to this many trips; above, its validation"
        " without its quadratic bound (benchmarks/check_rules.py)",
    )
    args = parser.parse_args()
    RAW.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.runs.split(","):
            trips, radius, limit = spec.split(":")
            check = int(trips) <= args.check_up_to
            r = solve_once(
                args.bench_dir, int(trips), float(radius), float(limit), args.seed, Path(tmp), check
            )
            with RAW.open("a") as raw:
                raw.write(json.dumps(r) + "\n")
            if not RESULTS.exists():
                RESULTS.write_text("# Region-scale benchmark\n\n" + "\n".join(HEADER) + "\n")
            with RESULTS.open("a") as results:
                results.write(table_row(r) + "\n")
            print(table_row(r), flush=True)
    rows = [json.loads(line) for line in RAW.read_text().splitlines() if line.strip()]
    PLOT.write_text(svg_plot(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
