"""What executors report about a job: plain, picklable records that any transport can carry.

A local worker process sends them through a pipe; a Celery worker records them itself. The
job log turns them into stored state and log entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal["started", "progress", "completed", "failed", "cancelled"]
TERMINAL_KINDS = frozenset({"completed", "failed", "cancelled"})


@dataclass(frozen=True, slots=True)
class RunEvent:
    kind: EventKind
    job_id: str
    task_id: str
    at: float
    """Unix time at which the worker produced the event."""
    phase: str | None = None
    progress: float = 0.0
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    """Progress extras, `pid` for started, `error_code` for failed."""
    result: dict[str, Any] | None = None


class ErrorCode:
    """Codes of failed jobs, as clients see them in `error_code`."""

    OPTIMIZATION_FAILED = "OPTIMIZATION_FAILED"
    INVALID_PROBLEM = "INVALID_PROBLEM"
    OUT_OF_MEMORY = "OUT_OF_MEMORY"
    WORKER_LOST = "WORKER_LOST"
    TIME_LIMIT_EXCEEDED = "TIME_LIMIT_EXCEEDED"
    TRAVEL_TIMES_UNAVAILABLE = "TRAVEL_TIMES_UNAVAILABLE"
    INTERRUPTED = "INTERRUPTED"
    JOB_CANCELLED = "JOB_CANCELLED"
