"""Jobs and POST /optimize take travel times from the service's settings (OSRM_URL...), with the
cache and the fallback rule of `busplan optimize`, and keep the travel report with the result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.routing.fake_osrm import Action, FakeOsrm, serve
from tests.service.harness import Server, make_problem

PROBLEM = make_problem(30, seed=7)
"""No travel matrix of its own: the settings decide where its travel times come from."""


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    with serve(FakeOsrm()) as state:
        yield state


def osrm_server(osrm: FakeOsrm, tmp_path: Path, **extra: str) -> Server:
    tmp_path.mkdir(exist_ok=True)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'busplan.db'}",
        "OSRM_URL": osrm.url,
        "OSRM_CACHE": str(tmp_path / "travel.sqlite"),
        "OSRM_RETRIES": "0",
        "OSRM_TIMEOUT": "2",
        **extra,
    }
    return Server(env, tmp_path / "server.log").start()


def run_job(server: Server) -> dict[str, object]:
    job_id = server.submit({"problem": PROBLEM, "time_limit": 5})["job_id"]
    server.wait_for(job_id, "completed", "failed", timeout=60)
    return server.job(job_id)


def travel_of(server: Server, job_id: object) -> dict[str, object]:
    with server.client() as c:
        result = c.get(f"/jobs/{job_id}/result").json()["result"]
    return dict(result["extra"]["travel"])


def test_jobs_ask_osrm_then_the_cache(osrm: FakeOsrm, tmp_path: Path) -> None:
    """A job without a matrix asks the configured server's Table service; the same problem
    again is served from the cache (no new Table request); sync /optimize uses it too."""
    server = osrm_server(osrm, tmp_path)
    try:
        first = run_job(server)
        assert first["status"] == "completed", first
        tables = osrm.count("table")
        assert tables >= 1
        travel = travel_of(server, first["job_id"])
        assert travel["source"] == "osrm" and travel["server"] == osrm.url
        assert travel["estimated_total"] == 0 and travel["warnings"] == []

        second = run_job(server)
        assert second["status"] == "completed", second
        assert osrm.count("table") == tables
        cached = travel_of(server, second["job_id"])
        assert cached["cache"]["misses"] == 0 and cached["cache"]["hits"] > 0  # type: ignore[index]

        with server.client() as c:
            now = c.post("/optimize", json={"problem": PROBLEM, "time_limit": 5})
        assert now.status_code == 200, now.text
        assert now.json()["result"]["extra"]["travel"]["source"] == "osrm"
        assert osrm.count("table") == tables
        # Same travel times, same seed: the synchronous plan is the job's plan.
        with server.client() as c:
            job_plan = c.get(f"/jobs/{second['job_id']}/result").json()["result"]["days"]
        assert now.json()["result"]["days"]["L"]["buses"] == job_plan["L"]["buses"]
    finally:
        server.stop()


def test_unreachable_osrm_fails_the_job_unless_fallback_is_allowed(
    osrm: FakeOsrm, tmp_path: Path
) -> None:
    """Server down without OSRM_FALLBACK: the job fails TRAVEL_TIMES_UNAVAILABLE and /optimize
    answers 503; with OSRM_FALLBACK=1 the job completes on the estimate, with a warning."""
    osrm.always = Action(status=503)
    server = osrm_server(osrm, tmp_path / "strict")
    try:
        job = run_job(server)
        assert job["status"] == "failed" and job["error_code"] == "TRAVEL_TIMES_UNAVAILABLE"
        assert "OSRM_FALLBACK=1" in str(job["error"])
        with server.client() as c:
            now = c.post("/optimize", json={"problem": PROBLEM, "time_limit": 5})
        assert now.status_code == 503 and now.json()["code"] == "TRAVEL_TIMES_UNAVAILABLE"
    finally:
        server.stop()
    lenient = osrm_server(osrm, tmp_path / "lenient", OSRM_FALLBACK="1")
    try:
        job = run_job(lenient)
        assert job["status"] == "completed", job
        travel = travel_of(lenient, job["job_id"])
        assert travel["estimated_total"] == travel["connections_total"]
        assert "straight-line estimate" in str(travel["warnings"])
    finally:
        lenient.stop()


def test_bad_osrm_settings_stop_the_service_at_start(tmp_path: Path) -> None:
    """A wrong OSRM_* value is refused at start-up, naming the setting."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'busplan.db'}", "OSRM_URL": "osrm:5000"}
    with pytest.raises(RuntimeError, match="http://"):
        Server(env, tmp_path / "server.log").start(timeout=20)
