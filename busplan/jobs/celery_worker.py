"""What a Celery worker does with one delivery of a job: claim, run, record, release.

The worker records the job's events in the database itself (through the job log, the one
place where events become stored state) and announces them on the event feed, so API nodes
only relay. While the job runs, a watch thread renews the claim and looks for the cancel flag:
the solver's progress callback sees a cancellation within a second, from Redis or, when Redis
is away, from the database.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from busplan.core import SolveParams
from busplan.jobs.celery_app import time_limits
from busplan.jobs.events import TERMINAL_KINDS, EventKind, RunEvent
from busplan.jobs.executor import JobSpec
from busplan.jobs.feed import RedisFeed
from busplan.jobs.log import JobLog, now
from busplan.jobs.record import JobParams
from busplan.jobs.redis_names import Keys, cancel_requested, connect
from busplan.jobs.split import Part
from busplan.jobs.split_board import SplitBoard
from busplan.jobs.split_run import Gatherer, SendPart, run_part_delivery, split_of
from busplan.jobs.supervise import Supervisor
from busplan.jobs.throttle import ThrottleParams
from busplan.jobs.worker import execute
from busplan.settings import ServiceSettings
from busplan.store import leases, make_engine, session_factory
from busplan.store.models import Job
from busplan.store.states import JobState

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.2
REDIS_RETRY_SECONDS = 5.0


class InfrastructureError(Exception):
    """The database could not be reached before the job was claimed: worth a retry."""


@dataclass
class WorkerContext:
    """Per worker process: database pool, Redis client, the job log it records in."""

    settings: ServiceSettings
    sessions: sessionmaker[Session]
    redis: redis.Redis
    keys: Keys
    log: JobLog

    @classmethod
    def build(cls, settings: ServiceSettings) -> WorkerContext:
        assert settings.redis_url is not None
        recycle = settings.database_pool_recycle
        engine = make_engine(settings.store_url, pool_size=2, max_overflow=2, pool_recycle=recycle)
        sessions = session_factory(engine)
        client = connect(settings.redis_url)
        keys = Keys(settings.redis_key_prefix)
        job_log = JobLog(sessions)
        job_log.subscribe(RedisFeed(settings.redis_url, keys).publish)
        return cls(settings, sessions, client, keys, job_log)


_contexts: dict[int, WorkerContext] = {}


def context_for(settings: ServiceSettings) -> WorkerContext:
    """Built on first use in each process, so pooled connections never cross a fork."""
    pid = os.getpid()
    if pid not in _contexts:
        _contexts[pid] = WorkerContext.build(settings)
    return _contexts[pid]


def run_delivery(
    ctx: WorkerContext, job_id: str, task_id: str, started: float, send: SendPart | None = None
) -> str:
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
    run_claimed(ctx, claim.job, task_id, started, send)
    return "ran"


def run_claimed(
    ctx: WorkerContext, job: Job, task_id: str, started: float, send: SendPart | None = None
) -> None:
    """Run the claimed job: in parts over the workers when it splits (`split_run`), else here."""
    s = ctx.settings
    spec = JobSpec(job.id, job.problem, JobParams.of(job.params))
    watch = Watch(ctx, job.id, task_id, started)
    watch.start()
    try:
        throttle = ThrottleParams(s.progress_step, s.progress_interval, s.progress_min_interval)
        outbox = StoreOutbox(ctx, job.id, task_id, watch.supervisor)
        parts = None
        if send is not None and s.split_jobs:
            parts = split_of(spec.problem, spec.params.solve_params(), s.split_min_trips)
        if parts is None or send is None:
            execute(spec, outbox, watch, throttle, s.routing())
        else:
            log.info("job %s runs as %d parts", job.id, len(parts))
            board = SplitBoard(ctx.redis, ctx.keys, job.id, s.job_lease_seconds)
            gatherer = Gatherer(board=board, spec=spec, parts=parts, send=send, owner=task_id,
                                lease=s.job_lease_seconds, routing=s.routing())  # fmt: skip
            gatherer.execute(outbox, watch, throttle)
    finally:
        watch.stop()
        try:
            with ctx.sessions.begin() as session:
                leases.release(session=session, job_id=job.id, owner=task_id)
        except SQLAlchemyError:
            log.warning("could not release the claim on job %s; it lapses by itself", job.id)


def run_part(ctx: WorkerContext, job_id: str, part: Part, task_id: str) -> str:
    """A delivery of one part of a split job; returns what happened, for the logs."""
    s = ctx.settings
    board = SplitBoard(ctx.redis, ctx.keys, job_id, s.job_lease_seconds)

    def load() -> tuple[Any, SolveParams] | None:
        with ctx.sessions() as session:
            job = session.get(Job, job_id)
            if job is None or job.state != JobState.RUNNING.value:
                return None
            return job.problem, JobParams.of(job.params).solve_params()

    return run_part_delivery(board, part, task_id, load, s.routing(), s.job_lease_seconds)


class StoreOutbox:
    """Turns the job's events into stored state (and feed announcements) as they happen."""

    def __init__(
        self, ctx: WorkerContext, job_id: str, task_id: str, supervisor: Supervisor
    ) -> None:
        self._ctx = ctx
        self._job_id = job_id
        self._task_id = task_id
        self._supervisor = supervisor

    def send(self, kind: EventKind, **fields: Any) -> None:
        if kind == "started":
            return  # the claim has already moved the job to `running`
        event = RunEvent(kind, self._job_id, self._task_id, time.time(), **fields)
        event = self._supervisor.verdict(event)
        try:
            self._ctx.log.record(event)  # retries a start or an end while the database is away
        except SQLAlchemyError as exc:
            log.warning("could not store %s of job %s: %s", kind, self._job_id, exc)
            if kind in TERMINAL_KINDS:
                log.error("the outcome of job %s is not stored; its claim lapses", self._job_id)


class Watch:
    """The cancel flag the solver polls: set on request, on a lost claim, or by the
    supervision policy when the run reaches its time limit; never cleared."""

    def __init__(self, ctx: WorkerContext, job_id: str, task_id: str, started: float) -> None:
        self._ctx = ctx
        self._job_id = job_id
        self._task_id = task_id
        self._flag = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="busplan-watch", daemon=True)
        self._renew_every = min(ctx.settings.job_lease_seconds / 3, 1.0)
        self.supervisor = Supervisor(
            time_limit=time_limits(ctx.settings).stop,
            stated_limit=ctx.settings.celery_task_time_limit,
            cancel_grace=ctx.settings.cancel_grace_seconds,
            report=lambda event: None,  # the run reports its own end, through `verdict`
        )
        self.supervisor.watch(job_id, task_id, self, started)

    def is_set(self) -> bool:
        return self._flag.is_set()

    # -- supervise.Handle: the run is stopped cooperatively, through the flag --------------

    def terminate(self) -> None:
        self._stop_job("time limit reached")

    def alive(self) -> bool:
        return not self._stopping.is_set()

    def ended(self) -> str:
        return "the run ended"

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
            self.supervisor.check()
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
