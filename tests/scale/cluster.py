"""Real processes for scale-out tests: Redis servers, Celery workers, API nodes, PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path
from typing import Any

import redis

from tests.service.harness import ROOT, Server, free_port
from tests.service.harness import postgres_database as harness_postgres_database

SHARED_REDIS = "redis://127.0.0.1:6379/13"
"""The machine's Redis, on a database number of its own; every test uses its own key prefix."""


def postgres_database() -> contextlib.AbstractContextManager[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    return harness_postgres_database("busplan_scale")


def drop_keys(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


class RedisServer:
    """A `redis-server` of the test's own, without persistence, that can be killed."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Worker:
    """`busplan worker` in its own process group (a machine of its own, as far as it knows)."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 1) -> None:
        self.env = env
        self.log = log
        self.concurrency = concurrency
        self.name = f"w{uuid.uuid4().hex[:6]}@test"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Worker:
        env = {**os.environ, "SOLVER_THREADS": "1", **self.env}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "busplan",
                    "worker",
                    f"--concurrency={self.concurrency}",
                    f"--name={self.name}",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_log(" ready.", timeout)
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_log(self, needle: str, timeout: float = 30.0, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while self.text().count(needle) < count:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {needle!r} in the worker log: {self.text()[-3000:]}")
            time.sleep(0.05)

    def kill9(self) -> None:
        """SIGKILL to the worker and its pool: a machine lost, no code runs."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # pool children left behind, if any


def scale_env(database_url: str, redis_url: str, prefix: str, **extra: Any) -> dict[str, str]:
    """Settings shared by the API nodes and workers of one test cluster: short limits."""
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_ENABLED": "true",
        "REDIS_KEY_PREFIX": prefix,
        "CELERY_QUEUE": f"{prefix}jobs",
        "CELERY_TASK_TIME_LIMIT": "60",
        "JOB_LEASE_SECONDS": "2",
        "CELERY_RETRY_BACKOFF": "[1, 1]",
        "CANCEL_GRACE_SECONDS": "1",
        "WORKER_PROCESSES": "1",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def api_node(env: dict[str, str], log: Path) -> Server:
    return Server(env, log).start()
