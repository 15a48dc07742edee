"""API keys from the real CLI, authenticated requests and WebSocket connections."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import httpx
import websockets

from tests.service.harness import ROOT, Server


def busplan(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `busplan` command line against a database."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "busplan", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def create_key(database_url: str, tenant: str) -> str:
    done = busplan(database_url, "keys", "create", "--tenant", tenant)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def client(server: Server, key: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30, headers=bearer(key) if key else {})


def submit(server: Server, key: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    with client(server, key) as c:
        r = c.post("/optimize-async", json=body, headers=headers)
    assert r.status_code in (200, 202), r.text
    return dict(r.json())


def wait_done(server: Server, key: str, job_id: str, timeout: float = 60) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    with client(server, key) as c:
        while time.monotonic() < deadline:
            job = c.get(f"/jobs/{job_id}").json()
            if job["status"] in ("completed", "failed", "cancelled"):
                return dict(job)
            time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def ws(server: Server, job_id: str, key: str | None = None, *, origin: str | None = None) -> Any:
    """A WebSocket to the job, the key offered as the `bearer.<key>` subprotocol."""
    protocols = ["busplan", f"bearer.{key}"] if key else ["busplan"]
    headers = {"Origin": origin} if origin else {}
    return websockets.connect(
        f"{server.ws_url}/ws/optimize/{job_id}",
        subprotocols=protocols,  # type: ignore[list-item]
        additional_headers=headers,
        max_size=None,
        open_timeout=10,
    )
