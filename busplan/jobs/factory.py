"""The runner the settings ask for."""

from __future__ import annotations

from busplan.jobs.local import LocalRunner
from busplan.jobs.runner import Runner
from busplan.jobs.throttle import ThrottleParams
from busplan.settings import Settings


def build_runner(settings: Settings) -> Runner:
    if settings.celery_enabled:
        raise RuntimeError(
            "CELERY_ENABLED is set, but this version runs jobs only in local worker "
            "processes; unset CELERY_ENABLED"
        )
    return LocalRunner(
        processes=settings.worker_processes,
        time_limit=settings.celery_task_time_limit,
        cancel_grace=settings.cancel_grace_seconds,
        throttle=ThrottleParams(
            settings.progress_step, settings.progress_interval, settings.progress_min_interval
        ),
    )
