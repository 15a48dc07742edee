"""What a Celery worker does with one delivery of a job: claim, run, record, release.

The worker records the job's events in the database itself (through a `JobService`, the one
place where events become stored state) and announces them on the progress bus, so API nodes
only relay. While the job runs, a watch thread renews the claim and looks for the cancel flag:
the solver's progress callback sees a cancellation within a second, from Redis or, when Redis
is away, from the database.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from busplan.jobs.bus import Keys, Publisher, cancel_requested, connect
from busplan.jobs.celery_app import time_limits
from busplan.jobs.events import TERMINAL_KINDS, ErrorCode, EventKind, RunnerEvent
from busplan.jobs.runner import EventSink, JobSpec, TaskInfo
from busplan.jobs.service import JobService
from busplan.jobs.throttle import ThrottleParams
from busplan.jobs.worker import execute
from busplan.settings import Settings
from busplan.store import leases, make_engine, session_factory
from busplan.store.models import Job

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.2
RECORD_ATTEMPTS = 3
REDIS_RETRY_SECONDS = 5.0


class InfrastructureError(Exception):
    """The database could not be reached before the job was claimed: worth a retry."""


class _Detached:
    """The runner seen by a worker's job service, which only records; it never dispatches."""

    name = "celery-worker"

    def start(self, sink: EventSink) -> None:
        pass

    def stop(self) -> None:
        pass

    def submit(self, spec: JobSpec) -> str:
        raise RuntimeError("a worker does not dispatch jobs")

    def cancel(self, task_id: str) -> None:
        pass

    def task_info(self, task_id: str) -> TaskInfo | None:
        return None

    def alive(self) -> bool:
        return True


@dataclass
class WorkerContext:
    """Per worker process: database pool, Redis client, the recording job service."""

    settings: Settings
    sessions: sessionmaker[Session]
    redis: redis.Redis
    keys: Keys
    service: JobService

    @classmethod
    def build(cls, settings: Settings) -> WorkerContext:
        assert settings.redis_url is not None
        engine = make_engine(
            settings.store_url,
            pool_size=2,
            max_overflow=2,
            pool_recycle=settings.database_pool_recycle,
        )
        sessions = session_factory(engine)
        client = connect(settings.redis_url)
        keys = Keys(settings.redis_key_prefix)
        service = JobService(sessions=sessions, runner=_Detached())
        service.subscribe(Publisher(client, keys))
        return cls(settings, sessions, client, keys, service)


_contexts: dict[int, WorkerContext] = {}


def context_for(settings: Settings) -> WorkerContext:
    """Built on first use in each process, so pooled connections never cross a fork."""
    pid = os.getpid()
    if pid not in _contexts:
        _contexts[pid] = WorkerContext.build(settings)
    return _contexts[pid]


def now() -> datetime:
    return datetime.now(UTC)


def run_delivery(ctx: WorkerContext, job_id: str, task_id: str) -> str:
    """Run the job if this delivery wins its claim; returns what happened, for the logs."""
    try:
        with ctx.sessions.begin() as session:
            claim = leases.claim(
                session=session,
                job_id=job_id,
                task_id=task_id,
                now=now(),
                lease=ctx.settings.job_lease_seconds,
            )
    except SQLAlchemyError as exc:
        raise InfrastructureError(f"database unreachable: {exc}") from exc
    if claim.job is None:
        log.info("task %s skips job %s: it is %s", task_id, job_id, claim.state or "unknown")
        return f"skipped: job is {claim.state or 'unknown'}"
    log.info("task %s claimed job %s", task_id, job_id)
    run_claimed(ctx, claim.job, task_id)
    return "ran"


def run_claimed(ctx: WorkerContext, job: Job, task_id: str) -> None:
    s = ctx.settings
    spec = JobSpec(job.id, job.problem, dict(job.params))
    watch = Watch(ctx, job.id, task_id)
    watch.start()
    try:
        throttle = ThrottleParams(s.progress_step, s.progress_interval, s.progress_min_interval)
        execute(spec, StoreReports(ctx, job.id, task_id, watch), watch, throttle)
    finally:
        watch.stop()
        try:
            with ctx.sessions.begin() as session:
                leases.release(session=session, job_id=job.id, owner=task_id)
        except SQLAlchemyError:
            log.warning("could not release the claim on job %s; it lapses by itself", job.id)


class StoreReports:
    """Turns the job's events into stored state (and bus announcements) as they happen."""

    def __init__(self, ctx: WorkerContext, job_id: str, task_id: str, watch: Watch) -> None:
        self._ctx = ctx
        self._job_id = job_id
        self._task_id = task_id
        self._watch = watch

    def send(self, kind: EventKind, **fields: Any) -> None:
        if kind == "started":
            return  # the claim has already moved the job to `running`
        event = RunnerEvent(kind, self._job_id, self._task_id, time.time(), **fields)
        out_of_time = kind == "cancelled" and self._watch.out_of_time
        if out_of_time or event.message.startswith("SoftTimeLimitExceeded"):
            event = dataclasses.replace(
                event,
                kind="failed",
                message=f"the job ran longer than the limit of "
                f"{self._ctx.settings.celery_task_time_limit:g} s",
                data={"error_code": ErrorCode.TIME_LIMIT_EXCEEDED},
            )
        attempts = RECORD_ATTEMPTS if kind in TERMINAL_KINDS else 1
        for attempt in range(attempts):
            try:
                self._ctx.service.record(event)
                return
            except SQLAlchemyError as exc:
                log.warning("could not store %s of job %s: %s", kind, self._job_id, exc)
                if attempt + 1 < attempts:
                    time.sleep(1.0)
        if kind in TERMINAL_KINDS:
            log.error("the outcome of job %s is not stored; its claim will lapse", self._job_id)


class Watch:
    """The cancel flag the solver polls: set on request, on a lost claim, or when the run
    reaches its time limit (`out_of_time`); never cleared."""

    def __init__(self, ctx: WorkerContext, job_id: str, task_id: str) -> None:
        self._ctx = ctx
        self._job_id = job_id
        self._task_id = task_id
        self._flag = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="busplan-watch", daemon=True)
        self._renew_every = min(ctx.settings.job_lease_seconds / 3, 1.0)
        self._deadline = time.monotonic() + time_limits(ctx.settings).stop
        self.out_of_time = False

    def is_set(self) -> bool:
        return self._flag.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        renew_at = time.monotonic() + self._renew_every
        redis_at = 0.0
        while not self._stopping.wait(WATCH_SECONDS):
            if time.monotonic() >= redis_at:
                try:
                    if cancel_requested(self._ctx.redis, self._ctx.keys, self._job_id):
                        self._stop_job("cancelled on request")
                except redis.RedisError:
                    log.warning("Redis unreachable; job %s watches the database", self._job_id)
                    redis_at = time.monotonic() + REDIS_RETRY_SECONDS
            if time.monotonic() >= self._deadline and not self._flag.is_set():
                self.out_of_time = True
                self._stop_job("time limit reached")
            if time.monotonic() >= renew_at:
                renew_at = time.monotonic() + self._renew_every
                if not self._renew():
                    self._stop_job("no longer running under this task (cancelled or lost)")

    def _renew(self) -> bool:
        try:
            with self._ctx.sessions.begin() as session:
                return leases.renew(
                    session=session,
                    job_id=self._job_id,
                    owner=self._task_id,
                    now=now(),
                    lease=self._ctx.settings.job_lease_seconds,
                )
        except SQLAlchemyError as exc:
            log.warning("could not renew the claim on job %s: %s", self._job_id, exc)
            return True  # keep working; the claim may lapse, and then the job is run again

    def _stop_job(self, why: str) -> None:
        if not self._flag.is_set():
            log.info("stopping job %s: %s", self._job_id, why)
            self._flag.set()
