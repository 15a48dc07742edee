"""The seam between the job service and whatever executes jobs.

The service stores jobs and relays progress; a `Runner` only executes: it takes a `JobSpec`,
returns a task id, reports `RunnerEvent`s to the sink it was started with, and cancels on
request. The local runner uses worker processes on this machine; a Celery runner would enqueue
the same spec to Redis and feed the sink from a Redis subscription, with no change above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from busplan.jobs.events import RunnerEvent

EventSink = Callable[[RunnerEvent], None]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """Everything a worker needs: the problem document and the solve parameters."""

    job_id: str
    problem: dict[str, Any]
    params: dict[str, Any]
    """time_limit (s), seed, days (list or None), workers (solver threads)."""


class TaskState(StrEnum):
    """Task states named as Celery names them, so `GET /tasks/{id}` means one thing."""

    PENDING = "PENDING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    REVOKED = "REVOKED"


@dataclass(frozen=True, slots=True)
class TaskInfo:
    task_id: str
    state: TaskState
    worker_pid: int | None = None
    exit_code: int | None = None


class Runner(Protocol):
    name: str

    def start(self, sink: EventSink) -> None:
        """Begin executing; events of every job go to `sink` (called from a runner thread)."""

    def stop(self) -> None:
        """Stop executing and release workers; jobs still running are abandoned."""

    def submit(self, spec: JobSpec) -> str:
        """Queue a job and return its task id at once."""

    def cancel(self, task_id: str) -> None:
        """Stop a queued or running task; reports no further events for it."""

    def task_info(self, task_id: str) -> TaskInfo | None:
        """What the runner knows of a task (None if it does not know it, e.g. after a restart)."""

    def alive(self) -> bool:
        """True while the runner can execute jobs (for readiness checks)."""
