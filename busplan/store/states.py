"""Job states and the only transitions allowed between them.

    queued -> running -> completed | failed | cancelled
    queued -> cancelled | failed

Every state change goes through `busplan.store.repository.transition`, which checks this table
inside the UPDATE itself, so two writers racing (a worker finishing while a user cancels) cannot
both win.
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.CANCELLED, JobState.FAILED}),
    JobState.RUNNING: frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED}),
    JobState.COMPLETED: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
}

FINISHED = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})


def sources(target: JobState) -> frozenset[JobState]:
    """States a job may be in to move to `target`."""
    return frozenset(s for s, nexts in TRANSITIONS.items() if target in nexts)


class InvalidTransition(Exception):
    """The job is not in a state from which the requested change is allowed."""

    def __init__(self, job_id: str, current: JobState, target: JobState) -> None:
        super().__init__(f"job {job_id} is {current}; it cannot become {target}")
        self.job_id = job_id
        self.current = current
        self.target = target


class JobNotFound(LookupError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job {job_id}")
        self.job_id = job_id
