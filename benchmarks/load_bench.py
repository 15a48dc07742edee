"""Service load benchmark: 1,000 WebSocket clients on one API node, 200 jobs in a burst.

Run on demand (not in CI):

    .venv/bin/python benchmarks/load_bench.py [--clients 1000] [--burst 200]

It starts `busplan serve` (SQLite, two worker processes) in a subprocess, then
1. submits `--burst` jobs at once, each from its own connection, and reports accepted
   submissions per second and their latency (the jobs are cancelled afterwards);
2. holds both workers with two gate jobs, submits two long jobs and connects `--clients`
   WebSocket clients to them (half each, every client asking for the whole log, `last_seq=0`),
   then cancels the gates, so the watched jobs run with every client already in. For every
   progress message it measures the
   delay from the worker producing the event (its `timestamp`) to the client receiving it, the
   server's resident memory per connection, and checks that every client received every event
   of its job, numbered 1, 2, 3... without a gap, up to the final message.
Figures are appended to benchmarks/results.md under "Service load".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.service.harness import Server, make_problem

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.md"


def raise_open_files(needed: int) -> int:
    """Each client holds a socket here and one in the server (which inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, needed))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


def server(folder: Path, clients: int, burst: int) -> Server:
    """Two worker processes on SQLite, with room for every watcher and the whole burst."""
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'jobs.db'}",
        "WORKER_PROCESSES": "2",
        "WS_MAX_CLIENTS_PER_JOB": str(clients),
        "MAX_QUEUED_JOBS_PER_TENANT": str(burst * 2),
    }
    return Server(env, folder / "server.log")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[int(p * (len(ordered) - 1))]


async def burst(url: str, jobs: int) -> dict[str, float]:
    """`jobs` submissions at the same moment, one connection each."""
    limits = httpx.Limits(max_connections=jobs)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as c:
        body = {"problem": make_problem(40), "time_limit": 2}

        async def one(n: int) -> tuple[float, str]:
            t0 = time.perf_counter()
            r = await c.post("/optimize-async", json={**body, "seed": n})
            assert r.status_code == 202, r.text
            return time.perf_counter() - t0, str(r.json()["job_id"])

        started = time.perf_counter()
        done = await asyncio.gather(*(one(n) for n in range(jobs)))
        seconds = time.perf_counter() - started
        for _, job_id in done:
            await c.delete(f"/jobs/{job_id}")
    latencies = [d for d, _ in done]
    return {
        "jobs": jobs,
        "seconds": seconds,
        "per_second": jobs / seconds,
        "latency_median_ms": statistics.median(latencies) * 1000,
        "latency_p99_ms": percentile(latencies, 0.99) * 1000,
    }


async def watchers(url: str, pid: int, clients: int) -> dict[str, Any]:
    ws_base = url.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        gates, jobs = [], []
        for seed, into in ((5, gates), (6, gates), (7, jobs), (8, jobs)):
            body = {"problem": make_problem(400, seed), "time_limit": 40}
            into.append((await c.post("/optimize-async", json=body)).json()["job_id"])
    rss_before = rss_bytes(pid)
    delays: list[tuple[float, float]] = []
    """(event time, delay) of every progress message every client received."""
    logs: dict[str, list[list[int]]] = {job_id: [] for job_id in jobs}
    connected: list[float] = []
    all_in = asyncio.Event()

    async def watch(job_id: str) -> None:
        async with websockets.connect(
            f"{ws_base}/ws/optimize/{job_id}?last_seq=0", max_size=None, open_timeout=120
        ) as ws:
            seqs: list[int] = []
            logs[job_id].append(seqs)
            while True:
                message = json.loads(await ws.recv())
                now = time.time()
                if message["type"] == "status":
                    connected.append(now)
                    if len(connected) == clients:
                        all_in.set()
                if "seq" in message:
                    seqs.append(message["seq"])
                if message["type"] == "progress":
                    stamp = datetime.fromisoformat(message["timestamp"]).timestamp()
                    delays.append((stamp, now - stamp))
                if message["type"] in ("completed", "error"):
                    return

    tasks = [asyncio.create_task(watch(jobs[n % 2])) for n in range(clients)]
    await asyncio.wait_for(all_in.wait(), 300)
    await asyncio.sleep(1)
    rss_connected = rss_bytes(pid)
    everyone_in = max(connected)
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        for job_id in gates:
            await c.delete(f"/jobs/{job_id}")
    await asyncio.gather(*tasks)
    steady = [d for stamp, d in delays if stamp > everyone_in]
    complete = sum(
        1
        for seq_lists in logs.values()
        for seqs in seq_lists
        if seqs == list(range(1, len(seqs) + 1))
    )
    finals = {job_id: {s[-1] for s in seq_lists} for job_id, seq_lists in logs.items()}
    return {
        "clients": clients,
        "connect_s": everyone_in - min(connected),
        "messages": len(steady),
        "median_ms": statistics.median(steady) * 1000,
        "p99_ms": percentile(steady, 0.99) * 1000,
        "max_ms": max(steady) * 1000,
        "kib_per_connection": (rss_connected - rss_before) / clients / 1024,
        "gapless_clients": complete,
        "same_final_seq": all(len(f) == 1 for f in finals.values()),
        "events_per_job": {j[:8]: sorted(f) for j, f in finals.items()},
    }


def report(sub: dict[str, float], ws: dict[str, Any], files: int) -> str:
    cpu = platform.processor() or platform.machine()
    missed = ws["clients"] - ws["gapless_clients"]
    delay = f"{ws['median_ms']:.0f} / {ws['p99_ms']:.0f} / {ws['max_ms']:.0f} ms"
    return f"""
## Service load

Generated with `benchmarks/load_bench.py` on {datetime.now(UTC):%Y-%m-%d} ({os.cpu_count()} CPUs,
{cpu}, shared with other work: load average {os.getloadavg()[0]:.1f} at the end; one API node,
SQLite, two worker processes; the benchmark's own clients on the same machine; open-files
limit raised to {files}).

| burst of submissions | |
|---|---|
| jobs submitted at once | {sub["jobs"]:.0f} |
| accepted per second | {sub["per_second"]:.0f} |
| latency median / p99 | {sub["latency_median_ms"]:.0f} ms / {sub["latency_p99_ms"]:.0f} ms |

| WebSocket clients watching two jobs from before they start | |
|---|---|
| clients | {ws["clients"]} (all connected within {ws["connect_s"]:.1f} s) |
| progress messages measured (after all connected) | {ws["messages"]} |
| delivery delay, worker to client: median / p99 / max | {delay} |
| server memory per connection | {ws["kib_per_connection"]:.0f} KiB |
| clients that missed an event | {missed} |
| all clients of a job saw the same final seq | {"yes" if ws["same_final_seq"] else "no"} |
"""


async def main_async(args: argparse.Namespace) -> str:
    files = raise_open_files(args.clients * 2 + 1024)
    with tempfile.TemporaryDirectory(prefix="busplan-load-") as name:
        running = server(Path(name), args.clients, args.burst).start()
        assert running.process is not None
        try:
            sub = await burst(running.url, args.burst)
            print(sub, flush=True)
            ws = await watchers(running.url, running.process.pid, args.clients)
            print(ws, flush=True)
        finally:
            running.stop()
    return report(sub, ws, files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print, do not append")
    args = parser.parse_args()
    section = asyncio.run(main_async(args))
    print(section)
    if not args.no_write:
        with RESULTS.open("a") as out:
            out.write(section)


if __name__ == "__main__":
    main()
