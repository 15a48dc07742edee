"""A real busplan server in a subprocess, real WebSocket clients, and generated problems."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import websockets
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
FINAL = ("completed", "error")
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
"""The PostgreSQL on this machine (trust auth); tests create their own databases in it."""

T = TypeVar("T")


def make_problem(trips: int, seed: int = 1) -> dict[str, Any]:
    """`trips` school trips on Monday, entries and exits at bell times, in one small town."""
    rnd = random.Random(seed)
    out = []
    for n in range(trips):
        kind = rnd.choice(["entry", "exit"])
        hour = rnd.choice([8, 9, 14, 16, 17] if kind == "entry" else [13, 14, 16, 17, 18])
        out.append(
            {
                "id": f"T{n:03d}",
                "kind": kind,
                "time": f"{hour:02d}:{rnd.choice([0, 10, 20, 30, 40, 50]):02d}",
                "duration_min": rnd.randint(15, 45),
                "start": [42.2 + rnd.random() * 0.1, -8.7 + rnd.random() * 0.1],
                "end": [42.2 + rnd.random() * 0.1, -8.7 + rnd.random() * 0.1],
                "days": ["L"],
            }
        )
    return {
        "version": 1,
        "name": f"generated-{trips}",
        "trips": out,
        "settings": {"entry_shift_min": [-10, 10], "exit_shift_min": [-10, 10], "buffer_min": 3},
    }


SMALL = {"problem": make_problem(40), "time_limit": 3}
"""Solves in well under a second."""
LONG = {"problem": make_problem(600), "time_limit": 30}
"""Keeps a worker busy for about 30 s unless it is stopped."""


@contextmanager
def postgres_database(prefix: str = "busplan_test") -> Iterator[str]:
    """A new, empty database in the machine's PostgreSQL, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`busplan serve` in a subprocess with the given environment."""

    def __init__(
        self, env: dict[str, str], log: Path, host: str = "127.0.0.1", source: Path = ROOT
    ) -> None:
        """`source`: the busplan checkout to run (another commit's, to compare with)."""
        self.env = env
        self.log = log
        self.host = host
        self.source = source
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        env = {**os.environ, "SOLVER_THREADS": "1", **self.env}
        if self.source != ROOT:
            env["PYTHONPATH"] = str(self.source)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "busplan",
                    "serve",
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                ],
                cwd=self.source,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not become ready: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def crash(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut or an OOM kill."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    # -- REST helpers ------------------------------------------------------------------------

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def submit(self, body: dict[str, Any], **headers: str) -> dict[str, Any]:
        with self.client() as c:
            r = c.post("/optimize-async", json=body, headers=headers)
        assert r.status_code in (200, 202), r.text
        return dict(r.json())

    def job(self, job_id: str) -> dict[str, Any]:
        with self.client() as c:
            r = c.get(f"/jobs/{job_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def wait_for(self, job_id: str, *states: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in states:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job still {job['status']}, wanted {states}")
            time.sleep(0.05)

    def cancel(self, job_id: str) -> httpx.Response:
        with self.client() as c:
            return c.delete(f"/jobs/{job_id}")

    def metric(self, name: str) -> float:
        with self.client() as c:
            text = c.get("/metrics").text
        for line in text.splitlines():
            if line.rsplit(" ", 1)[0] == name:
                return float(line.rsplit(" ", 1)[1])
        raise KeyError(name)


def process_gone(pid: int) -> bool:
    """True when the process has exited (a zombie counts as gone: it runs no code)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):  # gone before, or while, it was read
        return True
    return "\nState:\tZ" in status


def wait_gone(pid: int, timeout: float) -> float:
    """Seconds until the process is gone; raises if it is still there after `timeout`."""
    started = time.monotonic()
    while not process_gone(pid):
        if time.monotonic() - started > timeout:
            raise AssertionError(f"process {pid} still running after {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - started


async def receive(ws: Any, timeout: float = 30.0) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), timeout)))


async def until_final(ws: Any, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Messages up to and including the first completed or error."""
    messages = []
    while True:
        message = await receive(ws, timeout)
        messages.append(message)
        if message["type"] in FINAL:
            return messages


def connect(server: Server, job_id: str, last_seq: int | None = None) -> Any:
    query = f"?last_seq={last_seq}" if last_seq is not None else ""
    return websockets.connect(f"{server.ws_url}/ws/optimize/{job_id}{query}", max_size=None)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end in a thread of its own. The browser tests' Playwright keeps
    an event loop running in the main thread while it is open, and `asyncio.run` cannot start
    a second loop in a thread that runs one, whatever order the tests run in."""
    with ThreadPoolExecutor(1, thread_name_prefix="test-loop") as pool:
        return pool.submit(asyncio.run, coroutine).result()
