"""The acceptance checks of the original backend specification, as written there."""

from __future__ import annotations

import itertools
from typing import Any

from tests.service.harness import (
    LONG,
    Server,
    connect,
    make_problem,
    receive,
    run_async,
    until_final,
    wait_gone,
)


def test_websocket_connects_and_receives_the_initial_state(server: Server) -> None:
    """1. A WebSocket to /ws/optimize/{job_id} is accepted and first gets the job's state."""
    job_id = server.submit({"problem": make_problem(30), "time_limit": 2})["job_id"]

    async def scenario() -> dict[str, Any]:
        async with connect(server, job_id) as ws:
            return await receive(ws, 5)

    first = run_async(scenario())
    assert first["type"] == "status" and first["job_id"] == job_id
    assert first["status"] in ("queued", "running", "completed")
    server.wait_for(job_id, "completed")


def test_api_endpoints_answer(server: Server) -> None:
    """2. POST /optimize-async, GET /jobs/{id}, GET /jobs/{id}/results, DELETE /jobs/{id}."""
    with server.client() as c:
        posted = c.post("/optimize-async", json={"problem": make_problem(30), "time_limit": 2})
        assert posted.status_code in (200, 202)
        job_id = posted.json()["job_id"]
        assert posted.json()["websocket_url"] == f"/ws/optimize/{job_id}"
        assert c.get(f"/jobs/{job_id}").json()["status"] in ("queued", "running", "completed")
        server.wait_for(job_id, "completed")
        results = c.get(f"/jobs/{job_id}/results")
        assert results.status_code == 200 and results.json()["result"]["days"]
        other = c.post("/optimize-async", json=LONG).json()["job_id"]
        deleted = c.delete(f"/jobs/{other}")
        assert deleted.status_code == 200 and deleted.json()["message"]


def test_progress_goes_from_0_to_100_in_order(server: Server) -> None:
    """3. After POST /optimize-async the socket gets progress 0 % ... 100 %, in order."""
    job_id = server.submit({"problem": make_problem(150), "time_limit": 3})["job_id"]

    async def scenario() -> list[dict[str, Any]]:
        async with connect(server, job_id, last_seq=0) as ws:
            return await until_final(ws)

    messages = run_async(scenario())
    values = [m["progress"] for m in messages if m["type"] == "progress"]
    assert values[0] == 0 and values[-1] == 100 and values == sorted(values)
    assert any(m.get("phase") == "building_chains" and m["progress"] == 35 for m in messages)
    assert max(b - a for a, b in itertools.pairwise(values)) <= 25
    assert messages[-1]["type"] == "completed"


def test_delete_cancels_and_the_worker_stops(server: Server) -> None:
    """4. DELETE /jobs/{id} makes the job cancelled and its worker process stops."""
    accepted = server.submit(LONG)
    server.wait_for(accepted["job_id"], "running")
    with server.client() as c:
        pid = c.get(f"/tasks/{accepted['task_id']}").json()["worker_pid"]
    assert server.cancel(accepted["job_id"]).status_code == 200
    assert server.job(accepted["job_id"])["status"] == "cancelled"
    assert wait_gone(pid, 2.0) < 2.0
