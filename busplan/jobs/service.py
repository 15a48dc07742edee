"""Job lifecycle: submit, record what runners report, cancel, recover after a restart.

The service is the only place where runner events become stored state: it moves jobs through
the state machine, appends every client-visible event to the job's log (which assigns its
`seq`), and then tells its listeners (the WebSocket relay, metrics). Listeners are told after
the commit, so anything a client is sent can also be read back from the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from busplan.jobs.documents import read_problem
from busplan.jobs.events import ErrorCode, RunnerEvent
from busplan.jobs.keys import DEFAULT_TENANT, scoped_key
from busplan.jobs.runner import JobSpec, Runner, TaskInfo, TaskState
from busplan.store import repository as repo
from busplan.store.models import Event, Job
from busplan.store.states import InvalidTransition, JobNotFound, JobState

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
"""What SQLAlchemy raises when the database cannot be reached (not for bad statements)."""

INTERRUPTED_MESSAGE = "interrupted: the service stopped while this job was running; submit it again"


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


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different request."""


def now() -> datetime:
    return datetime.now(UTC)


def request_fingerprint(problem: dict[str, Any], params: dict[str, Any]) -> str:
    canonical = json.dumps({"problem": problem, "params": params}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def update_from_event(event: Event, result: dict[str, Any] | None = None) -> JobUpdate:
    return JobUpdate(
        event.job_id,
        event.seq,
        event.kind,
        event.phase,
        event.progress,
        event.message,
        event.at,
        event.data or {},
        result,
    )


class JobService:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        runner: Runner,
        record_retry_seconds: float = 300.0,
    ) -> None:
        self.sessions = sessions
        self.runner = runner
        self.record_retry_seconds = record_retry_seconds
        self._listeners: list[Listener] = []
        self._order = threading.Lock()
        """Held from appending an event to telling listeners, so they hear events in seq
        order even when a request thread (cancel) and the runner thread write at once."""

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # -- start-up ----------------------------------------------------------------------------

    def start(self) -> None:
        self.runner.start(self.record)
        self.recover()

    def recover(self) -> None:
        """Jobs a previous process left behind: `running` ones fail as interrupted, `queued`
        ones are handed to the runner again (nothing of them has run yet).

        Interrupted runs are not re-queued: a solve cannot resume, so it would start over
        unasked, and a job that brought the process down (memory, a solver crash) would bring
        it down again at every start. The user resubmits if still wanted.
        """
        with self.sessions.begin() as session:
            running = [j.id for j in repo.jobs_in_state(session=session, state=JobState.RUNNING)]
            queued = list(repo.jobs_in_state(session=session, state=JobState.QUEUED))
        if getattr(self.runner, "remote", False):
            running = []  # they run on other machines; their claims tell if they are lost
        for job_id in running:
            self._finish(
                job_id,
                JobState.FAILED,
                "failed",
                INTERRUPTED_MESSAGE,
                {"error_code": ErrorCode.INTERRUPTED},
            )
        for job in queued:
            self._dispatch(job.id, job.problem, job.params)

    # -- requests ----------------------------------------------------------------------------

    def submit(
        self,
        *,
        problem: dict[str, Any],
        params: dict[str, Any],
        idempotency_key: str | None,
        tenant: str = DEFAULT_TENANT,
    ) -> tuple[Job, bool]:
        """Store and queue a job of `tenant`; returns (job, created). Raises ProblemError on
        bad input. Idempotency keys are the tenant's own: another tenant's never match."""
        parsed = read_problem(problem)
        fingerprint = request_fingerprint(problem, params)
        if idempotency_key is not None:
            idempotency_key = scoped_key(tenant, idempotency_key)
            existing = self._by_key(idempotency_key, fingerprint)
            if existing is not None:
                return existing, False
        job_id = str(uuid.uuid4())
        try:
            with self.sessions.begin() as session:
                job = repo.create_job(
                    session=session,
                    job_id=job_id,
                    problem=problem,
                    params=params,
                    trips=len(parsed.trips),
                    name=parsed.name,
                    now=now(),
                    tenant=tenant,
                    idempotency_key=idempotency_key,
                    request_hash=fingerprint,
                )
        except IntegrityError:
            if idempotency_key is None:
                raise
            # Another request with the same key won the race.
            existing = self._by_key(idempotency_key, fingerprint)
            if existing is None:
                raise
            return existing, False
        task_id = self._dispatch(job_id, problem, params)
        return self.get(job_id) or job, task_id is not None

    def _by_key(self, key: str, fingerprint: str) -> Job | None:
        with self.sessions() as session:
            job = repo.get_job_by_idempotency_key(session=session, key=key)
        if job is not None and job.request_hash != fingerprint:
            raise IdempotencyConflict(key)
        return job

    def _dispatch(self, job_id: str, problem: dict[str, Any], params: dict[str, Any]) -> str:
        task_id = self.runner.submit(JobSpec(job_id, problem, params))
        with self.sessions.begin() as session:
            repo.assign_task(session=session, job_id=job_id, task_id=task_id, now=now())
        return task_id

    def get(self, job_id: str) -> Job | None:
        with self.sessions() as session:
            return repo.get_job(session=session, job_id=job_id)

    def require(self, job_id: str, *, tenant: str | None = None) -> Job:
        """The job, if it exists and (when `tenant` is given) belongs to that tenant.

        Another tenant's job raises JobNotFound like a missing one, so ids reveal nothing.
        """
        job = self.get(job_id)
        if job is None or (tenant is not None and job.tenant != tenant):
            raise JobNotFound(job_id)
        return job

    def page(
        self, *, limit: int, offset: int, state: JobState | None, tenant: str | None = None
    ) -> tuple[Sequence[Job], int]:
        with self.sessions() as session:
            return repo.list_jobs(
                session=session, limit=limit, offset=offset, state=state, tenant=tenant
            )

    def queued(self, tenant: str) -> int:
        """Jobs of the tenant waiting for a worker."""
        with self.sessions() as session:
            return repo.count_queued(session=session, tenant=tenant)

    def events_after(self, job_id: str, seq: int) -> Sequence[Event]:
        with self.sessions() as session:
            return repo.events_after(session=session, job_id=job_id, seq=seq)

    def counts(self) -> dict[JobState, int]:
        with self.sessions() as session:
            return repo.count_by_state(session=session)

    def cancel(self, job_id: str, *, tenant: str | None = None) -> Job:
        """Cancel a queued or running job now; its worker is told to stop (and made to).

        Raises InvalidTransition for a finished job, JobNotFound for an unknown one (or one of
        another tenant).
        """
        if tenant is not None:
            self.require(job_id, tenant=tenant)
        job = self._finish(
            job_id,
            JobState.CANCELLED,
            "cancelled",
            "cancelled on request",
            {"error_code": ErrorCode.JOB_CANCELLED},
        )
        if job.task_id:
            self.runner.cancel(job.task_id)
        return job

    def task(self, task_id: str, *, tenant: str | None = None) -> tuple[Job, TaskInfo] | None:
        """A runner task and its job; derived from the job if the runner no longer knows it."""
        with self.sessions() as session:
            job = repo.get_job_by_task(session=session, task_id=task_id)
        if job is None or (tenant is not None and job.tenant != tenant):
            return None
        info = self.runner.task_info(task_id)
        if info is None:
            info = TaskInfo(task_id, _task_state(JobState(job.state)))
        return job, info

    # -- runner events -----------------------------------------------------------------------

    def record(self, event: RunnerEvent) -> None:
        """Store one runner event and tell listeners (called from the runner's thread).

        While the database is unreachable a job's start and end are retried, for up to
        `record_retry_seconds`, so that an outage delays a run's outcome instead of losing it.
        Progress is not retried: the next update supersedes it, and its seq is only assigned
        once it is stored, so clients see no gap.
        """
        if event.kind == "progress":
            self._record(event)
            return
        deadline = time.monotonic() + self.record_retry_seconds
        delay = 0.2
        while True:
            try:
                self._record(event)
                return
            except DATABASE_UNAVAILABLE as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning(
                    "database unavailable, retrying %s of job %s: %s",
                    event.kind,
                    event.job_id,
                    type(exc).__name__,
                )
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _record(self, event: RunnerEvent) -> None:
        if event.kind == "started":
            self._started(event)
        elif event.kind == "progress":
            self._progress(event)
        elif event.kind == "completed":
            self._finish(
                event.job_id,
                JobState.COMPLETED,
                "completed",
                event.message,
                {},
                result=event.result,
                quiet=True,
            )
        elif event.kind == "failed":
            code = str(event.data.get("error_code", ErrorCode.OPTIMIZATION_FAILED))
            self._finish(
                event.job_id,
                JobState.FAILED,
                "failed",
                event.message,
                {"error_code": code},
                quiet=True,
            )
        # "cancelled" from a worker only confirms what `cancel` already stored.

    def _started(self, event: RunnerEvent) -> None:
        try:
            with self.sessions.begin() as session:
                repo.transition(
                    session=session,
                    job_id=event.job_id,
                    to=JobState.RUNNING,
                    now=now(),
                    message="running",
                )
        except InvalidTransition:
            self.runner.cancel(event.task_id)  # cancelled (or failed) before it started

    def _progress(self, event: RunnerEvent) -> None:
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
                update = JobUpdate(
                    event.job_id,
                    seq,
                    "progress",
                    event.phase,
                    event.progress,
                    event.message,
                    at,
                    event.data,
                )
                self._tell(update)

    def _finish(
        self,
        job_id: str,
        state: JobState,
        kind: str,
        message: str,
        data: dict[str, Any],
        *,
        result: dict[str, Any] | None = None,
        quiet: bool = False,
    ) -> Job:
        """Move a job to a final state and log its final event, in one transaction."""
        at = now()
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
                    seq = repo.append_event(
                        session=session,
                        job_id=job_id,
                        kind=kind,
                        phase=job.phase,
                        progress=job.progress,
                        message=message,
                        at=at,
                        data=data,
                    )
            except InvalidTransition:
                if quiet:  # a late report for a job already closed (e.g. cancelled): ignore
                    log.info("ignoring %s for job %s, already finished", kind, job_id)
                    return self.require(job_id)
                raise
            started = job.started_at
            seconds = (at - started).total_seconds() if started else None
            self._tell(
                JobUpdate(
                    job_id,
                    seq or 0,
                    kind,
                    job.phase,
                    job.progress,
                    message,
                    at,
                    data,
                    result,
                    seconds,
                )
            )
        return job

    def _tell(self, update: JobUpdate) -> None:
        for listener in self._listeners:
            try:
                listener(update)
            except Exception:
                log.exception("job listener failed")


def _task_state(state: JobState) -> TaskState:
    return {
        JobState.QUEUED: TaskState.PENDING,
        JobState.RUNNING: TaskState.STARTED,
        JobState.COMPLETED: TaskState.SUCCESS,
        JobState.FAILED: TaskState.FAILURE,
        JobState.CANCELLED: TaskState.REVOKED,
    }[state]
