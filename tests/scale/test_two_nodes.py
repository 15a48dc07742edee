"""Two API nodes and a Celery worker: progress and cancellation work from any node."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import psycopg
from celery import Celery

from busplan.jobs.celery_app import TASK_NAME, make_celery
from busplan.settings import ServiceSettings
from tests.scale.conftest import Cluster
from tests.service.harness import (
    LONG,
    Server,
    connect,
    make_problem,
    receive,
    run_async,
    until_final,
)

MEDIUM = {"problem": make_problem(300, seed=3), "time_limit": 3}
"""Runs for a few seconds with a dozen progress events."""

PHASES = [
    "starting",
    "loading",
    "preprocessing",
    "travel_matrix",
    "building_chains",
    "matching_blocks",
    "local_search",
    "finalizing",
    "calculating_stats",
    "completed",
]


def watch(server: Server, job_id: str, last_seq: int | None = 0) -> list[dict[str, Any]]:
    async def scenario() -> list[dict[str, Any]]:
        async with connect(server, job_id, last_seq=last_seq) as ws:
            return await until_final(ws, timeout=60)

    return run_async(scenario())


def logged(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if "seq" in m and m["type"] != "status"]


def test_job_submitted_on_a_is_watched_complete_and_in_order_on_b(cluster: Cluster) -> None:
    """Every event of a job run by a worker reaches a client of another node, in seq order."""
    job_id = cluster.a.submit(MEDIUM)["job_id"]
    messages = watch(cluster.b, job_id)
    events = logged(messages)
    assert [m["seq"] for m in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "completed", events[-1]
    assert events[-1]["result"]["days"]["L"]["buses"], "the final message carries the result"
    phases = [m["phase"] for m in events if m["type"] == "progress"]
    assert [p for p in PHASES if p in phases] == list(dict.fromkeys(phases))
    progress = [m["progress"] for m in events if m["type"] == "progress"]
    assert progress == sorted(progress)
    assert cluster.a.job(job_id)["status"] == "completed"


def test_reconnecting_to_the_other_node_with_last_seq_misses_nothing(cluster: Cluster) -> None:
    """A client that watched part of a job on B and resumes on A gets exactly the rest."""

    async def scenario(job_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first: list[dict[str, Any]] = []
        async with connect(cluster.b, job_id, last_seq=0) as ws:
            while len(logged(first)) < 3:
                first.append(await receive(ws))
        last = logged(first)[-1]["seq"]
        async with connect(cluster.a, job_id, last_seq=last) as ws:
            rest = await until_final(ws)
        return logged(first), logged(rest)

    job_id = cluster.a.submit(MEDIUM)["job_id"]
    first, rest = run_async(scenario(job_id))
    seqs = [m["seq"] for m in first + rest]
    assert seqs == list(range(1, len(seqs) + 1))
    assert rest[-1]["type"] == "completed"


def test_cancel_sent_to_b_stops_the_worker(cluster: Cluster) -> None:
    """DELETE on node B cancels a job running on the worker; the solver stops within 2 s."""
    job_id = cluster.a.submit(LONG)["job_id"]

    async def scenario() -> list[dict[str, Any]]:
        async with connect(cluster.a, job_id, last_seq=0) as ws:
            seen = [await receive(ws)]
            while seen[-1].get("phase") != "matching_blocks":
                seen.append(await receive(ws))
            started = time.monotonic()
            r = await asyncio.to_thread(cluster.b.cancel, job_id)
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "cancelled"
            seen += await until_final(ws, timeout=10)
            await asyncio.to_thread(claim_released, cluster, job_id, started + 2.0)
            return seen

    seen = run_async(scenario())
    assert seen[-1]["type"] == "error" and seen[-1]["error_code"] == "JOB_CANCELLED"
    # The 2 s stop is asserted by `claim_released`; the log line may reach the file later. The
    # worker sees the cancel either as Redis's flag or as its claim refused by the database,
    # whichever it reads first.
    cluster.worker.wait_log(f"stopping job {job_id}: ", timeout=10)
    assert cluster.b.job(job_id)["status"] == "cancelled"


def claim_released(cluster: Cluster, job_id: str, deadline: float) -> None:
    """The worker gives up its claim on the job when its solver has stopped."""
    url = cluster.env["DATABASE_URL"]
    while True:
        with psycopg.connect(url) as db:
            row = db.execute("SELECT owner FROM job_leases WHERE job_id = %s", (job_id,)).fetchone()
        if row is None:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still held by {row[0]}")
        time.sleep(0.05)


def test_a_task_delivered_twice_runs_the_optimization_once(cluster: Cluster) -> None:
    """A second delivery of the same task (same id) is skipped: one claim, one run."""
    env = cluster.env
    app: Celery = make_celery(
        ServiceSettings(
            redis_url=env["REDIS_URL"],
            redis_key_prefix=env["REDIS_KEY_PREFIX"],
            celery_queue=env["CELERY_QUEUE"],
        )
    )
    accepted = cluster.a.submit(MEDIUM)
    job_id, task_id = accepted["job_id"], accepted["task_id"]
    app.send_task(TASK_NAME, args=[job_id], task_id=task_id, queue=cluster.env["CELERY_QUEUE"])
    events = logged(watch(cluster.b, job_id))
    assert events[-1]["type"] == "completed"
    cluster.worker.wait_log(f"skips job {job_id}", timeout=10)
    log = cluster.worker.text()
    assert log.count(f"claimed job {job_id}") == 1
    assert log.count(f"skips job {job_id}") == 1
    starts = [m for m in events if m.get("phase") == "starting"]
    assert len(starts) == 1


def test_task_state_is_read_from_the_result_backend(cluster: Cluster) -> None:
    """GET /tasks/{id} on any node reports the Celery task of a finished job."""
    accepted = cluster.b.submit({"problem": make_problem(30), "time_limit": 2})
    cluster.b.wait_for(accepted["job_id"], "completed", timeout=30)
    with cluster.a.client() as c:
        task = c.get(f"/tasks/{accepted['task_id']}").json()
    assert task["runner"] == "celery"
    assert task["state"] == "SUCCESS"


def test_readyz_names_the_runner_and_the_broker(cluster: Cluster) -> None:
    with cluster.a.client() as c:
        body = c.get("/readyz").json()
    assert body["checks"]["runner_mode"] == "celery"
    assert body["checks"]["broker"] == "ok"


def test_a_job_cancelled_while_queued_is_skipped_by_the_worker(cluster: Cluster) -> None:
    """With both worker processes busy, a third job waits; cancelled on B, it is delivered
    later and skipped: it never runs."""
    busy = [cluster.a.submit(LONG)["job_id"] for _ in range(2)]
    for job_id in busy:
        cluster.worker.wait_log(f"claimed job {job_id}", timeout=30)
    waiting = cluster.a.submit(MEDIUM)["job_id"]
    assert cluster.b.cancel(waiting).json()["status"] == "cancelled"
    for job_id in busy:
        assert cluster.b.cancel(job_id).status_code == 200
    cluster.worker.wait_log(f"skips job {waiting}: it is cancelled", timeout=30)
    assert f"claimed job {waiting}" not in cluster.worker.text()
    assert cluster.a.job(waiting)["started_at"] is None


SILENT = {"problem": make_problem(8000), "time_limit": 30}
"""Its travel matrix takes seconds without a progress call: the solver cannot notice the
cancel flag in time, so the node must terminate the task (kept last: it kills a process)."""


def test_a_task_that_does_not_stop_is_terminated_by_its_real_task_id(cluster: Cluster) -> None:
    """After the grace period the node that took the DELETE revokes the running task, by the
    id its claim names, with terminate; the worker's process running it is killed."""
    job_id = cluster.a.submit(SILENT)["job_id"]
    deadline = time.monotonic() + 60
    while cluster.a.job(job_id)["phase"] != "travel_matrix":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert cluster.b.cancel(job_id).status_code == 200
    cluster.worker.wait_log(f"Terminating {job_id}", timeout=10)
    assert f"job {job_id} did not stop when cancelled; terminating {job_id}" in (
        cluster.b.log.read_text()
    )
    assert cluster.a.job(job_id)["status"] == "cancelled"
