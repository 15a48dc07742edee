"""The seam between the job commands and whatever executes jobs.

An `Executor` only executes: it takes a `JobSpec`, returns a task id, reports `RunEvent`s to
the sink it was started with, and cancels on request. The local executor uses worker processes
on this machine; the Celery executor sends the job to Celery workers through Redis, which
record their events themselves. Nothing above this protocol depends on which one runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from busplan.jobs.events import RunEvent
from busplan.jobs.record import JobParams

EventSink = Callable[[RunEvent], None]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """Everything a worker needs: the problem document and the solve parameters."""

    job_id: str
    problem: dict[str, Any]
    params: JobParams


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


class Executor(Protocol):
    name: str
    remote: bool
    """True when jobs run on other machines and outlive this process: a restart does not
    interrupt them, and their events reach this node through the Redis feed."""

    def start(self, sink: EventSink) -> None:
        """Begin executing; events of every job go to `sink` (called from an executor thread)."""

    def stop(self) -> None:
        """Stop executing and release workers; jobs still running are abandoned."""

    def submit(self, spec: JobSpec) -> str:
        """Queue a job and return its task id at once."""

    def cancel(self, task_id: str) -> None:
        """Stop a queued or running task; reports no further events for it."""

    def task_info(self, task_id: str) -> TaskInfo | None:
        """What the executor knows of a task (None if it does not, e.g. after a restart)."""

    def alive(self) -> bool:
        """True while the executor can execute jobs (for readiness checks)."""

    def notes(self) -> dict[str, str]:
        """Extra lines for `/readyz` (which executor, whether its broker answers)."""
