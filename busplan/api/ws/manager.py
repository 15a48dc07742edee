"""Who is watching which job, and delivery to each of them in order.

Each client has its own outbox and writer task, so one slow client never delays the others;
a client whose outbox overflows, or whose socket fails, is dropped at once. A client is
registered before its history is read from the store and is held ("gated") until that history
is queued; live messages that arrive meanwhile wait, and the writer drops any message whose
`seq` it has already sent. Together this gives no gaps and no duplicates on reconnection.

All methods run on the event loop thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Client:
    websocket: WebSocket
    job_id: str
    outbox: asyncio.Queue[dict[str, Any] | None]
    live: bool = False
    held: list[dict[str, Any]] = field(default_factory=list)
    sent_seq: int = 0
    writer: asyncio.Task[None] | None = None


class ConnectionManager:
    def __init__(self, *, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._jobs: dict[str, dict[WebSocket, _Client]] = {}
        self._encoded: tuple[dict[str, Any], str] | None = None
        """The last message serialized and its text: one event goes to every client of a job
        as the same dict, so it is encoded once rather than once per client."""

    async def connect(
        self, websocket: WebSocket, job_id: str, *, subprotocol: str | None = None
    ) -> bool:
        """Accept the socket and register it for `job_id`, held until `go_live`."""
        try:
            await websocket.accept(subprotocol)
        except Exception:
            return False
        client = _Client(websocket, job_id, asyncio.Queue(self._queue_size))
        client.writer = asyncio.create_task(self._write(client), name=f"ws-writer-{job_id}")
        self._jobs.setdefault(job_id, {})[websocket] = client
        return True

    async def disconnect(self, websocket: WebSocket, job_id: str, *, code: int = 1000) -> None:
        """Forget the socket and stop its writer; idempotent."""
        client = self._jobs.get(job_id, {}).pop(websocket, None)
        if not self._jobs.get(job_id):
            self._jobs.pop(job_id, None)
        if client is None:
            return
        if client.writer is not None and client.writer is not asyncio.current_task():
            client.writer.cancel()
        if websocket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close(code)

    def send(self, websocket: WebSocket, job_id: str, data: dict[str, Any]) -> bool:
        """Queue a message for one client (replies, history); False if it is gone."""
        client = self._jobs.get(job_id, {}).get(websocket)
        return client is not None and self._queue(client, data)

    def skip_through(self, websocket: WebSocket, job_id: str, seq: int) -> None:
        """Messages with a seq up to `seq` are not sent to this client (it has them)."""
        client = self._jobs.get(job_id, {}).get(websocket)
        if client is not None:
            client.sent_seq = max(client.sent_seq, seq)

    def go_live(self, websocket: WebSocket, job_id: str) -> None:
        """Release the messages held while the history was read, then deliver directly."""
        client = self._jobs.get(job_id, {}).get(websocket)
        if client is None:
            return
        held, client.held = client.held, []
        client.live = True
        for data in held:
            if not self._queue(client, data):
                return

    async def send_progress(self, job_id: str, data: dict[str, Any]) -> int:
        """Send to every client of the job; returns how many clients it was queued for."""
        count = 0
        for client in list(self._jobs.get(job_id, {}).values()):
            if not client.live:
                client.held.append(data)
                count += 1
            elif self._queue(client, data):
                count += 1
        return count

    def watched_jobs(self) -> list[str]:
        """Jobs with at least one client here (what a node must catch up after a gap)."""
        return list(self._jobs)

    def get_connection_count(self, job_id: str | None = None) -> int:
        if job_id is not None:
            return len(self._jobs.get(job_id, {}))
        return sum(len(clients) for clients in self._jobs.values())

    async def close_all(self) -> None:
        for job_id, clients in list(self._jobs.items()):
            for websocket in list(clients):
                await self.disconnect(websocket, job_id)

    def _queue(self, client: _Client, data: dict[str, Any]) -> bool:
        try:
            client.outbox.put_nowait(data)
        except asyncio.QueueFull:
            log.warning("dropping a WebSocket client of job %s: too far behind", client.job_id)
            asyncio.get_running_loop().create_task(self.disconnect(client.websocket, client.job_id))
            return False
        return True

    def _text(self, data: dict[str, Any]) -> str:
        if self._encoded is None or self._encoded[0] is not data:
            self._encoded = (data, json.dumps(data))
        return self._encoded[1]

    async def _write(self, client: _Client) -> None:
        try:
            while True:
                data = await client.outbox.get()
                if data is None:
                    return
                seq = data.get("seq")
                if isinstance(seq, int):
                    if seq <= client.sent_seq:
                        continue
                    client.sent_seq = seq
                await client.websocket.send_text(self._text(data))
        except asyncio.CancelledError:
            raise
        except Exception:
            await self.disconnect(client.websocket, client.job_id)
