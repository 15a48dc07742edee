"""Failures with real processes: lost workers, Redis restarted mid-job, Redis away at start."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from busplan.jobs.celery_app import TASK_NAME, make_celery
from busplan.settings import ServiceSettings
from tests.scale.cluster import SHARED_REDIS, RedisServer, Worker, api_node, scale_env
from tests.service.harness import (
    LONG,
    Server,
    connect,
    free_port,
    make_problem,
    receive,
    run_async,
    until_final,
)

BUSY = {"problem": make_problem(300, seed=5), "time_limit": 4}
"""Keeps a worker busy for about five seconds."""
SMALL = {"problem": make_problem(30), "time_limit": 2}
LEASE = 2.0


class Processes:
    """Everything a test started, stopped in reverse order whatever happens."""

    def __init__(self) -> None:
        self.started: list[Server | Worker | RedisServer] = []

    def add(self, process: Any) -> Any:
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.started):
            if isinstance(process, RedisServer):
                process.kill()
            else:
                process.stop()


@pytest.fixture
def processes() -> Iterator[Processes]:
    started = Processes()
    yield started
    started.stop()


def wait_claimed(workers: list[Worker], job_id: str, timeout: float = 30) -> Worker:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            if f"claimed job {job_id}" in worker.text():
                return worker
        time.sleep(0.05)
    raise AssertionError(f"no worker claimed job {job_id}")


def wait_searching(server: Server, job_id: str, timeout: float = 30) -> None:
    """Until the job is in its fleet search (past the first chains), the longest part."""
    deadline = time.monotonic() + timeout
    while True:
        job = server.job(job_id)
        assert job["status"] in ("queued", "running"), job
        if job["progress"] >= 35:
            return
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def events_of(server: Server, job_id: str) -> list[dict[str, Any]]:
    async def scenario() -> list[dict[str, Any]]:
        async with connect(server, job_id, last_seq=0) as ws:
            return [m for m in await until_final(ws) if m["type"] != "status"]

    return run_async(scenario())


def test_killed_worker_job_is_run_again_by_another_worker(
    database_url: str, prefix: str, tmp_path: Path, processes: Processes
) -> None:
    """kill -9 of the worker mid-job: its claim lapses and another worker runs the job again
    after the configured backoff; it completes, never stuck in `running`."""
    env = scale_env(database_url, SHARED_REDIS, prefix)
    node = processes.add(api_node(env, tmp_path / "api.log"))
    workers = [processes.add(Worker(env, tmp_path / f"w{n}.log").start()) for n in (1, 2)]
    job_id = node.submit(BUSY)["job_id"]
    victim = wait_claimed(workers, job_id)
    wait_searching(node, job_id)
    victim.kill9()
    killed = time.monotonic()
    final = node.wait_for(job_id, "completed", "failed", "cancelled", timeout=40)
    took = time.monotonic() - killed
    assert final["status"] == "completed", final
    survivor = next(w for w in workers if w is not victim)
    assert f"claimed job {job_id}" in survivor.text()
    assert final["task_id"] == f"{job_id}.2"
    # lease + reaper tick + backoff + a whole new run, with room for a busy machine
    assert took < LEASE + 1 + 1 + 15, took
    events = events_of(node, job_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert any("worker was lost" in e.get("message", "") for e in events)


def test_killed_worker_without_retries_left_fails_as_worker_lost(
    database_url: str, prefix: str, tmp_path: Path, processes: Processes
) -> None:
    """With no retries configured, a lost worker's job fails with WORKER_LOST within the
    lease and one reaper tick; clients get the error."""
    env = scale_env(database_url, SHARED_REDIS, prefix, CELERY_RETRY_BACKOFF="[]")
    node = processes.add(api_node(env, tmp_path / "api.log"))
    worker = processes.add(Worker(env, tmp_path / "w.log").start())
    job_id = node.submit(BUSY)["job_id"]
    wait_claimed([worker], job_id)
    wait_searching(node, job_id)
    worker.kill9()
    killed = time.monotonic()
    final = node.wait_for(job_id, "completed", "failed", "cancelled", timeout=20)
    assert final["status"] == "failed" and final["error_code"] == "WORKER_LOST", final
    assert "worker_lost" in final["error"]
    assert time.monotonic() - killed < LEASE + 3
    assert events_of(node, job_id)[-1]["error_code"] == "WORKER_LOST"


def test_redis_restarted_mid_job_ends_in_a_definite_state_clients_see(
    database_url: str, prefix: str, tmp_path: Path, processes: Processes
) -> None:
    """Redis dies and comes back (empty) while a job runs: the API keeps answering from the
    database, the job still ends completed or failed, and a watching client gets the end."""
    redis = processes.add(RedisServer(tmp_path / "redis.log").start())
    env = scale_env(database_url, redis.url, prefix)
    node = processes.add(api_node(env, tmp_path / "api.log"))
    processes.add(Worker(env, tmp_path / "w.log").start())
    job_id = node.submit(BUSY)["job_id"]

    async def scenario() -> list[dict[str, Any]]:
        async with connect(node, job_id, last_seq=0) as ws:
            seen = [await receive(ws)]
            while seen[-1].get("progress", 0) < 35:
                seen.append(await receive(ws))
            redis.kill()
            await asyncio.sleep(0.5)
            async with httpx.AsyncClient(base_url=node.url, timeout=5) as c:
                assert (await c.get(f"/jobs/{job_id}")).status_code == 200
                assert (await c.get("/readyz")).status_code == 200
            await asyncio.sleep(1.0)
            await asyncio.to_thread(redis.start)
            seen += await until_final(ws, timeout=60)
            return seen

    seen = run_async(scenario())
    final = node.job(job_id)
    assert final["status"] in ("completed", "failed"), final
    assert seen[-1]["type"] == ("completed" if final["status"] == "completed" else "error")
    logged = [m["seq"] for m in seen if m["type"] != "status"]
    assert logged == sorted(set(logged)), "in order, without duplicates"
    assert events_of(node, job_id)[-1]["seq"] == final["last_seq"]


def test_redis_unreachable_at_start_runs_jobs_locally(
    database_url: str, prefix: str, tmp_path: Path, processes: Processes
) -> None:
    """CELERY_ENABLED with Redis away at start-up: local worker processes, said in /readyz."""
    env = scale_env(database_url, f"redis://127.0.0.1:{free_port()}/0", prefix)
    node = processes.add(api_node(env, tmp_path / "api.log"))
    with node.client() as c:
        ready = c.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["runner_mode"].startswith("local (fallback: Redis unreachable")
    job_id = node.submit(SMALL)["job_id"]
    assert node.wait_for(job_id, "completed", "failed", timeout=30)["status"] == "completed"
    assert "Redis unreachable at start-up" in (tmp_path / "api.log").read_text()


def test_a_run_past_the_time_limit_fails_as_time_exceeded(
    database_url: str, prefix: str, tmp_path: Path, processes: Processes
) -> None:
    """CELERY_TASK_TIME_LIMIT=20: the worker stops the solver at 18 s, before Celery's soft
    (19 s) and hard (20 s) limits, and the job fails with TIME_LIMIT_EXCEEDED, recorded by the
    run itself and not re-run (its claim is released). (With a limit of 6 s the solver had
    0.6 s between the stop and Celery's kill, which a busy machine sometimes did not give it.)"""
    env = scale_env(database_url, SHARED_REDIS, prefix, CELERY_TASK_TIME_LIMIT=20)
    node = processes.add(api_node(env, tmp_path / "api.log"))
    worker = processes.add(Worker(env, tmp_path / "w.log").start())
    job_id = node.submit(LONG)["job_id"]
    wait_claimed([worker], job_id)
    claimed = time.monotonic()
    final = node.wait_for(job_id, "completed", "failed", "cancelled", timeout=40)
    assert final["status"] == "failed" and final["error_code"] == "TIME_LIMIT_EXCEEDED", final
    assert 17 < time.monotonic() - claimed < 20
    time.sleep(LEASE + 1)
    assert node.job(job_id)["task_id"] == job_id, "not handed to another run"


def test_database_unreachable_before_the_claim_is_retried_with_backoff(
    prefix: str, tmp_path: Path, processes: Processes
) -> None:
    """A worker that cannot reach the database retries the task after each configured delay,
    then gives up and leaves the job queued (nothing of it ran)."""
    dead_database = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    env = scale_env(dead_database, SHARED_REDIS, prefix, CELERY_RETRY_BACKOFF="[0.5, 0.5]")
    worker = processes.add(Worker(env, tmp_path / "w.log").start())
    settings = ServiceSettings(
        redis_url=SHARED_REDIS, redis_key_prefix=prefix, celery_queue=env["CELERY_QUEUE"]
    )
    make_celery(settings).send_task(
        TASK_NAME, args=["no-db-job"], task_id="no-db-job", queue=env["CELERY_QUEUE"]
    )
    worker.wait_log("job no-db-job stays queued", timeout=40)
    assert worker.text().count("job no-db-job: database unreachable") == 2
    assert "claimed job no-db-job" not in worker.text()
