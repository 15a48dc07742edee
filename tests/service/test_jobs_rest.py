"""REST: submitting, reading, listing and idempotency of optimization jobs."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.service.harness import SMALL, Server, make_problem


def test_submit_returns_queued_job_with_websocket_url(server: Server) -> None:
    """POST /optimize-async answers 202 with job_id, task_id, queued, message, websocket_url."""
    with server.client() as c:
        r = c.post("/optimize-async", json=SMALL)
    assert r.status_code == 202
    body = r.json()
    assert set(body) == {"job_id", "task_id", "status", "message", "websocket_url"}
    assert body["status"] == "queued" and body["task_id"]
    assert body["websocket_url"] == f"/ws/optimize/{body['job_id']}"
    assert r.headers["location"] == f"/jobs/{body['job_id']}"
    server.wait_for(body["job_id"], "completed")


def test_completed_job_has_result_with_stats(server: Server) -> None:
    """A finished job reports completed at 100 % and its result holds every day's plan."""
    job_id = server.submit(SMALL)["job_id"]
    job = server.wait_for(job_id, "completed")
    assert job["progress"] == 100 and job["phase"] == "completed"
    assert job["started_at"] and job["finished_at"] and job["error"] is None
    with server.client() as c:
        r = c.get(f"/jobs/{job_id}/result")
    assert r.status_code == 200
    result = r.json()
    assert result["status"] == "completed"
    planned = [t["id"] for b in result["result"]["days"]["L"]["buses"] for t in b["trips"]]
    assert sorted(planned) == sorted(t["id"] for t in SMALL["problem"]["trips"])
    assert result["stats"]["buses_max"] == len(result["result"]["days"]["L"]["buses"])


def test_idempotency_key_returns_the_same_job(server: Server) -> None:
    """A repeated request with the same Idempotency-Key gets the same job and a 200."""
    key = uuid.uuid4().hex
    with server.client() as c:
        first = c.post("/optimize-async", json=SMALL, headers={"Idempotency-Key": key})
        again = c.post("/optimize-async", json=SMALL, headers={"Idempotency-Key": key})
        other = c.post(
            "/optimize-async",
            json={**SMALL, "seed": 7},
            headers={"Idempotency-Key": key},
        )
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["job_id"] == first.json()["job_id"]
    assert other.status_code == 422
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    server.wait_for(first.json()["job_id"], "completed")


def test_concurrent_requests_with_one_idempotency_key_make_one_job(server: Server) -> None:
    """Eight simultaneous submissions with the same key all get the same single job."""
    key = uuid.uuid4().hex

    def post(_: int) -> str:
        with server.client() as c:
            r = c.post("/optimize-async", json=SMALL, headers={"Idempotency-Key": key})
        assert r.status_code in (200, 202), r.text
        return str(r.json()["job_id"])

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(post, range(8)))
    assert len(ids) == 1
    server.wait_for(ids.pop(), "completed")


def test_jobs_are_listed_newest_first_in_pages(server: Server) -> None:
    """GET /jobs pages through jobs newest first, with the total count."""
    ids = [server.submit({**SMALL, "seed": n})["job_id"] for n in range(3)]
    with server.client() as c:
        first = c.get("/jobs", params={"limit": 2}).json()
        second = c.get("/jobs", params={"limit": 2, "offset": 2}).json()
    assert [j["job_id"] for j in first["items"]] == ids[::-1][:2]
    assert second["items"][0]["job_id"] == ids[0]
    assert first["total"] == second["total"] >= 3
    for job_id in ids:
        server.wait_for(job_id, "completed")
    with server.client() as c:
        completed = c.get("/jobs", params={"status": "completed", "limit": 200}).json()
    assert {j["status"] for j in completed["items"]} == {"completed"}


def test_task_endpoint_reports_the_runner_task(server: Server) -> None:
    """GET /tasks/{task_id} names the job and ends in SUCCESS with the worker's exit code 0.
    The job completes on the worker's last event; its exit code follows once the process has
    exited, so it is read until it is there."""
    accepted = server.submit(SMALL)
    server.wait_for(accepted["job_id"], "completed")
    with server.client() as c:
        task = c.get(f"/tasks/{accepted['task_id']}").json()
        assert task["job_id"] == accepted["job_id"]
        assert task["state"] == "SUCCESS" and task["ready"] is True
        assert task["runner"] == "local" and task["worker_pid"]
        deadline = time.monotonic() + 10
        while task["exit_code"] is None and time.monotonic() < deadline:
            time.sleep(0.05)
            task = c.get(f"/tasks/{accepted['task_id']}").json()
    assert task["exit_code"] == 0


def test_synchronous_optimize_solves_small_problems(server: Server) -> None:
    """POST /optimize returns the solution of a small problem in the response."""
    with server.client() as c:
        r = c.post("/optimize", json={"problem": make_problem(20), "time_limit": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "completed"
    assert sum(len(b["trips"]) for b in body["result"]["days"]["L"]["buses"]) == 20


def test_health_and_readiness(server: Server) -> None:
    """/healthz answers ok; /readyz checks the database and the runner."""
    with server.client() as c:
        assert c.get("/healthz").json() == {"status": "ok", "checks": {}}
        ready = c.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "runner": "ok"}}


def test_metrics_count_jobs_by_state_and_durations(server: Server) -> None:
    """/metrics exposes jobs by state and the run-time histogram of finished jobs."""
    before = server.metric('busplan_jobs{state="completed"}')
    server.wait_for(server.submit(SMALL)["job_id"], "completed")
    assert server.metric('busplan_jobs{state="completed"}') == before + 1
    assert server.metric('busplan_job_duration_seconds_count{state="completed"}') >= 1
    assert server.metric("busplan_websocket_connections") == 0


def test_openapi_documents_the_endpoints(server: Server) -> None:
    """The OpenAPI document lists every REST path of the service."""
    with server.client() as c:
        paths = set(c.get("/openapi.json").json()["paths"])
    assert {
        "/optimize-async",
        "/optimize",
        "/jobs",
        "/jobs/{job_id}",
        "/jobs/{job_id}/result",
        "/tasks/{task_id}",
        "/healthz",
        "/readyz",
    } <= paths
