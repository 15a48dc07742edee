"""Keep-alive: the server pings every WS_HEARTBEAT_INTERVAL and drops silent clients."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.harness import SMALL, Server, connect, receive, run_async


@pytest.fixture
def quick_heartbeat(tmp_path: Path) -> Iterator[Server]:
    """A server pinging every 0.5 s (keep-alive does not depend on the database: SQLite)."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'busplan.db'}",
        "WS_HEARTBEAT_INTERVAL": "0.5",
        "WS_PING_TIMEOUT": "0.5",
    }
    server = Server(env, tmp_path / "server.log").start()
    yield server
    server.stop()


def silent_client(server: Server, job_id: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never answers anything."""
    key = base64.b64encode(os.urandom(16)).decode()
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(
        (
            f"GET /ws/optimize/{job_id} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    assert s.recv(4096).startswith(b"HTTP/1.1 101")
    return s


def test_client_that_does_not_answer_pings_is_dropped(quick_heartbeat: Server) -> None:
    """A client that ignores ping frames is disconnected after interval + timeout."""
    server = quick_heartbeat
    job_id = server.submit(SMALL)["job_id"]
    server.wait_for(job_id, "completed")
    silent = silent_client(server, job_id)
    try:
        time.sleep(0.2)
        assert server.metric("busplan_websocket_connections") == 1
        deadline = time.monotonic() + 3.0
        while server.metric("busplan_websocket_connections") > 0:
            assert time.monotonic() < deadline, "silent client was not dropped"
            time.sleep(0.1)
    finally:
        silent.close()


def test_client_that_answers_pings_stays_connected(quick_heartbeat: Server) -> None:
    """A normal client (its library answers pings) stays connected across many heartbeats."""
    server = quick_heartbeat
    job_id = server.submit(SMALL)["job_id"]
    server.wait_for(job_id, "completed")

    async def scenario() -> tuple[float, str]:
        async with connect(server, job_id) as ws:
            await receive(ws)
            await receive(ws)
            await asyncio.sleep(2.5)
            count = await asyncio.to_thread(server.metric, "busplan_websocket_connections")
            await ws.send('{"action": "ping"}')
            return count, (await receive(ws, 5))["type"]

    count, reply = run_async(scenario())
    assert count == 1 and reply == "pong"
