"""The message builders of the specification produce exactly its message shapes."""

from __future__ import annotations

from datetime import UTC, datetime

from busplan.api.ws.messages import (
    build_completed_message,
    build_error_message,
    build_pong_message,
    build_progress_message,
    build_status_message,
    utc_timestamp,
)


def test_progress_message_shape() -> None:
    """progress: type, job_id, phase, progress, message, timestamp (+ seq, extra if given)."""
    at = datetime(2026, 2, 10, 10, 30, tzinfo=UTC)
    message = build_progress_message("j", "building_chains", 35, "chains", seq=5, at=at)
    assert message == {
        "type": "progress",
        "job_id": "j",
        "phase": "building_chains",
        "progress": 35,
        "message": "chains",
        "seq": 5,
        "timestamp": "2026-02-10T10:30:00.000000Z",
    }
    with_extra = build_progress_message("j", "completed", 100, "done", {"buses": {"L": 3}})
    assert with_extra["extra"] == {"buses": {"L": 3}} and "seq" not in with_extra


def test_status_completed_error_and_pong_shapes() -> None:
    """status, completed, error carry job_id; pong carries only type and timestamp."""
    status = build_status_message("j", "running")
    assert status["type"] == "status" and status["message"] == "Job status: running"
    result = {"days": {}, "stats": {"seconds": 1.0}}
    completed = build_completed_message("j", result)
    assert completed["result"] is result and completed["stats"] == {"seconds": 1.0}
    error = build_error_message("j", "OPTIMIZATION_FAILED", "boom")
    assert {k: error[k] for k in ("type", "job_id", "error_code", "message")} == {
        "type": "error",
        "job_id": "j",
        "error_code": "OPTIMIZATION_FAILED",
        "message": "boom",
    }
    pong = build_pong_message()
    assert set(pong) == {"type", "timestamp"} and pong["type"] == "pong"


def test_timestamps_are_utc_iso_8601() -> None:
    """Timestamps end in Z and convert any zone to UTC."""
    stamp = utc_timestamp(datetime.fromisoformat("2026-02-10T12:30:00+02:00"))
    assert stamp == "2026-02-10T10:30:00.000000Z"
    assert datetime.fromisoformat(utc_timestamp()).tzinfo is not None
