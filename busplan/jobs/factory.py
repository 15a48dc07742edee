"""The runner the settings ask for.

With `CELERY_ENABLED` jobs go to Celery workers through Redis. If Redis does not answer when
the API starts, the node runs jobs in its own worker processes instead, says so in the log and
in `/readyz`, and clients notice nothing else.
"""

from __future__ import annotations

import logging

import redis

from busplan.jobs.local import LocalRunner
from busplan.jobs.runner import Runner
from busplan.jobs.throttle import ThrottleParams
from busplan.settings import Settings

log = logging.getLogger(__name__)


class FallbackLocalRunner(LocalRunner):
    """The local runner standing in for Celery because Redis was unreachable at start-up."""

    def __init__(self, settings: Settings, reason: str) -> None:
        super().__init__(
            processes=settings.worker_processes,
            time_limit=settings.celery_task_time_limit,
            cancel_grace=settings.cancel_grace_seconds,
            throttle=_throttle(settings),
        )
        self.reason = reason

    def notes(self) -> dict[str, str]:
        return {"runner_mode": f"local (fallback: {self.reason})"}


def build_runner(settings: Settings) -> Runner:
    if settings.celery_enabled and settings.redis_url:
        problem = _redis_problem(settings.redis_url)
        if problem is None:
            from busplan.jobs.celery_runner import CeleryRunner

            return CeleryRunner(settings)
        reason = f"Redis unreachable at start-up: {problem}"
        log.warning("%s; running jobs in this node's worker processes", reason)
        return FallbackLocalRunner(settings, reason)
    return LocalRunner(
        processes=settings.worker_processes,
        time_limit=settings.celery_task_time_limit,
        cancel_grace=settings.cancel_grace_seconds,
        throttle=_throttle(settings),
    )


def _throttle(settings: Settings) -> ThrottleParams:
    return ThrottleParams(
        settings.progress_step, settings.progress_interval, settings.progress_min_interval
    )


def _redis_problem(url: str) -> str | None:
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return None
