"""`/ws/optimize/{job_id}`: live progress of one job.

On connect the client gets the job's `status` first; with `?last_seq=N` it then gets every
logged event after N, otherwise the final `completed`/`error` at once if the job has ended.
Live events follow. The handshake is refused (403) for a disallowed Origin or a missing or
wrong key (`busplan.api.ws.handshake`); another tenant's job looks like a missing one. A job
with WS_MAX_CLIENTS_PER_JOB clients gets no more (`TOO_MANY_CLIENTS`, close 1013), and a
client message above WS_MAX_MESSAGE_BYTES closes the socket (1009). The client may send
`{"action": "ping"}` (-> `pong`) and `{"action": "get_status"}` (-> `status`); anything else
gets an `error` and the socket stays open. Keep-alive pings are WebSocket ping frames sent by
the server (see `busplan serve`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, WebSocket
from starlette.websockets import WebSocketDisconnect

from busplan.api.deps import LogDep, ManagerDep, SettingsDep
from busplan.api.ws.handshake import admit
from busplan.api.ws.manager import ConnectionManager
from busplan.api.ws.messages import build_error_message, build_pong_message, message_for, status_of
from busplan.jobs.log import JobLog

router = APIRouter()

CLOSE_UNKNOWN_JOB = 4404
CLOSE_TRY_LATER = 1013
CLOSE_TOO_BIG = 1009


@router.websocket("/ws/optimize/{job_id}")
async def watch_job(
    websocket: WebSocket,
    job_id: str,
    job_log: LogDep,
    manager: ManagerDep,
    settings: SettingsDep,
    last_seq: Annotated[int | None, Query(ge=0)] = None,
) -> None:
    admission = await admit(websocket)
    if admission is None:
        await websocket.close(1008)  # before accepting: the client gets HTTP 403
        return
    if manager.get_connection_count(job_id) >= settings.ws_max_clients_per_job:
        await _refuse_busy(websocket, job_id, settings.ws_max_clients_per_job)
        return
    if not await manager.connect(websocket, job_id, subprotocol=admission.subprotocol):
        return
    watch = _Watch(job_id, admission.tenant, settings.ws_max_message_bytes)
    try:
        if await _catch_up(websocket, watch, last_seq, job_log, manager):
            manager.go_live(websocket, job_id)
            await _answer(websocket, watch, job_log, manager)
    finally:
        await manager.disconnect(websocket, job_id)


@dataclass(frozen=True, slots=True)
class _Watch:
    job_id: str
    tenant: str
    max_message: int


async def _refuse_busy(websocket: WebSocket, job_id: str, limit: int) -> None:
    await websocket.accept()
    detail = f"this job already has {limit} WebSocket clients; retry later"
    await websocket.send_text(json.dumps(build_error_message(job_id, "TOO_MANY_CLIENTS", detail)))
    await websocket.close(CLOSE_TRY_LATER, "too many clients")


async def _catch_up(
    websocket: WebSocket,
    watch: _Watch,
    last_seq: int | None,
    job_log: JobLog,
    manager: ConnectionManager,
) -> bool:
    """Queue status and history; False if there is no such job (for this tenant)."""
    job_id = watch.job_id
    job = await to_thread.run_sync(job_log.get, job_id)
    if job is None or job.tenant != watch.tenant:
        error = build_error_message(job_id, "JOB_NOT_FOUND", f"no job {job_id}")
        await websocket.send_text(json.dumps(error))
        await websocket.close(CLOSE_UNKNOWN_JOB, "no such job")
        return False
    manager.send(websocket, job_id, status_of(job))
    if last_seq is None and not job.finished:
        manager.skip_through(websocket, job_id, job.last_seq)
        return True
    # With last_seq: everything after it. Without, for a finished job: its final event,
    # which is always the last one of its log.
    after = last_seq if last_seq is not None else job.last_seq - 1
    manager.skip_through(websocket, job_id, after)
    for update in await to_thread.run_sync(job_log.history, job_id, after):
        manager.send(websocket, job_id, message_for(update))
    return True


async def _answer(
    websocket: WebSocket, watch: _Watch, job_log: JobLog, manager: ConnectionManager
) -> None:
    """Answer the client's requests until it goes away."""
    while True:
        try:
            received = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if received["type"] == "websocket.disconnect":
            return
        text, data = received.get("text"), received.get("bytes")
        if len(text or "") + len(data or b"") > watch.max_message:
            await manager.disconnect(websocket, watch.job_id, code=CLOSE_TOO_BIG)
            return
        reply = await _reply(watch.job_id, text, job_log)
        if not manager.send(websocket, watch.job_id, reply):
            return


async def _reply(job_id: str, text: str | None, job_log: JobLog) -> dict[str, Any]:
    try:
        request = json.loads(text) if text is not None else None
    except ValueError:
        request = None
    if not isinstance(request, dict):
        return build_error_message(job_id, "INVALID_MESSAGE", "messages must be JSON objects")
    action = request.get("action")
    if action == "ping":
        return build_pong_message()
    if action == "get_status":
        job = await to_thread.run_sync(job_log.get, job_id)
        if job is not None:
            return status_of(job)
        return build_error_message(job_id, "JOB_NOT_FOUND", "no such job")
    return build_error_message(
        job_id, "UNKNOWN_ACTION", f"unknown action {action!r}; use ping or get_status"
    )
