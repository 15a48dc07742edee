"""Every limit is a setting and answers with a clear problem+json (or WebSocket close code)."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import websockets

from tests.security.helpers import client, create_key, submit, wait_done, ws
from tests.service.harness import LONG, SMALL, Server, make_problem, receive, run_async


def _problem_json(r_json: dict[str, object], status: int, code: str) -> None:
    assert r_json["status"] == status and r_json["code"] == code, r_json


@pytest.fixture(scope="module")
def watched_job(secure: Server, alice: str) -> str:
    """A completed job of alice, to open sockets on."""
    job_id = submit(secure, alice, SMALL)["job_id"]
    wait_done(secure, alice, job_id)
    return job_id


def test_request_body_limit(secure: Server, alice: str) -> None:
    """A body above MAX_BODY_BYTES is 413 BODY_TOO_LARGE, before it is parsed."""
    big = {"problem": {"trips": [], "padding": "x" * 1_100_000}}
    with client(secure, alice) as c:
        r = c.post("/optimize-async", json=big)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    _problem_json(r.json(), 413, "BODY_TOO_LARGE")


def test_upload_size_limit(secure: Server, alice: str) -> None:
    """An upload above MAX_BODY_BYTES is 413 BODY_TOO_LARGE."""
    files = {"files": ("big.xlsx", b"\0" * 1_100_000)}
    with client(secure, alice) as c:
        r = c.post("/problems/import", files=files)
    assert r.status_code == 413
    _problem_json(r.json(), 413, "BODY_TOO_LARGE")


def test_trips_per_job_limit(secure: Server, alice: str) -> None:
    """A problem with more than MAX_TRIPS trips is 413 PROBLEM_TOO_LARGE, sync or async."""
    body = {"problem": make_problem(701), "time_limit": 5}
    with client(secure, alice) as c:
        for path in ("/optimize-async", "/optimize"):
            r = c.post(path, json=body)
            assert r.status_code == 413, path
            _problem_json(r.json(), 413, "PROBLEM_TOO_LARGE")
            assert "700" in r.json()["detail"]


def _bomb(unpacked: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * unpacked)
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_parsing(secure: Server, alice: str) -> None:
    """A small workbook unpacking beyond MAX_IMPORT_UNPACKED_BYTES is 413 ARCHIVE_TOO_LARGE."""
    bomb = _bomb(50_000_000)
    assert len(bomb) < 200_000
    started = time.monotonic()
    with client(secure, alice) as c:
        r = c.post("/problems/import", files={"files": ("contract.xlsx", bomb)})
    assert r.status_code == 413
    _problem_json(r.json(), 413, "ARCHIVE_TOO_LARGE")
    assert "contract.xlsx" in r.json()["detail"]
    assert time.monotonic() - started < 5


def test_small_archives_still_reach_the_importer(secure: Server, alice: str) -> None:
    """An archive under the limit is parsed, and a broken workbook is a 422 import error."""
    with client(secure, alice) as c:
        r = c.post("/problems/import", files={"files": ("contract.xlsx", _bomb(1000))})
    assert r.status_code == 422
    assert r.json()["code"] == "IMPORT_FAILED"


def test_time_limit_ceiling(secure: Server, alice: str) -> None:
    """A time_limit above MAX_TIME_LIMIT is 422 INVALID_REQUEST naming the field."""
    with client(secure, alice) as c:
        r = c.post("/optimize-async", json={**SMALL, "time_limit": 61})
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "time_limit"


def test_websocket_message_size_limit(secure: Server, alice: str, watched_job: str) -> None:
    """A client message above WS_MAX_MESSAGE_BYTES closes the socket with 1009."""

    async def run() -> int | None:
        async with ws(secure, watched_job, alice) as socket:
            await receive(socket)
            await socket.send('{"action": "ping", "pad": "' + "x" * 5000 + '"}')
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await receive(socket, timeout=10)
            return closed.value.rcvd.code if closed.value.rcvd else None

    assert run_async(run()) == 1009


def test_websocket_clients_per_job(secure: Server, alice: str, watched_job: str) -> None:
    """Past WS_MAX_CLIENTS_PER_JOB sockets a job's next client gets TOO_MANY_CLIENTS and 1013;
    once one leaves, a new one is admitted."""

    async def run() -> None:
        sockets = [await ws(secure, watched_job, alice) for _ in range(3)]
        try:
            for socket in sockets:
                await receive(socket)
            async with ws(secure, watched_job, alice) as extra:
                message = await receive(extra)
                assert message["error_code"] == "TOO_MANY_CLIENTS"
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await receive(extra)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
            await sockets.pop().close()
            await asyncio.sleep(0.2)
            async with ws(secure, watched_job, alice) as again:
                assert (await receive(again))["type"] == "status"
        finally:
            for socket in sockets:
                await socket.close()

    run_async(run())


def test_queued_jobs_per_tenant(secure: Server, database_url: str) -> None:
    """A tenant with MAX_QUEUED_JOBS_PER_TENANT jobs waiting gets 429 TOO_MANY_QUEUED_JOBS
    with Retry-After; other tenants are not held back by it."""
    quinn = create_key(database_url, f"quinn-{uuid.uuid4().hex[:6]}")
    other = create_key(database_url, f"olga-{uuid.uuid4().hex[:6]}")
    jobs = [submit(secure, quinn, LONG)["job_id"]]
    try:
        deadline = time.monotonic() + 30
        with client(secure, quinn) as c:
            while c.get(f"/jobs/{jobs[0]}").json()["status"] == "queued":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            jobs += [submit(secure, quinn, LONG)["job_id"] for _ in range(2)]
            r = c.post("/optimize-async", json=LONG)
        assert r.status_code == 429
        _problem_json(r.json(), 429, "TOO_MANY_QUEUED_JOBS")
        assert int(r.headers["retry-after"]) > 0
        jobs.append(submit(secure, other, SMALL)["job_id"])
    finally:
        with client(secure, quinn) as c:
            for job_id in jobs[:3]:
                c.delete(f"/jobs/{job_id}")
    wait_done(secure, other, jobs[3])


def _rate_server(tmp_path: Path, name: str, **env: str) -> Server:
    settings = {"AUTH_REQUIRED": "true", "RATE_LIMIT_PER_SECOND": "0.5", "RATE_LIMIT_BURST": "5"}
    return Server({**settings, **env}, tmp_path / f"{name}.log")


def _statuses(server: Server, key: str, n: int) -> list[int]:
    with client(server, key) as c:
        return [c.get("/jobs").status_code for _ in range(n)]


def test_rate_limit_per_key_in_memory(tmp_path: Path) -> None:
    """Past RATE_LIMIT_BURST quick requests a key gets 429 RATE_LIMITED with Retry-After;
    another key keeps its own bucket."""
    database = f"sqlite:///{tmp_path / 'rate.db'}"
    server = _rate_server(tmp_path, "memory", DATABASE_URL=database).start()
    try:
        first, second = create_key(database, "rita"), create_key(database, "sam")
        assert _statuses(server, first, 5) == [200] * 5
        with client(server, first) as c:
            r = c.get("/jobs")
        assert r.status_code == 429
        _problem_json(r.json(), 429, "RATE_LIMITED")
        assert int(r.headers["retry-after"]) >= 1
        assert _statuses(server, second, 5) == [200] * 5
    finally:
        server.stop()


def test_rate_limit_shared_through_redis(tmp_path: Path) -> None:
    """With REDIS_URL two API nodes draw from one bucket per key."""
    database = f"sqlite:///{tmp_path / 'rate.db'}"
    env = {
        "DATABASE_URL": database,
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REDIS_KEY_PREFIX": f"busplan-test-{uuid.uuid4().hex[:8]}:",
    }
    one = _rate_server(tmp_path, "one", **env).start()
    two = _rate_server(tmp_path, "two", **env)
    try:
        two.start()
        key = create_key(database, "tess")
        assert _statuses(one, key, 3) + _statuses(two, key, 2) == [200] * 5
        assert _statuses(two, key, 1) == [429]
        assert _statuses(one, key, 1) == [429]
    finally:
        one.stop()
        two.stop()
