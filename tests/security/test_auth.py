"""API keys and tenants: who may see and touch which job, over REST and WebSocket."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import create_engine, text

from tests.security.helpers import busplan, client, create_key, submit, wait_done, ws
from tests.service.harness import SMALL, Server, receive, run_async, until_final

JOB_PATHS = ["", "/result", "/problem", "/export.pdf", "/export.xlsx"]


@pytest.fixture(scope="module")
def alice_job(secure: Server, alice: str) -> dict[str, str]:
    """A completed job of tenant alice."""
    accepted = submit(secure, alice, SMALL)
    assert wait_done(secure, alice, accepted["job_id"])["status"] == "completed"
    return {"job_id": accepted["job_id"], "task_id": accepted["task_id"]}


def test_job_paths_need_a_key(secure: Server, alice_job: dict[str, str]) -> None:
    """Without a key every job path is 401 problem+json with a Bearer challenge."""
    with client(secure) as c:
        answers = [c.get(f"/jobs/{alice_job['job_id']}{p}") for p in JOB_PATHS]
        answers += [
            c.get("/jobs"),
            c.delete(f"/jobs/{alice_job['job_id']}"),
            c.get(f"/tasks/{alice_job['task_id']}"),
            c.post("/optimize-async", json=SMALL),
            c.post("/optimize", json=SMALL),
            c.post("/problems/import", files={"files": ("a.json", b"[]")}),
        ]
    for r in answers:
        assert r.status_code == 401, r.request.url
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["code"] == "UNAUTHORIZED"


def test_health_is_open(secure: Server) -> None:
    """Liveness and readiness answer without a key (load balancers have none)."""
    with client(secure) as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    ["Bearer nonsense", "Basic YWxpY2U6eA==", "Bearer bpk_000000000000_" + "A" * 43, "Bearer"],
)
def test_bad_keys_are_refused(secure: Server, authorization: str) -> None:
    """Malformed, unknown and non-Bearer credentials are 401."""
    with client(secure) as c:
        r = c.get("/jobs", headers={"Authorization": authorization})
    assert r.status_code == 401


def test_a_tampered_key_is_refused(secure: Server, alice: str) -> None:
    """A real key id with a different secret is 401 (the digest is compared)."""
    tampered = alice[:-1] + ("A" if alice[-1] != "A" else "B")
    with client(secure, tampered) as c:
        assert c.get("/jobs").status_code == 401


def test_owner_sees_its_job(secure: Server, alice: str, alice_job: dict[str, str]) -> None:
    """The owning tenant reads the job, its result, problem, exports, task and list entry."""
    job_id = alice_job["job_id"]
    with client(secure, alice) as c:
        for path in JOB_PATHS:
            assert c.get(f"/jobs/{job_id}{path}").status_code == 200, path
        assert c.get(f"/tasks/{alice_job['task_id']}").status_code == 200
        assert job_id in [j["job_id"] for j in c.get("/jobs?limit=200").json()["items"]]


def test_other_tenants_get_404(
    secure: Server, bob: str, alice: str, alice_job: dict[str, str]
) -> None:
    """Another tenant gets 404 on every path of the job, cannot cancel it, does not list it."""
    job_id = alice_job["job_id"]
    with client(secure, bob) as c:
        for path in JOB_PATHS:
            r = c.get(f"/jobs/{job_id}{path}")
            assert r.status_code == 404, path
            assert r.json()["code"] == "JOB_NOT_FOUND"
        assert c.delete(f"/jobs/{job_id}").status_code == 404
        assert c.get(f"/tasks/{alice_job['task_id']}").status_code == 404
        listed = c.get("/jobs?limit=200").json()
        assert job_id not in [j["job_id"] for j in listed["items"]]
    with client(secure, alice) as c:
        assert c.get(f"/jobs/{job_id}").json()["status"] == "completed"


def test_unknown_and_foreign_jobs_look_alike(
    secure: Server, bob: str, alice_job: dict[str, str]
) -> None:
    """A foreign job's 404 has the same body as a missing job's, apart from the id."""
    with client(secure, bob) as c:
        foreign = c.get(f"/jobs/{alice_job['job_id']}").json()
        missing = c.get("/jobs/00000000-0000-0000-0000-000000000000").json()
    assert foreign["code"] == missing["code"] and foreign["title"] == missing["title"]


def test_idempotency_keys_are_per_tenant(secure: Server, alice: str, bob: str) -> None:
    """The same Idempotency-Key from two tenants makes two jobs; a repeat finds its own."""
    headers = {"Idempotency-Key": "same-key-for-both"}
    a = submit(secure, alice, SMALL, **headers)
    b = submit(secure, bob, SMALL, **headers)
    assert a["job_id"] != b["job_id"]
    assert submit(secure, bob, SMALL, **headers)["job_id"] == b["job_id"]
    wait_done(secure, alice, a["job_id"])
    wait_done(secure, bob, b["job_id"])


def test_websocket_with_key_subprotocol(
    secure: Server, alice: str, alice_job: dict[str, str]
) -> None:
    """The owner follows the job with its key as a subprotocol; `busplan` is echoed back."""

    async def run() -> None:
        async with ws(secure, alice_job["job_id"], alice) as socket:
            assert socket.subprotocol == "busplan"
            messages = await until_final(socket)
        assert messages[0]["type"] == "status"
        assert messages[-1]["type"] == "completed"

    run_async(run())


def test_websocket_needs_a_key(secure: Server, alice_job: dict[str, str]) -> None:
    """Without a key, or with a wrong one, the handshake is refused with 403."""

    async def refused(key: str | None) -> int:
        with pytest.raises(websockets.InvalidStatus) as caught:
            async with ws(secure, alice_job["job_id"], key):
                pass
        return int(caught.value.response.status_code)

    assert run_async(refused(None)) == 403
    assert run_async(refused("bpk_000000000000_" + "A" * 43)) == 403


def test_websocket_of_another_tenant_is_not_found(
    secure: Server, bob: str, alice_job: dict[str, str]
) -> None:
    """Another tenant's socket is told JOB_NOT_FOUND and closed 4404, as for a missing job."""

    async def run() -> None:
        async with ws(secure, alice_job["job_id"], bob) as socket:
            message = await receive(socket)
            assert message["type"] == "error" and message["error_code"] == "JOB_NOT_FOUND"
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await receive(socket)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404

    run_async(run())


def test_websocket_origin_allowlist(secure: Server, alice: str, alice_job: dict[str, str]) -> None:
    """A foreign browser Origin is refused; the API's own and allow-listed ones are accepted."""
    job_id = alice_job["job_id"]

    async def status(origin: str) -> int:
        try:
            async with ws(secure, job_id, alice, origin=origin) as socket:
                await receive(socket)
                return 101
        except websockets.InvalidStatus as exc:
            return int(exc.response.status_code)

    assert run_async(status("https://evil.example")) == 403
    assert run_async(status("https://ops.example")) == 101
    assert run_async(status(f"http://127.0.0.1:{secure.port}")) == 101


def test_key_never_in_url(secure: Server, alice: str, alice_job: dict[str, str]) -> None:
    """A key in the query string is not accepted: keys travel in headers only."""
    job_id = alice_job["job_id"]

    async def run() -> int:
        try:
            async with websockets.connect(
                f"{secure.ws_url}/ws/optimize/{job_id}?token={alice}&api_key={alice}"
            ):
                return 101
        except websockets.InvalidStatus as exc:
            return int(exc.response.status_code)

    assert run_async(run()) == 403
    with httpx.Client(base_url=secure.url) as c:
        assert c.get(f"/jobs/{job_id}", params={"api_key": alice}).status_code == 401


def test_keys_cli_stores_digests_only(database_url: str, secure: Server) -> None:
    """`keys create` prints a key once; the database and `keys list` hold no secret."""
    key = create_key(database_url, "carol")
    key_id = key.split("_")[1]
    listed = busplan(database_url, "keys", "list")
    assert listed.returncode == 0 and key_id in listed.stdout and "carol" in listed.stdout
    assert key not in listed.stdout and key.split("_", 2)[2] not in listed.stdout
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM api_keys")).all()
    finally:
        engine.dispose()
    dumped = repr(rows)
    assert key_id in dumped and key.split("_", 2)[2] not in dumped


def test_revoked_key_stops_working(database_url: str, secure: Server) -> None:
    """After `keys revoke` the key is 401 on the next request."""
    key = create_key(database_url, "dave")
    with client(secure, key) as c:
        assert c.get("/jobs").status_code == 200
        done = busplan(database_url, "keys", "revoke", key.split("_")[1])
        assert done.returncode == 0, done.stderr
        assert c.get("/jobs").status_code == 401
    assert busplan(database_url, "keys", "revoke", key.split("_")[1]).returncode == 1


def test_bad_tenant_name_is_refused(database_url: str, secure: Server) -> None:
    """`keys create` refuses tenant names outside a-z 0-9 _ . - (exit status 2)."""
    assert busplan(database_url, "keys", "create", "--tenant", "Robert'); DROP").returncode == 2


def test_public_interface_requires_keys(database_url: str, tmp_path: Path) -> None:
    """`busplan serve --host 0.0.0.0` requires keys without being told to."""
    server = Server({"DATABASE_URL": database_url}, tmp_path / "log", host="0.0.0.0").start()
    try:
        with client(server) as c:
            assert c.get("/jobs").status_code == 401
    finally:
        server.stop()


def test_loopback_allows_anonymous_use(database_url: str, tmp_path: Path) -> None:
    """On loopback without AUTH_REQUIRED anonymous requests work (default tenant), while
    keyed tenants still see only their own jobs."""
    server = Server({"DATABASE_URL": database_url}, tmp_path / "log").start()
    try:
        anonymous = server.submit(SMALL)["job_id"]
        server.wait_for(anonymous, "completed")
        key = create_key(database_url, "erin")
        with client(server, key) as c:
            assert c.get(f"/jobs/{anonymous}").status_code == 404
        with client(server) as c:
            assert c.get(f"/jobs/{anonymous}").status_code == 200
    finally:
        server.stop()


def _ticket(server: Server, key: str) -> str:
    with client(server, key) as c:
        r = c.post("/ws-ticket")
    assert r.status_code == 200, r.text
    assert r.json()["expires_in"] == 2
    return str(r.json()["ticket"])


async def _open_with_ticket(server: Server, job_id: str, ticket: str) -> dict[str, Any] | int:
    """The first message, or the HTTP status of a refused handshake."""
    url = f"{server.ws_url}/ws/optimize/{job_id}?ticket={ticket}"
    try:
        async with websockets.connect(url, max_size=None) as socket:
            return await receive(socket)
    except websockets.InvalidStatus as exc:
        return int(exc.response.status_code)


def test_ws_ticket_works_once(secure: Server, alice: str, alice_job: dict[str, str]) -> None:
    """A ticket from POST /ws-ticket opens the owner's socket once; used again it is 403."""
    ticket = _ticket(secure, alice)
    first = run_async(_open_with_ticket(secure, alice_job["job_id"], ticket))
    assert isinstance(first, dict) and first["type"] == "status"
    assert run_async(_open_with_ticket(secure, alice_job["job_id"], ticket)) == 403


def test_ws_ticket_expires(secure: Server, alice: str, alice_job: dict[str, str]) -> None:
    """A ticket unused for WS_TICKET_SECONDS is refused."""
    ticket = _ticket(secure, alice)
    time.sleep(2.5)
    assert run_async(_open_with_ticket(secure, alice_job["job_id"], ticket)) == 403


def test_ws_ticket_is_bound_to_its_tenant(
    secure: Server, bob: str, alice_job: dict[str, str]
) -> None:
    """Another tenant's ticket sees the job as missing; a ticket needs a key to be issued."""
    first = run_async(_open_with_ticket(secure, alice_job["job_id"], _ticket(secure, bob)))
    assert isinstance(first, dict) and first["error_code"] == "JOB_NOT_FOUND"
    assert run_async(_open_with_ticket(secure, alice_job["job_id"], "made-up")) == 403
    with client(secure) as c:
        assert c.post("/ws-ticket").status_code == 401


def test_ws_ticket_shared_through_redis(tmp_path: Path) -> None:
    """With REDIS_URL a ticket issued by one API node opens a socket on another, once."""
    database = f"sqlite:///{tmp_path / 'tickets.db'}"
    env = {
        "DATABASE_URL": database,
        "AUTH_REQUIRED": "true",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REDIS_KEY_PREFIX": f"busplan-test-{uuid.uuid4().hex[:8]}:",
    }
    one = Server(env, tmp_path / "one.log").start()
    two = Server(env, tmp_path / "two.log")
    try:
        two.start()
        key = create_key(database, "uma")
        job_id = submit(one, key, SMALL)["job_id"]
        with client(one, key) as c:
            ticket = c.post("/ws-ticket").json()["ticket"]
        first = run_async(_open_with_ticket(two, job_id, ticket))
        assert isinstance(first, dict) and first["type"] == "status"
        assert run_async(_open_with_ticket(one, job_id, ticket)) == 403
        wait_done(one, key, job_id)
    finally:
        one.stop()
        two.stop()
