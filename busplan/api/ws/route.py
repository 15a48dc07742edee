"""`/ws/optimize/{job_id}`: live progress of one job.

On connect the client gets the job's `status` first; with `?last_seq=N` it then gets every
logged event after N, otherwise the final `completed`/`error` at once if the job has ended.
Live events follow. The client may send `{"action": "ping"}` (-> `pong`) and
`{"action": "get_status"}` (-> `status`); anything else gets an `error` and the socket stays
open. Keep-alive pings are WebSocket ping frames sent by the server (see `busplan serve`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, WebSocket
from starlette.websockets import WebSocketDisconnect

from busplan.api.deps import ManagerDep, ServiceDep
from busplan.api.ws.manager import ConnectionManager
from busplan.api.ws.messages import (
    build_error_message,
    build_pong_message,
    final_message,
    message_for,
    status_of,
)
from busplan.jobs.service import JobService, update_from_event

router = APIRouter()

CLOSE_UNKNOWN_JOB = 4404


@router.websocket("/ws/optimize/{job_id}")
async def watch_job(
    websocket: WebSocket,
    job_id: str,
    service: ServiceDep,
    manager: ManagerDep,
    last_seq: Annotated[int | None, Query(ge=0)] = None,
) -> None:
    if not await manager.connect(websocket, job_id):
        return
    try:
        if await _catch_up(websocket, job_id, last_seq, service, manager):
            manager.go_live(websocket, job_id)
            await _answer(websocket, job_id, service, manager)
    finally:
        await manager.disconnect(websocket, job_id)


async def _catch_up(
    websocket: WebSocket,
    job_id: str,
    last_seq: int | None,
    service: JobService,
    manager: ConnectionManager,
) -> bool:
    """Queue status and history; False if there is no such job."""
    job = await to_thread.run_sync(service.get, job_id)
    if job is None:
        error = build_error_message(job_id, "JOB_NOT_FOUND", f"no job {job_id}")
        await websocket.send_text(json.dumps(error))
        await websocket.close(CLOSE_UNKNOWN_JOB, "no such job")
        return False
    manager.send(websocket, job_id, status_of(job))
    if last_seq is not None:
        manager.skip_through(websocket, job_id, last_seq)
        events = await to_thread.run_sync(service.events_after, job_id, last_seq)
        for event in events:
            result = job.result if event.kind == "completed" else None
            manager.send(websocket, job_id, message_for(update_from_event(event, result)))
        return True
    final = final_message(job)
    if final is not None:
        manager.send(websocket, job_id, final)
    else:
        manager.skip_through(websocket, job_id, job.last_seq)
    return True


async def _answer(
    websocket: WebSocket, job_id: str, service: JobService, manager: ConnectionManager
) -> None:
    """Answer the client's requests until it goes away."""
    while True:
        try:
            received = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if received["type"] == "websocket.disconnect":
            return
        reply = await _reply(job_id, received.get("text"), service)
        if not manager.send(websocket, job_id, reply):
            return


async def _reply(job_id: str, text: str | None, service: JobService) -> dict[str, Any]:
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
        job = await to_thread.run_sync(service.get, job_id)
        if job is not None:
            return status_of(job)
        return build_error_message(job_id, "JOB_NOT_FOUND", "no such job")
    return build_error_message(
        job_id, "UNKNOWN_ACTION", f"unknown action {action!r}; use ping or get_status"
    )
