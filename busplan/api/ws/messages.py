"""Builders of the WebSocket messages (server -> client) of the progress protocol.

Every message has `type` and an ISO-8601 UTC `timestamp`; all but `pong` have `job_id`.
Messages that come from a job's event log also carry its `seq`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from busplan.jobs.events import ErrorCode
from busplan.jobs.log import JobUpdate
from busplan.jobs.record import JobRecord


def utc_timestamp(at: datetime | None = None) -> str:
    """`2026-02-10T10:30:00.123456Z` (microseconds, so clients can measure delays)."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _message(
    kind: str, job_id: str, fields: dict[str, Any], seq: int | None, at: datetime | None
) -> dict[str, Any]:
    out = {"type": kind, "job_id": job_id, **fields, "timestamp": utc_timestamp(at)}
    return out if seq is None else out | {"seq": seq}


def build_progress_message(
    job_id: str,
    phase: str | None,
    progress: float,
    message: str,
    extra: dict[str, Any] | None = None,
    *,
    seq: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    fields = {"phase": phase, "progress": progress, "message": message}
    return _message("progress", job_id, fields | ({"extra": extra} if extra else {}), seq, at)


def build_status_message(
    job_id: str, status: str, message: str | None = None, **snapshot: Any
) -> dict[str, Any]:
    """`snapshot` adds the job's phase, progress and last_seq when they are known."""
    fields = {"status": status, "message": message or f"Job status: {status}", **snapshot}
    return _message("status", job_id, fields, None, None)


def build_completed_message(
    job_id: str,
    result: dict[str, Any],
    stats: dict[str, Any] | None = None,
    *,
    seq: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    stats = stats if stats is not None else result.get("stats", {})
    return _message("completed", job_id, {"result": result, "stats": stats}, seq, at)


def build_error_message(
    job_id: str,
    error_code: str,
    message: str,
    *,
    seq: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    return _message("error", job_id, {"error_code": error_code, "message": message}, seq, at)


def build_pong_message() -> dict[str, Any]:
    return {"type": "pong", "timestamp": utc_timestamp()}


def status_of(job: JobRecord) -> dict[str, Any]:
    return build_status_message(
        job.id,
        job.state,
        f"Job status: {job.state}",
        phase=job.phase,
        progress=job.progress,
        last_seq=job.last_seq,
    )


def message_for(update: JobUpdate) -> dict[str, Any]:
    """The client message for a logged job event."""
    if update.kind == "progress":
        return build_progress_message(
            update.job_id,
            update.phase,
            update.progress,
            update.message,
            update.data,
            seq=update.seq,
            at=update.at,
        )
    if update.kind == "completed":
        return build_completed_message(
            update.job_id, update.result or {}, seq=update.seq, at=update.at
        )
    code = str(update.data.get("error_code", ErrorCode.OPTIMIZATION_FAILED))
    return build_error_message(update.job_id, code, update.message, seq=update.seq, at=update.at)
