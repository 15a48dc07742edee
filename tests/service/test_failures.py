"""Jobs that fail end as `failed` with a code and a message, and are not retried."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.service.harness import LONG, Server, connect, receive, run_async, until_final, wait_gone


def test_worker_killed_mid_run_fails_the_job(server: Server) -> None:
    """A worker process that dies (here SIGKILL) fails its job with WORKER_LOST, once."""
    accepted = server.submit(LONG)
    job_id = accepted["job_id"]
    server.wait_for(job_id, "running")
    with server.client() as c:
        pid = c.get(f"/tasks/{accepted['task_id']}").json()["worker_pid"]

    async def scenario() -> list[dict[str, object]]:
        async with connect(server, job_id) as ws:
            await receive(ws)
            os.kill(pid, signal.SIGKILL)
            return await until_final(ws, timeout=10)

    messages = run_async(scenario())
    assert messages[-1]["type"] == "error" and messages[-1]["error_code"] == "WORKER_LOST"
    job = server.job(job_id)
    assert job["status"] == "failed" and job["error_code"] == "WORKER_LOST"
    assert "exit code -9" in job["error"]
    assert job["attempts"] == 1
    time.sleep(1.0)
    assert server.job(job_id)["attempts"] == 1  # not retried blindly
    with server.client() as c:
        assert c.get(f"/jobs/{job_id}/result").status_code == 409
        assert c.get(f"/tasks/{accepted['task_id']}").json()["state"] == "FAILURE"


def test_job_over_the_hard_time_limit_is_killed_and_failed(tmp_path: Path) -> None:
    """Past CELERY_TASK_TIME_LIMIT the worker is killed and the job fails with the reason."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'busplan.db'}", "CELERY_TASK_TIME_LIMIT": "2"}
    server = Server(env, tmp_path / "server.log").start()
    try:
        accepted = server.submit(LONG)
        server.wait_for(accepted["job_id"], "running")
        with server.client() as c:
            pid = c.get(f"/tasks/{accepted['task_id']}").json()["worker_pid"]
        job = server.wait_for(accepted["job_id"], "failed", timeout=8)
        assert job["error_code"] == "TIME_LIMIT_EXCEEDED"
        assert "limit of 2 s" in job["error"]
        wait_gone(pid, 2.0)
    finally:
        server.stop()
