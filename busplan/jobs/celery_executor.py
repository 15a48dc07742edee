"""Celery executor: the API node's side of jobs that run on Celery workers.

`submit` enqueues the job id under a deterministic task id; workers claim, run and record the
job themselves. This node keeps one maintenance thread that re-sends what could not be
enqueued while Redis was away, looks for lost workers (`busplan.jobs.reaper`), and runs the
supervision policy for cancelled jobs: a task still holding its claim after the grace period
is terminated (the worker normally stops it within a second through the cancel flag).
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import SQLAlchemyError

from busplan.jobs.celery_app import TASK_NAME, BusplanCelery, job_of_task, make_celery, task_id_for
from busplan.jobs.executor import EventSink, JobSpec, TaskInfo, TaskState
from busplan.jobs.reaper import RetryPolicy, reap
from busplan.jobs.redis_names import Keys, connect, request_cancel, unreachable
from busplan.jobs.supervise import Supervisor
from busplan.settings import ServiceSettings
from busplan.store import leases, make_engine, session_factory

log = logging.getLogger(__name__)

TICK_SECONDS = 0.25
BROKER_CHECK_SECONDS = 2.0


class _Task:
    """A cancelled job's task, as the supervisor sees it: alive while it holds its claim."""

    def __init__(self, executor: CeleryExecutor, job_id: str) -> None:
        self._executor = executor
        self._job_id = job_id

    def alive(self) -> bool:
        return self._executor.owner(self._job_id) is not None

    def terminate(self) -> None:
        owner = self._executor.owner(self._job_id)
        if owner is not None:
            log.warning("job %s did not stop when cancelled; terminating %s", self._job_id, owner)
            self._executor.app.control.revoke(owner, terminate=True, signal="SIGTERM")

    def ended(self) -> str:
        return "the task ended"


class CeleryExecutor:
    name = "celery"
    remote = True

    def __init__(self, settings: ServiceSettings) -> None:
        assert settings.redis_url is not None
        self.settings = settings
        self.keys = Keys(settings.redis_key_prefix)
        self.redis = connect(settings.redis_url)
        self.app: BusplanCelery = make_celery(settings)
        self._engine = make_engine(
            settings.store_url,
            pool_size=1,
            max_overflow=2,
            pool_recycle=settings.database_pool_recycle,
        )
        self._sessions = session_factory(self._engine)
        self._policy = RetryPolicy(
            backoff=settings.celery_retry_backoff,
            lease=settings.job_lease_seconds,
            hold=settings.celery_task_time_limit + settings.job_lease_seconds,
        )
        self._supervisor = Supervisor(
            time_limit=settings.celery_task_time_limit + settings.job_lease_seconds,
            cancel_grace=settings.cancel_grace_seconds,
            report=lambda event: None,  # only cancelled tasks are watched here
        )
        self._lock = threading.Lock()
        self._unsent: dict[str, tuple[str, float]] = {}
        self._sink: EventSink | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._broker_ok = True
        self._broker_checked = 0.0

    # -- Executor protocol -----------------------------------------------------------------

    def start(self, sink: EventSink) -> None:
        self._sink = sink
        self._thread = threading.Thread(target=self._maintain, name="busplan-celery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._engine.dispose()
        self.redis.close()

    def submit(self, spec: JobSpec) -> str:
        task_id = task_id_for(spec.job_id)
        self._send(spec.job_id, task_id, 0.0)
        return task_id

    def cancel(self, task_id: str) -> None:
        """Raise the cancel flag; the database already says `cancelled` (the service did it)."""
        job_id = job_of_task(task_id)
        request_cancel(self.redis, self.keys, job_id)
        with self._lock:
            for key in [k for k, (j, _) in self._unsent.items() if j == job_id]:
                del self._unsent[key]
        self._supervisor.watch(job_id, task_id, _Task(self, job_id))
        self._supervisor.cancelled(task_id)

    def task_info(self, task_id: str) -> TaskInfo | None:
        try:
            state = self.app.AsyncResult(task_id).state
        except Exception as exc:  # the result backend is Redis: it may be away
            log.debug("no task state for %s: %s", task_id, exc)
            return None
        # RECEIVED and RETRY are waiting too
        return TaskInfo(task_id, TaskState.__members__.get(str(state), TaskState.PENDING))

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def notes(self) -> dict[str, str]:
        """For `/readyz`: which executor, and whether its broker answers."""
        broker = "ok" if self._broker_ok else "unreachable: jobs wait in the database"
        return {"runner_mode": "celery", "broker": broker}

    # -- enqueueing ------------------------------------------------------------------------

    def _send(self, job_id: str, task_id: str, countdown: float) -> None:
        try:
            self.app.send_task(
                TASK_NAME,
                args=[job_id],
                task_id=task_id,
                queue=self.settings.celery_queue,
                countdown=countdown or None,
            )
        except Exception as exc:  # kombu or redis errors: the broker is away
            log.warning("could not enqueue job %s (%s); will retry", job_id, exc)
            self._broker_ok = False
            with self._lock:
                self._unsent[task_id] = (job_id, countdown)
            return
        with self._lock:
            self._unsent.pop(task_id, None)

    # -- the maintenance thread ------------------------------------------------------------

    def _maintain(self) -> None:
        reap_every = min(self.settings.job_lease_seconds / 3, 5.0)
        reap_at = time.monotonic()
        while not self._stopping.wait(TICK_SECONDS):
            try:
                self._check_broker()
                self._resend()
                self._supervisor.check()
                if time.monotonic() >= reap_at:
                    reap_at = time.monotonic() + reap_every
                    self._reap()
            except Exception:  # keep maintaining; the fault is logged
                log.exception("celery executor maintenance failed")

    def _check_broker(self) -> None:
        if time.monotonic() - self._broker_checked < BROKER_CHECK_SECONDS:
            return
        self._broker_checked = time.monotonic()
        problem = unreachable(self.redis)
        if problem is not None and self._broker_ok:
            log.warning("Redis is unreachable (%s); new jobs wait in the database", problem)
        self._broker_ok = problem is None

    def _resend(self) -> None:
        if not self._broker_ok:
            return
        with self._lock:
            unsent = list(self._unsent.items())
        for task_id, (job_id, countdown) in unsent:
            self._send(job_id, task_id, countdown)

    def owner(self, job_id: str) -> str | None:
        """The task running the job now (its claim), if any."""
        try:
            with self._sessions() as session:
                return leases.running_owner(session=session, job_id=job_id)
        except SQLAlchemyError as exc:
            log.warning("cannot check job %s: %s", job_id, exc)
            return None

    def _reap(self) -> None:
        if self._sink is None:
            return
        try:
            reap(sessions=self._sessions, policy=self._policy, send=self._send, sink=self._sink)
        except SQLAlchemyError as exc:
            log.warning("cannot look for lost workers: %s", exc)
