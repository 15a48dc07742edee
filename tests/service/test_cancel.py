"""Cancelling jobs: running ones stop within 2 s, worker included; queued ones never run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service.harness import (
    LONG,
    SMALL,
    Server,
    connect,
    make_problem,
    receive,
    run_async,
    wait_gone,
)

SLOW_MATRIX = {"problem": make_problem(8000), "time_limit": 30}
"""Its travel matrix takes seconds without a progress call (64 million pairs): cancellation
cannot be cooperative then, and the runner must terminate the worker."""


@pytest.fixture
def roomy_server(own_database: str, tmp_path: Path) -> Iterator[Server]:
    """A server of its own that takes `SLOW_MATRIX` (above the shared server's body and trip
    limits), with the shared server's grace time."""
    env = {
        "DATABASE_URL": own_database,
        "WORKER_PROCESSES": "1",
        "CANCEL_GRACE_SECONDS": "1.0",
        "MAX_TRIPS": "20000",
    }
    running = Server(env, tmp_path / "server.log").start()
    yield running
    running.stop()


def task_of(server: Server, task_id: str) -> dict[str, Any]:
    with server.client() as c:
        return dict(c.get(f"/tasks/{task_id}").json())


def wait_for_progress(server: Server, job_id: str, phase: str) -> list[dict[str, Any]]:
    """Watch the job until a progress message of `phase` arrives; returns what came."""

    async def scenario() -> list[dict[str, Any]]:
        seen = []
        async with connect(server, job_id, last_seq=0) as ws:
            while not seen or seen[-1].get("phase") != phase:
                seen.append(await receive(ws))
        return seen

    return run_async(scenario())


def test_cancel_running_job_stops_its_worker_within_two_seconds(server: Server) -> None:
    """DELETE makes a running job cancelled at once; its worker exits (by itself) within 2 s."""
    accepted = server.submit(LONG)
    job_id = accepted["job_id"]
    wait_for_progress(server, job_id, "matching_blocks")  # inside the CP-SAT search
    task = task_of(server, accepted["task_id"])
    assert task["state"] == "STARTED"

    async def scenario() -> tuple[list[dict[str, Any]], float, float]:
        async with connect(server, job_id) as ws:
            await receive(ws)  # status: running
            started = time.monotonic()
            response = await asyncio.to_thread(server.cancel, job_id)
            assert response.status_code == 200
            assert response.json() == {
                "job_id": job_id,
                "status": "cancelled",
                "message": "job cancelled",
            }
            answered = time.monotonic() - started
            messages = [await receive(ws, 5)]
            while messages[-1]["type"] != "error":
                messages.append(await receive(ws, 5))
            gone = await asyncio.to_thread(wait_gone, task["worker_pid"], 2.0)
            return messages, answered, gone

    messages, answered, gone = run_async(scenario())
    assert answered < 2.0 and gone < 2.0
    assert messages[-1]["error_code"] == "JOB_CANCELLED"
    job = server.job(job_id)
    assert job["status"] == "cancelled" and job["error_code"] == "JOB_CANCELLED"
    last_seq = job["last_seq"]
    time.sleep(1.0)
    assert server.job(job_id)["last_seq"] == last_seq  # nothing is logged after the end
    after = task_of(server, accepted["task_id"])
    assert after["state"] == "REVOKED" and after["exit_code"] == 0


def test_cancel_terminates_a_worker_that_does_not_stop_by_itself(roomy_server: Server) -> None:
    """A worker busy where the solver cannot listen is terminated once the grace time is up."""
    server = roomy_server
    accepted = server.submit(SLOW_MATRIX)
    wait_for_progress(server, accepted["job_id"], "travel_matrix")
    pid = task_of(server, accepted["task_id"])["worker_pid"]
    started = time.monotonic()
    assert server.cancel(accepted["job_id"]).status_code == 200
    assert server.job(accepted["job_id"])["status"] == "cancelled"
    wait_gone(pid, 2.0)
    assert time.monotonic() - started < 2.0
    deadline = time.monotonic() + 2
    while task_of(server, accepted["task_id"])["exit_code"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert task_of(server, accepted["task_id"])["exit_code"] == -15  # SIGTERM from the runner


def test_cancel_queued_job_never_starts_it(server: Server) -> None:
    """With every worker busy, a queued job that is cancelled never gets a worker."""
    busy = [server.submit({**LONG, "seed": n}) for n in range(2)]
    for accepted in busy:
        server.wait_for(accepted["job_id"], "running")
    queued = server.submit(SMALL)
    try:
        assert server.job(queued["job_id"])["status"] == "queued"
        response = server.cancel(queued["job_id"])
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
    finally:
        for accepted in busy:
            server.cancel(accepted["job_id"])
    time.sleep(1.0)
    job = server.job(queued["job_id"])
    assert job["status"] == "cancelled" and job["started_at"] is None
    task = task_of(server, queued["task_id"])
    assert task["state"] == "REVOKED" and task["worker_pid"] is None


def test_cancelling_a_finished_job_is_409(server: Server) -> None:
    """DELETE on a completed or already cancelled job answers 409 and changes nothing."""
    done = server.submit(SMALL)["job_id"]
    server.wait_for(done, "completed")
    first = server.cancel(done)
    assert first.status_code == 409 and first.json()["code"] == "JOB_FINISHED"
    assert server.job(done)["status"] == "completed"
    running = server.submit(LONG)["job_id"]
    assert server.cancel(running).status_code == 200
    assert server.cancel(running).status_code == 409
