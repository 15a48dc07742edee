"""A server that crashes with a job in flight: on restart the job is failed as interrupted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.service.harness import LONG, SMALL, Server, connect, receive, run_async, wait_gone


def test_restart_fails_the_running_job_and_runs_the_queued_one(
    own_database: str, tmp_path: Path
) -> None:
    """After a crash, the running job is failed INTERRUPTED and the queued one still runs."""
    env = {"DATABASE_URL": own_database, "WORKER_PROCESSES": "1"}
    first = Server(env, tmp_path / "first.log").start()
    try:
        running = first.submit(LONG)
        first.wait_for(running["job_id"], "running")
        queued = first.submit(SMALL)
        assert first.job(queued["job_id"])["status"] == "queued"
        with first.client() as c:
            pid = c.get(f"/tasks/{running['task_id']}").json()["worker_pid"]
    finally:
        first.crash()
    wait_gone(pid, 3.0)  # the orphaned worker notices and stops computing

    second = Server(env, tmp_path / "second.log").start()
    try:
        job = second.job(running["job_id"])
        assert job["status"] == "failed" and job["error_code"] == "INTERRUPTED"
        assert job["error"].startswith("interrupted")
        done = second.wait_for(queued["job_id"], "completed")
        assert done["attempts"] == 2

        async def scenario() -> list[dict[str, Any]]:
            async with connect(second, running["job_id"]) as ws:
                return [await receive(ws, 5), await receive(ws, 5)]

        status, final = run_async(scenario())
        assert status["status"] == "failed"
        assert final["type"] == "error" and final["error_code"] == "INTERRUPTED"
    finally:
        second.stop()


def test_graceful_stop_and_start_keeps_finished_jobs(own_database: str, tmp_path: Path) -> None:
    """Jobs and their event logs survive a normal restart (the store is the source of truth)."""
    env = {"DATABASE_URL": own_database}
    first = Server(env, tmp_path / "first.log").start()
    try:
        job_id = first.submit(SMALL)["job_id"]
        before = first.wait_for(job_id, "completed")
    finally:
        first.stop()
    second = Server(env, tmp_path / "second.log").start()
    try:
        assert second.job(job_id) == before

        async def scenario() -> list[dict[str, Any]]:
            async with connect(second, job_id, last_seq=0) as ws:
                messages = [await receive(ws, 5)]
                while messages[-1]["type"] != "completed":
                    messages.append(await receive(ws, 5))
                return messages

        messages = run_async(scenario())
        assert [m["seq"] for m in messages[1:]] == list(range(1, before["last_seq"] + 1))
    finally:
        second.stop()
