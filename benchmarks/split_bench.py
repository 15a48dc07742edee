"""Split-job benchmark: one 3000-trip week on 1 and 2 Celery worker processes.

Run on demand (not in CI):

    .venv/bin/python benchmarks/split_bench.py                       # split on 1, then 2
    .venv/bin/python benchmarks/split_bench.py --runs split:1 split:2 whole:1

The week is `/work/shared/bench/gen.py --trips 3000 --seed 1`: most routes run every day, a
tenth skip Wednesday and a tenth run only from Wednesday, so it has three day sets ({L, M},
{Mc}, {X, V}) of 2702, 2636 and 3000 trips, each in five vehicle-size groups: 15 parts.

It starts a private `redis-server`, a fresh PostgreSQL database, one API node (`busplan serve`
with CELERY_ENABLED) and, for each run, one `busplan worker --concurrency N` (`split:N`, or
`whole:N` with SPLIT_JOBS off: today's one-process path). The job goes through the API like
any other; the figure is its wall time from submission to completion. The time limit is
generous (1800 s) so that the deterministic effort limits, not the clock, end the searches and
every run does the same work. Also recorded: the CPU seconds of the worker's processes, the
machine's load while the job ran, the buses per day and whether the plans are identical.
Figures go to benchmarks/results-split.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from busplan.core import DAYS

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scale_bench import postgres, process, ready, redis_server, wait_until

from tests.service.harness import free_port

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results-split.md"
GENERATOR = Path("/work/shared/bench/gen.py")
TICKS = os.sysconf("SC_CLK_TCK")


def week(trips: int, seed: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(GENERATOR), "--trips", str(trips), "--seed", str(seed)],
        check=True,
        capture_output=True,
    ).stdout
    return dict(json.loads(out))


def cpu_seconds(session: int) -> float:
    """User and system CPU of every live process in the worker's session."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[3]) == session:  # field 6 of stat, counted after the command name
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def plan_digest(result: dict[str, Any]) -> str:
    """The plan without run times: identical digests mean identical buses and timetables."""
    days = {
        d: {"buses": p["buses"], "unassigned": p["unassigned"]} for d, p in result["days"].items()
    }
    return hashlib.sha256(json.dumps(days, sort_keys=True).encode()).hexdigest()[:12]


def run_job(api: str, problem: dict[str, Any], time_limit: float) -> dict[str, Any]:
    loads = []
    with httpx.Client(base_url=api, timeout=60) as c:
        started = time.perf_counter()
        body = {"problem": problem, "time_limit": time_limit, "seed": 0}
        job_id = c.post("/optimize-async", json=body).json()["job_id"]
        while True:
            view = c.get(f"/jobs/{job_id}").json()
            if view["status"] in ("completed", "failed", "cancelled"):
                break
            loads.append(os.getloadavg()[0])
            time.sleep(1.0)
        wall = time.perf_counter() - started
        if view["status"] != "completed":
            raise RuntimeError(f"job {job_id} ended {view['status']}: {view.get('error')}")
        result = c.get(f"/jobs/{job_id}/result").json()["result"]
    return {
        "wall": wall,
        "load": sum(loads) / max(len(loads), 1),
        "buses": {d: p["stats"]["buses"] for d, p in result["days"].items()},
        "deadhead": sum(p["stats"]["deadhead_min"] for p in result["days"].values()),
        "digest": plan_digest(result),
    }


def section(rows: list[tuple[str, int, dict[str, Any]]], args: argparse.Namespace) -> str:
    """This run's section of the results file, from the runs measured so far."""
    base = next((f["wall"] for m, n, f in rows if m == "split" and n == 1), rows[0][2]["wall"])
    days = [d for d in DAYS if d in rows[0][2]["buses"]]
    table = [
        "| run | worker processes | wall (s) | speed-up vs split on 1 | worker CPU (s) "
        f"| buses {' / '.join(days)} | deadhead (min) | plan | load before / during |",
        "|---|---:|---:|---:|---:|---|---:|---|---:|",
    ]
    for mode, n, f in rows:
        buses = " / ".join(str(f["buses"][d]) for d in days)
        table.append(
            f"| {mode} | {n} | {f['wall']:.1f} | {base / f['wall']:.2f} | {f['cpu']:.0f} | "
            f"{buses} | {f['deadhead']:.0f} | `{f['digest']}` | "
            f"{f['load_before']:.1f} / {f['load']:.1f} |"
        )
    same = len({f["digest"] for _, _, f in rows}) == 1
    report = "\n".join(
        [
            f"## Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"{args.trips}-trip week (gen.py seed {args.seed}), time limit {args.time_limit:g} s,"
            f" {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}.",
            "",
            *table,
            "",
            f"Plans identical in every run: {'yes' if same else 'no'}.",
            "",
        ]
    )
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trips", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=1800.0)
    parser.add_argument("--runs", nargs="+", default=["split:1", "split:2"])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    problem = week(args.trips, args.seed)
    old = RESULTS.read_text() if RESULTS.exists() else "# Split-job benchmark\n\n"

    rows = []
    with tempfile.TemporaryDirectory() as tmp, postgres() as db, redis_server() as rurl:
        logs = Path(tmp)
        env = {
            "DATABASE_URL": db,
            "REDIS_URL": rurl,
            "CELERY_ENABLED": "true",
            "SOLVER_THREADS": "1",
            "CELERY_TASK_TIME_LIMIT": str(args.time_limit * 2),
            "MAX_TIME_LIMIT": str(args.time_limit),
        }
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        with process(["serve", "--port", str(port)], env, logs / "api.log"):
            wait_until(lambda: ready(api), 60, "the API node")
            for spec in args.runs:
                mode, processes = spec.split(":")
                log = logs / f"worker-{spec.replace(':', '-')}.log"
                own = env | {"SPLIT_JOBS": str(mode == "split").lower()}
                with process(["worker", f"--concurrency={processes}"], own, log) as worker:
                    wait_until(lambda log=log: " ready." in log.read_text(), 60, "the worker")
                    before = os.getloadavg()[0]
                    figures = run_job(api, problem, args.time_limit)
                    figures["cpu"] = cpu_seconds(worker.pid)
                    figures["load_before"] = before
                text = log.read_text()
                figures["parts"] = text.count("solving part")
                rows.append((mode, int(processes), figures))
                wall, cpu, load = figures["wall"], figures["cpu"], figures["load"]
                buses, digest = figures["buses"], figures["digest"]
                print(f"{spec}: {wall:.1f} s, cpu {cpu:.1f} s, load {load:.1f}, "
                      f"buses {buses}, plan {digest}", flush=True)  # fmt: skip
                if not args.no_write:  # after every run: an interrupted benchmark keeps them
                    RESULTS.write_text(old + section(rows, args))

    print(section(rows, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
