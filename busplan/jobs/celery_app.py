"""The Celery application shared by API nodes (which enqueue) and workers (which run).

Settings are those of long, CPU-bound jobs: a task is acknowledged only after it ends (a lost
worker's job is not lost with it), a worker reserves one job at a time, and the broker's
visibility timeout is longer than any run plus its retry delay, so Redis does not hand a job
that is still running to a second worker. A redelivery that happens anyway is harmless: a job
runs only after its claim in the database (`busplan.store.leases`).
"""

from __future__ import annotations

from dataclasses import dataclass

from celery import Celery

from busplan.settings import ServiceSettings

TASK_NAME = "busplan.run_job"
PART_TASK_NAME = "busplan.run_job_part"
VISIBILITY_MARGIN_SECONDS = 300.0


class BusplanCelery(Celery):  # type: ignore[misc]
    """A Celery app that carries the settings it was made from (workers build on them)."""

    settings: ServiceSettings


@dataclass(frozen=True)
class TimeLimits:
    """Seconds from the start of a run, all derived from `CELERY_TASK_TIME_LIMIT`."""

    stop: float
    """The worker tells the solver to stop (cooperative; the job fails as time exceeded)."""
    soft: float
    """Celery raises `SoftTimeLimitExceeded` in the task, if the solver has not stopped."""
    hard: float
    """Celery kills the process."""


def time_limits(settings: ServiceSettings) -> TimeLimits:
    hard = settings.celery_task_time_limit
    return TimeLimits(hard - min(60.0, hard * 0.1), hard - min(30.0, hard * 0.05), hard)


def task_id_for(job_id: str, attempt: int = 1) -> str:
    """Deterministic task ids: the job id, then `<job id>.<attempt>` for re-runs."""
    return job_id if attempt <= 1 else f"{job_id}.{attempt}"


def job_of_task(task_id: str) -> str:
    return task_id.split(".", 1)[0]


def make_celery(settings: ServiceSettings) -> BusplanCelery:
    if not settings.redis_url:
        raise ValueError("the Celery executor needs REDIS_URL")
    limits = time_limits(settings)
    longest_wait = max(settings.celery_retry_backoff, default=0.0)
    transport = {
        "visibility_timeout": int(limits.hard + longest_wait + VISIBILITY_MARGIN_SECONDS),
        "global_keyprefix": settings.redis_key_prefix,
    }
    app = BusplanCelery(
        "busplan", broker=settings.redis_url, backend=settings.redis_url, set_as_current=False
    )
    app.settings = settings
    app.conf.update(
        task_acks_late=True,
        # A worker killed mid-job is noticed by its lapsed claim and re-run with backoff
        # (`busplan.jobs.reaper`); requeueing at once would loop on a job that kills workers.
        task_reject_on_worker_lost=False,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_time_limit=limits.hard,
        task_soft_time_limit=limits.soft,
        task_track_started=True,
        task_default_queue=settings.celery_queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        broker_transport_options=transport,
        result_backend_transport_options={"global_keyprefix": settings.redis_key_prefix},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        redis_socket_timeout=5,
        redis_socket_connect_timeout=2,
        worker_hijack_root_logger=False,
        enable_utc=True,
    )
    return app
