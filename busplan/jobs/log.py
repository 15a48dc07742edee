"""The job log: jobs and their events in the store, and listeners told of each new event.

The log is the only place where run events become stored state: it moves jobs through the
state machine, appends every client-visible event to the job's log (which assigns its `seq`),
and then tells its listeners (the event feed, metrics). Listeners are told after the commit,
so anything a client is sent can also be read back. API nodes and Celery workers both write
through a log; neither needs the other's side (submitting and cancelling is
`busplan.jobs.commands`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from busplan.jobs.events import ErrorCode, RunEvent
from busplan.jobs.record import JobListing, JobParams, JobRecord, listing_of, record_of
from busplan.store import repository as repo
from busplan.store.models import Event
from busplan.store.states import InvalidTransition, JobNotFound, JobState

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
"""What SQLAlchemy raises when the database cannot be reached (not for bad statements)."""


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """A logged event of a job, as listeners receive it after it is stored."""

    job_id: str
    seq: int
    kind: str
    """progress | completed | failed | cancelled"""
    phase: str | None
    progress: float
    message: str
    at: datetime
    data: dict[str, Any]
    result: dict[str, Any] | None = None
    seconds: float | None = None
    """Run time of a finished job (started to finished), for metrics."""


Listener = Callable[[JobUpdate], None]


def now() -> datetime:
    return datetime.now(UTC)


def _update(event: Event, result: dict[str, Any] | None) -> JobUpdate:
    data = event.data or {}
    return JobUpdate(event.job_id, event.seq, event.kind, event.phase, event.progress,
                     event.message, event.at, data, result)  # fmt: skip


class JobLog:
    def __init__(self, sessions: sessionmaker[Session], *, record_retry_seconds: float = 300.0):
        self.sessions = sessions
        self.record_retry_seconds = record_retry_seconds
        self._listeners: list[Listener] = []
        self._order = threading.Lock()
        """Held from appending an event to telling listeners, so they hear events in seq
        order even when a request thread (cancel) and an executor thread write at once."""

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # -- reading -----------------------------------------------------------------------------

    def get(self, job_id: str) -> JobRecord | None:
        with self.sessions() as session:
            job = repo.get_job(session=session, job_id=job_id)
            return None if job is None else record_of(job)

    def require(self, job_id: str, *, tenant: str | None = None) -> JobRecord:
        """The job, if it exists and (when `tenant` is given) belongs to that tenant.

        Another tenant's job raises JobNotFound like a missing one, so ids reveal nothing.
        """
        job = self.get(job_id)
        if job is None or (tenant is not None and job.tenant != tenant):
            raise JobNotFound(job_id)
        return job

    def by_task(self, task_id: str) -> JobRecord | None:
        with self.sessions() as session:
            job = repo.get_job_by_task(session=session, task_id=task_id)
            return None if job is None else record_of(job)

    def by_key(self, key: str) -> tuple[JobRecord, str | None] | None:
        """The job stored under a (scoped) idempotency key, and its request fingerprint."""
        with self.sessions() as session:
            job = repo.get_job_by_idempotency_key(session=session, key=key)
            return None if job is None else (record_of(job), job.request_hash)

    def in_state(self, state: JobState) -> list[JobRecord]:
        with self.sessions() as session:
            return [record_of(j) for j in repo.jobs_in_state(session=session, state=state)]

    def page(
        self,
        *,
        limit: int,
        offset: int,
        state: JobState | None,
        tenant: str | None = None,
        derived_from: str | None = None,
    ) -> tuple[list[JobListing], int]:
        """A page of jobs, newest first, with their results' figures but not the results."""
        with self.sessions() as session:
            rows, total = repo.list_jobs(session=session, limit=limit, offset=offset, state=state,
                                         tenant=tenant, derived_from=derived_from)  # fmt: skip
            done = [j.id for j in rows if j.state == JobState.COMPLETED.value]
            summaries = repo.result_summaries(session=session, job_ids=done)
            return [listing_of(j, summaries.get(j.id)) for j in rows], total

    def listing(self, job_id: str, *, tenant: str | None = None) -> JobListing:
        """The job as `page` shows it; JobNotFound as `require`."""
        with self.sessions() as session:
            job = repo.get_job_light(session=session, job_id=job_id)
            if job is None or (tenant is not None and job.tenant != tenant):
                raise JobNotFound(job_id)
            done = job.state == JobState.COMPLETED.value
            summaries = repo.result_summaries(session=session, job_ids=[job_id] if done else [])
            return listing_of(job, summaries.get(job_id))

    def document(self, job_id: str, part: str, *, tenant: str | None = None) -> str | None:
        """The job's `problem` or `result` as stored JSON text; None if there is no such job
        (of that tenant) or it has no such document yet."""
        with self.sessions() as session:
            return repo.job_document(session=session, job_id=job_id, part=part, tenant=tenant)

    def queued(self, tenant: str) -> int:
        """Jobs of the tenant waiting for a worker."""
        with self.sessions() as session:
            return repo.count_queued(session=session, tenant=tenant)

    def counts(self) -> dict[JobState, int]:
        with self.sessions() as session:
            return repo.count_by_state(session=session)

    def history(self, job_id: str, after: int) -> list[JobUpdate]:
        """The job's logged events with a seq above `after`, oldest first; a `completed`
        event carries the job's result (which is stored with the job, not the event)."""
        with self.sessions() as session:
            events = repo.events_after(session=session, job_id=job_id, seq=after)
            result = None
            if any(e.kind == "completed" for e in events):
                job = repo.get_job(session=session, job_id=job_id)
                result = job.result if job is not None else None
            return [_update(e, result if e.kind == "completed" else None) for e in events]

    def ping(self) -> None:
        """Raises if the database does not answer."""
        with self.sessions() as session:
            session.execute(text("SELECT 1"))

    # -- writing -----------------------------------------------------------------------------

    def create(self, *, params: JobParams, **fields: Any) -> JobRecord:
        """Store a new queued job (IntegrityError if its idempotency key is taken); `fields`
        are those of `repository.create_job`."""
        with self.sessions.begin() as session:
            job = repo.create_job(session=session, params=params.to_dict(), now=now(), **fields)
            return record_of(job)

    def assign_task(self, job_id: str, task_id: str) -> None:
        with self.sessions.begin() as session:
            repo.assign_task(session=session, job_id=job_id, task_id=task_id, now=now())

    def record(self, event: RunEvent) -> bool:
        """Store one run event and tell listeners; False for a start that came too late (the
        job was cancelled or failed while queued: its run must be stopped).

        While the database is unreachable a job's start and end are retried, for up to
        `record_retry_seconds`, so that an outage delays a run's outcome instead of losing it.
        Progress is not retried: the next update supersedes it, and its seq is only assigned
        once it is stored, so clients see no gap.
        """
        if event.kind == "progress":
            return self._record(event)
        deadline = time.monotonic() + self.record_retry_seconds
        delay = 0.2
        while True:
            try:
                return self._record(event)
            except DATABASE_UNAVAILABLE as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("database unavailable, retrying %s of job %s: %s",
                            event.kind, event.job_id, type(exc).__name__)  # fmt: skip
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _record(self, event: RunEvent) -> bool:
        if event.kind == "started":
            try:
                with self.sessions.begin() as session:
                    repo.transition(session=session, job_id=event.job_id, to=JobState.RUNNING,
                                    now=now(), message="running")  # fmt: skip
            except InvalidTransition:
                return False
        elif event.kind == "progress":
            self._progress(event)
        elif event.kind == "completed":
            self.finish(event.job_id, JobState.COMPLETED, event.message, {},
                        result=event.result, quiet=True)  # fmt: skip
        elif event.kind == "failed":
            code = str(event.data.get("error_code", ErrorCode.OPTIMIZATION_FAILED))
            data = {"error_code": code}
            self.finish(event.job_id, JobState.FAILED, event.message, data, quiet=True)
        # "cancelled" from a worker only confirms what the cancellation already stored.
        return True

    def _progress(self, event: RunEvent) -> None:
        at = datetime.fromtimestamp(event.at, UTC)
        with self._order:
            with self.sessions.begin() as session:
                seq = repo.append_event(
                    session=session,
                    job_id=event.job_id,
                    kind="progress",
                    phase=event.phase,
                    progress=event.progress,
                    message=event.message,
                    at=at,
                    data=event.data,
                    while_in=JobState.RUNNING,
                )
            if seq is not None:
                self._tell(JobUpdate(event.job_id, seq, "progress", event.phase, event.progress,
                                     event.message, at, event.data))  # fmt: skip

    def finish(
        self,
        job_id: str,
        state: JobState,
        message: str,
        data: dict[str, Any],
        *,
        result: dict[str, Any] | None = None,
        quiet: bool = False,
    ) -> JobRecord:
        """Move a job to a final state and log its final event, in one transaction.

        Raises InvalidTransition if it has finished already, unless `quiet` (a late report of
        a run whose job was closed meanwhile, e.g. cancelled: it is ignored).
        """
        at = now()
        kind = state.value
        with self._order:
            try:
                with self.sessions.begin() as session:
                    job = repo.transition(
                        session=session,
                        job_id=job_id,
                        to=state,
                        now=at,
                        message=message,
                        result=result,
                        error_code=data.get("error_code"),
                        error=None if state is JobState.COMPLETED else message,
                    )
                    seq = repo.append_event(session=session, job_id=job_id, kind=kind,
                                            phase=job.phase, progress=job.progress,
                                            message=message, at=at, data=data)  # fmt: skip
                    record = record_of(job)
            except InvalidTransition:
                if quiet:
                    log.info("ignoring %s for job %s, already finished", kind, job_id)
                    return self.require(job_id)
                raise
            started = record.started_at
            seconds = (at - started).total_seconds() if started else None
            self._tell(JobUpdate(job_id, seq or 0, kind, record.phase, record.progress, message,
                                 at, data, result, seconds))  # fmt: skip
        return record

    def _tell(self, update: JobUpdate) -> None:
        for listener in self._listeners:
            try:
                listener(update)
            except Exception:
                log.exception("job listener failed")
