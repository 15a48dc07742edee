"""Service benchmark: job submission throughput, and progress delay to 100 watching clients.

Run on demand (not in CI):

    .venv/bin/python benchmarks/service_bench.py            # SQLite and PostgreSQL
    .venv/bin/python benchmarks/service_bench.py --databases sqlite

It starts `busplan serve` in a subprocess per database, then
1. submits `--jobs` small problems from `--concurrency` HTTP clients and reports accepted
   submissions per second (the jobs are cancelled afterwards);
2. connects `--clients` WebSocket clients to one running job and measures, for every progress
   message each client receives, the delay from the worker producing the event (the message
   `timestamp`) to the client receiving it: median, p99 and max.
Figures go to benchmarks/results-service.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import websockets
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.service.harness import Server, make_problem

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results-service.md"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


async def submissions(url: str, jobs: int, concurrency: int) -> dict[str, float]:
    body = {"problem": make_problem(40), "time_limit": 2}
    accepted: list[str] = []
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(jobs):
        queue.put_nowait(n)

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as c:
            while not queue.empty():
                n = queue.get_nowait()
                t0 = time.perf_counter()
                r = await c.post("/optimize-async", json={**body, "seed": n})
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 202, r.text
                accepted.append(r.json()["job_id"])

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        for job_id in accepted:
            await c.delete(f"/jobs/{job_id}")
    latencies.sort()
    return {
        "jobs": jobs,
        "per_second": jobs / seconds,
        "latency_median_ms": statistics.median(latencies) * 1000,
        "latency_p99_ms": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
    }


async def fan_out(url: str, clients: int, trips: int, time_limit: float) -> dict[str, float]:
    ws_base = url.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        r = await c.post(
            "/optimize-async", json={"problem": make_problem(trips, 7), "time_limit": time_limit}
        )
        job_id = r.json()["job_id"]
    samples: list[tuple[float, float]] = []
    """(event time, delay) of every progress message every client received."""
    counts: list[int] = []
    connected_at: list[float] = []

    async def watch() -> None:
        async with websockets.connect(f"{ws_base}/ws/optimize/{job_id}", max_size=None) as ws:
            received = 0
            while True:
                message = json.loads(await ws.recv())
                now = time.time()
                if message["type"] == "status":
                    connected_at.append(now)
                if message["type"] == "progress":
                    stamp = datetime.fromisoformat(message["timestamp"]).timestamp()
                    samples.append((stamp, now - stamp))
                    received += 1
                if message["type"] in ("completed", "error"):
                    counts.append(received)
                    return

    await asyncio.gather(*(watch() for _ in range(clients)))
    # Events produced while clients were still connecting wait for their history to be read;
    # the steady state starts once every client is in.
    everyone_in = max(connected_at)
    delays = sorted(d for stamp, d in samples if stamp > everyone_in)
    return {
        "clients": clients,
        "messages": len(delays),
        "per_client_min": min(counts),
        "median_ms": statistics.median(delays) * 1000,
        "p99_ms": delays[int(0.99 * (len(delays) - 1))] * 1000,
        "max_ms": delays[-1] * 1000,
        "connect_s": everyone_in - min(connected_at),
    }


def postgres_database() -> tuple[str, str]:
    name = f"busplan_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"postgresql://postgres@127.0.0.1:5432/{name}", name


def drop_postgres(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def run(kind: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    dropped = None
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        url, dropped = postgres_database()
    server = Server({"DATABASE_URL": url}, folder / f"{kind}.log").start()
    try:
        submit = asyncio.run(submissions(server.url, args.jobs, args.concurrency))
        time.sleep(1.0)
        fan = asyncio.run(fan_out(server.url, args.clients, args.trips, args.time_limit))
    finally:
        server.stop()
        if dropped:
            drop_postgres(dropped)
    return {"database": kind, **{f"submit_{k}": v for k, v in submit.items()}, **fan}


def report(rows: list[dict[str, Any]], args: argparse.Namespace, load: list[float]) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Service benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, one `busplan serve` process with its default "
        "two worker processes, client and server on the same machine. Load average (1 min) "
        f"before and after: {load[0]:.1f} and {load[1]:.1f}; the machine is shared, so "
        "figures vary with what else runs.",
        "Command: `.venv/bin/python benchmarks/service_bench.py "
        f"--jobs {args.jobs} --concurrency {args.concurrency} --clients {args.clients} "
        f"--trips {args.trips} --time-limit {args.time_limit:g}`.",
        "",
        f"**Submission**: {args.jobs} `POST /optimize-async` of a 40-trip problem from "
        f"{args.concurrency} concurrent clients (validation, storage, queueing; the jobs run "
        "behind and are cancelled afterwards).",
        "",
        "| database | submissions/s | latency median | latency p99 |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['database']} | {r['submit_per_second']:.0f} | "
            f"{r['submit_latency_median_ms']:.1f} ms | {r['submit_latency_p99_ms']:.1f} ms |"
        )
    lines += [
        "",
        f"**Progress delay**: {args.clients} WebSocket clients watch one {args.trips}-trip job "
        f"(time limit {args.time_limit:g} s). Delay = client receive time minus the event's "
        "`timestamp`, set in the worker process when the solver reported it; it covers the "
        "pipe to the API process, the database write and the fan-out. Only events produced "
        "after the last client had connected count (connecting all clients took the time "
        "in the last column).",
        "",
        "| database | clients | progress messages measured | median | p99 | max | connect |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['database']} | {r['clients']} | {r['messages']} "
            f"(each client got {r['per_client_min']}+ in all) | {r['median_ms']:.1f} ms | "
            f"{r['p99_ms']:.1f} ms | {r['max_ms']:.1f} ms | {r['connect_s']:.2f} s |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--trips", type=int, default=600)
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="busplan-bench-") as folder:
        rows = [run(kind, args, Path(folder)) for kind in args.databases.split(",")]
    load.append(os.getloadavg()[0])
    text = report(rows, args, load)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
