"""A job against `busplan optimize` on the same problem, time limit and seed.

Run on demand (not in CI), a few minutes:

    .venv/bin/python benchmarks/job_vs_cli.py                 # local workers and Celery
    .venv/bin/python benchmarks/job_vs_cli.py --modes local --repeats 5
    .venv/bin/python benchmarks/job_vs_cli.py --old-default   # also SOLVER_THREADS=2, once

For each problem (the bundled 230-trip example and a generated 120-trip one) it runs the CLI
`--repeats` times, then the same problem as jobs on a real `busplan serve`: with its own worker
processes (`local`) and with a `busplan worker` over Redis (`celery`, Redis database 12 under
a key prefix of its own). It reports medians of
- `solve`: the solver's own seconds (`stats.seconds` of the solution), and
- `wall`: the CLI process from start to exit, against the job from submission to finish,
and the ratio job / CLI. Figures go to the "Job against CLI" section of benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.service.harness import free_port, make_problem  # noqa: E402

BUSPLAN = [sys.executable, "-m", "busplan"]
RESULTS = ROOT / "benchmarks" / "results.md"
BEGIN, END = "<!-- job-vs-cli -->", "<!-- /job-vs-cli -->"
REDIS = "redis://127.0.0.1:6379/12"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSRM_", "CELERY_"))}
    env.pop("REDIS_URL", None)
    return env | {"OSRM_CACHE": "none"} | extra


def run_cli(problem: Path, time_limit: float, folder: Path) -> tuple[float, float]:
    """(solver seconds, process wall seconds) of one `busplan optimize`."""
    out = folder / "cli-solution.json"
    started = time.monotonic()
    subprocess.run(
        [*BUSPLAN, "optimize", str(problem), "-o", str(out), "--time-limit", str(time_limit)],
        check=True,
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.monotonic() - started
    return float(json.loads(out.read_text())["stats"]["seconds"]), wall


class Service:
    """`busplan serve` (and with Celery, one `busplan worker`) in subprocesses."""

    def __init__(self, mode: str, folder: Path, threads: int | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.prefix = f"busplan-bench-{uuid.uuid4().hex[:8]}:"
        extra = {"DATABASE_URL": f"sqlite:///{folder / f'{mode}.db'}", "WORKER_PROCESSES": "1"}
        if threads is not None:
            extra["SOLVER_THREADS"] = str(threads)
        if mode == "celery":
            extra |= {"CELERY_ENABLED": "true", "REDIS_URL": REDIS, "REDIS_KEY_PREFIX": self.prefix}
            extra["CELERY_QUEUE"] = f"{self.prefix}jobs"
        self.env = clean_env(**extra)
        self.log = (folder / f"{mode}.log").open("ab")
        self.processes: list[subprocess.Popen[bytes]] = []
        self.mode = mode

    def __enter__(self) -> Service:
        self._spawn([*BUSPLAN, "serve", "--port", str(self.port)])
        deadline = time.monotonic() + 60
        while not self._ready():
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.2)
        if self.mode == "celery":
            self._spawn([*BUSPLAN, "worker", "--concurrency", "1", "--name", f"{self.prefix}@%h"])
            self.job(make_problem(10), 2)  # the worker is up once it has run one job
        return self

    def _spawn(self, command: list[str]) -> None:
        self.processes.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def _ready(self) -> bool:
        try:
            return httpx.get(self.url + "/readyz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def job(self, problem: dict[str, Any], time_limit: float) -> tuple[float, float]:
        """(solver seconds, seconds from submission to finish) of one job."""
        with httpx.Client(base_url=self.url, timeout=30) as c:
            body = {"problem": problem, "time_limit": time_limit}
            job_id = c.post("/optimize-async", json=body).json()["job_id"]
            while (job := c.get(f"/jobs/{job_id}").json())["status"] in ("queued", "running"):
                time.sleep(0.25)
            if job["status"] != "completed":
                raise RuntimeError(f"job {job_id} {job['status']}: {job['error']}")
            result = c.get(f"/jobs/{job_id}/result").json()["result"]
        spent = datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(
            job["created_at"]
        )
        return float(result["stats"]["seconds"]), spent.total_seconds()

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.processes):
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.log.close()
        if self.mode == "celery":
            client = redis.Redis.from_url(REDIS)
            keys = list(client.scan_iter(match=f"{self.prefix}*"))
            if keys:
                client.delete(*keys)
            client.close()


def median_pair(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--modes", default="local,celery")
    parser.add_argument("--old-default", action="store_true", help="also SOLVER_THREADS=2, once")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="busplan-bench-"))
    generated = folder / "generated-120.json"
    generated.write_text(json.dumps(make_problem(120)))
    problems = {
        "school-day-230 (example)": ROOT / "busplan" / "examples" / "school-day-230.json",
        "generated-120": generated,
    }
    rows = []
    for name, path in problems.items():
        document = json.loads(path.read_text())
        cli = median_pair([run_cli(path, args.time_limit, folder) for _ in range(args.repeats)])
        print(f"{name}: cli solve {cli[0]:.2f} s, wall {cli[1]:.2f} s", flush=True)
        variants = [(mode, None, args.repeats) for mode in args.modes.split(",")]
        if args.old_default:
            variants.append(("local", 2, 1))
        for mode, threads, repeats in variants:
            with Service(mode, folder, threads) as service:
                runs = [service.job(document, args.time_limit) for _ in range(repeats)]
            job = median_pair(runs)
            label = mode + (f", SOLVER_THREADS={threads}" if threads else "")
            print(f"{name}: job ({label}) solve {job[0]:.2f} s, wall {job[1]:.2f} s", flush=True)
            rows.append((name, label, repeats, cli, job))
    table = render(rows, args)
    print(table)
    if not args.no_write:
        write(table)


def render(rows: list[Any], args: argparse.Namespace) -> str:
    lines = [
        "## Job against CLI",
        "",
        f"`benchmarks/job_vs_cli.py`, {datetime.now():%Y-%m-%d}, {platform.machine()}, "
        f"{os.cpu_count()} cores (shared with other work), time limit {args.time_limit:g} s, "
        "seed 0, the default settings (SOLVER_THREADS=1) unless named. Medians of the runs; "
        "`solve` is the solver's own time, `wall` the CLI process from start to exit against "
        "the job from submission to finish.",
        "",
        "| problem | job runs on | runs | CLI solve | job solve | ratio | CLI wall | job wall "
        "| ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label, repeats, cli, job in rows:
        lines.append(
            f"| {name} | {label} | {repeats} | {cli[0]:.2f} s | {job[0]:.2f} s | "
            f"{job[0] / cli[0]:.2f} | {cli[1]:.2f} s | {job[1]:.2f} s | {job[1] / cli[1]:.2f} |"
        )
    lines += [
        "",
        "Two causes made a job slower than the CLI, both removed: jobs searched with two threads "
        "(the SOLVER_THREADS=2 rows: two interleaved CP-SAT workers on two shared cores), and "
        "each local job process imported the program's main module again when it started "
        "(about 0.5 s a job; the forkserver now preloads it). Progress throttling, the "
        "heartbeat and the travel times (the same estimate, or the same OSRM rule) cost "
        "nothing measurable.",
    ]
    return "\n".join(lines) + "\n"


def write(table: str) -> None:
    text = RESULTS.read_text()
    block = f"{BEGIN}\n{table}{END}\n"
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
