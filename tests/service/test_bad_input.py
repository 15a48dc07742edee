"""Invalid requests are refused with application/problem+json and the paths at fault."""

from __future__ import annotations

import socket

from tests.service.harness import LONG, SMALL, Server, make_problem

PROBLEM_JSON = "application/problem+json"


def test_malformed_json_is_400(server: Server) -> None:
    """A body that is not JSON gets 400 MALFORMED_JSON."""
    with server.client() as c:
        r = c.post(
            "/optimize-async",
            content=b'{"problem": {',
            headers={"content-type": "application/json"},
        )
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM_JSON
    assert r.json()["code"] == "MALFORMED_JSON" and r.json()["status"] == 400


def test_invalid_problem_is_422_with_field_paths(server: Server) -> None:
    """Every error in the problem is listed with its path inside the request body."""
    problem = make_problem(3)
    problem["trips"][1]["time"] = "25:99"
    problem["trips"][2]["kind"] = "lunch"
    with server.client() as c:
        r = c.post("/optimize-async", json={"problem": problem})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM_JSON
    body = r.json()
    assert body["code"] == "INVALID_PROBLEM"
    assert {e["path"] for e in body["errors"]} == {"problem.trips[1].time", "problem.trips[2].kind"}


def test_invalid_options_are_422_with_field_paths(server: Server) -> None:
    """Out-of-range options and a missing problem are reported by path."""
    with server.client() as c:
        options = c.post(
            "/optimize-async", json={**SMALL, "time_limit": 99999, "days": ["L", "Sunday"]}
        )
        missing = c.post("/optimize-async", json={"time_limit": 5})
        negative = c.post("/optimize-async", json={**SMALL, "time_limit": -1})
    assert options.status_code == 422
    assert {e["path"] for e in options.json()["errors"]} == {"time_limit", "days[1]"}
    assert missing.status_code == 422 and missing.json()["errors"][0]["path"] == "problem"
    assert negative.status_code == 422 and negative.json()["errors"][0]["path"] == "time_limit"


def test_unknown_job_and_task_are_404(server: Server) -> None:
    """Reading, cancelling or fetching the result of an unknown job is 404; so is a task."""
    with server.client() as c:
        answers = [
            c.get("/jobs/no-such-job"),
            c.get("/jobs/no-such-job/result"),
            c.delete("/jobs/no-such-job"),
            c.get("/tasks/no-such-task"),
        ]
    assert [r.status_code for r in answers] == [404, 404, 404, 404]
    assert all(r.headers["content-type"] == PROBLEM_JSON for r in answers)
    assert [r.json()["code"] for r in answers] == ["JOB_NOT_FOUND"] * 3 + ["TASK_NOT_FOUND"]


def test_declared_oversized_body_is_413(server: Server) -> None:
    """A body announced as larger than MAX_BODY_BYTES is refused before it is read."""
    request = (
        f"POST /optimize-async HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):  # the server closes the connection after answering
            answer += chunk
        text = answer.decode()
    assert text.startswith("HTTP/1.1 413")
    assert PROBLEM_JSON in text and "BODY_TOO_LARGE" in text


def test_streamed_oversized_body_is_413(server: Server) -> None:
    """A chunked body without Content-Length is cut off once it passes the limit."""

    def chunks() -> object:
        yield b'{"problem": {"trips": ['
        for _ in range(40):
            yield b'"' + b"x" * 50_000 + b'",'
        yield b"0]}}"

    with server.client() as c:
        r = c.post(
            "/optimize-async", content=chunks(), headers={"content-type": "application/json"}
        )
    assert r.status_code == 413
    assert r.json()["code"] == "BODY_TOO_LARGE"


def test_synchronous_optimize_refuses_big_problems_with_advice(server: Server) -> None:
    """POST /optimize answers 413 above SYNC_MAX_TRIPS and points to /optimize-async."""
    with server.client() as c:
        r = c.post("/optimize", json={"problem": make_problem(61)})
    assert r.status_code == 413
    assert r.json()["code"] == "PROBLEM_TOO_LARGE"
    assert "/optimize-async" in r.json()["detail"]


def test_result_of_unfinished_job_is_409(server: Server) -> None:
    """GET /jobs/{id}/result is 409 RESULT_NOT_READY until the job has completed."""
    job_id = server.submit(LONG)["job_id"]
    try:
        with server.client() as c:
            r = c.get(f"/jobs/{job_id}/result")
        assert r.status_code == 409
        assert r.json()["code"] == "RESULT_NOT_READY"
    finally:
        server.cancel(job_id)
