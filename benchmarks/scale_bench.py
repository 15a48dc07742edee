"""Scale-out benchmark: a batch of jobs on 1, 2 and 4 Celery worker processes.

Run on demand (not in CI):

    .venv/bin/python benchmarks/scale_bench.py                 # 20 jobs, 1/2/4 processes
    .venv/bin/python benchmarks/scale_bench.py --jobs 10 --processes 1 2

It starts a private `redis-server`, a fresh PostgreSQL database, one API node (`busplan serve`
with CELERY_ENABLED) and, for each process count, one `busplan worker --concurrency N`. The
batch is submitted at once through the API; the figure is the makespan, from the first
submission to the last job finished, and the speed-up over one process. Every job is a
different problem of the same size that the solver finishes (proves) before its time limit,
so the work per job is fixed and wall time measures throughput. Figures go to
benchmarks/results-scale.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.service.harness import free_port, make_problem

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results-scale.md"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def postgres() -> Iterator[str]:
    name = f"busplan_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def redis_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.RedisError:
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.kill()
        process.wait()


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "busplan", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


def ready(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def run_batch(api: str, jobs: int, trips: int, time_limit: float, seed: int) -> dict[str, Any]:
    """Submit the batch at once; wait for every job; makespan and per-job run times."""
    started = time.perf_counter()
    with httpx.Client(base_url=api, timeout=30) as c:
        ids = [
            c.post(
                "/optimize-async",
                json={
                    "problem": make_problem(trips, seed + n),
                    "time_limit": time_limit,
                    "seed": 0,
                },
            ).json()["job_id"]
            for n in range(jobs)
        ]
        pending = set(ids)
        views: dict[str, dict[str, Any]] = {}
        while pending:
            for job_id in list(pending):
                view = c.get(f"/jobs/{job_id}").json()
                if view["status"] in ("completed", "failed", "cancelled"):
                    views[job_id] = view
                    pending.discard(job_id)
            time.sleep(0.2)
    makespan = time.perf_counter() - started
    runs = [
        (
            datetime.fromisoformat(v["finished_at"]) - datetime.fromisoformat(v["started_at"])
        ).total_seconds()
        for v in views.values()
        if v["started_at"]
    ]
    failed = [v["job_id"] for v in views.values() if v["status"] != "completed"]
    return {"makespan": makespan, "mean_run": sum(runs) / len(runs), "failed": failed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--trips", type=int, default=150)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    # A plain SIGTERM (e.g. from `timeout`) must still stop the servers this script started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    rows = []
    with tempfile.TemporaryDirectory() as tmp, postgres() as db, redis_server() as rurl:
        logs = Path(tmp)
        env = {
            "DATABASE_URL": db,
            "REDIS_URL": rurl,
            "CELERY_ENABLED": "true",
            "SOLVER_THREADS": "1",
            "CELERY_TASK_TIME_LIMIT": str(args.time_limit * 3),
        }
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        with process(["serve", "--port", str(port)], env, logs / "api.log"):
            wait_until(lambda: ready(api), 60, "the API node")
            for n, processes in enumerate(args.processes):
                log = logs / f"worker-{processes}.log"
                with process(["worker", f"--concurrency={processes}"], env, log):
                    wait_until(lambda log=log: " ready." in log.read_text(), 60, "the worker")
                    load_before = os.getloadavg()[0]
                    figures = run_batch(api, args.jobs, args.trips, args.time_limit, 1000 * n)
                    figures["load"] = (load_before, os.getloadavg()[0])
                rows.append((processes, figures))
                print(
                    f"{processes} process(es): makespan {figures['makespan']:.1f} s, "
                    f"mean run {figures['mean_run']:.2f} s, failed {len(figures['failed'])}",
                    flush=True,
                )

    base = rows[0][1]["makespan"]
    table = [
        "| worker processes | makespan (s) | speed-up | mean run per job (s) | failed "
        "| load before / after |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for processes, f in rows:
        table.append(
            f"| {processes} | {f['makespan']:.1f} | {base / f['makespan']:.2f} | "
            f"{f['mean_run']:.2f} | {len(f['failed'])} | "
            f"{f['load'][0]:.1f} / {f['load'][1]:.1f} |"
        )
    report = "\n".join(
        [
            "# Scale-out benchmark",
            "",
            f"`benchmarks/scale_bench.py`: a batch of {args.jobs} jobs ({args.trips} trips each,"
            " all different, each solved to the end before its time limit, one solver thread)"
            " submitted at once to one API node; one `busplan worker` with 1, 2 and 4 processes,"
            " Redis and PostgreSQL on the same machine. Makespan is from the first submission to"
            " the last job finished.",
            "",
            f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python"
            f" {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}.",
            "",
            "The load columns are the machine's one-minute load average: on a shared machine"
            " other work takes cores too, and the figures are only comparable with each other"
            " when it stays the same.",
            "",
            *table,
            "",
        ]
    )
    print(report)
    if not args.no_write:
        RESULTS.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
