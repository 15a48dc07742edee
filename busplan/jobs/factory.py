"""The executor and the event feed the settings ask for.

With `CELERY_ENABLED` jobs go to Celery workers through Redis, and events reach this node
through the Redis feed. If Redis does not answer when the API starts, the node runs jobs in
its own worker processes instead, says so in the log and in `/readyz`, and clients notice
nothing else.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from busplan.jobs.executor import Executor
from busplan.jobs.feed import EventFeed, LocalFeed, RedisFeed
from busplan.jobs.local import LocalExecutor
from busplan.jobs.redis_names import Keys, connect, unreachable
from busplan.jobs.throttle import ThrottleParams
from busplan.settings import ServiceSettings

log = logging.getLogger(__name__)
L = TypeVar("L", bound=LocalExecutor)


class FallbackLocalExecutor(LocalExecutor):
    """The local executor standing in for Celery because Redis was unreachable at start-up."""

    reason = ""

    def notes(self) -> dict[str, str]:
        return {"runner_mode": f"local (fallback: {self.reason})"}


def build_executor(settings: ServiceSettings) -> Executor:
    if settings.celery_enabled and settings.redis_url:
        client = connect(settings.redis_url)
        problem = unreachable(client)
        client.close()
        if problem is None:
            from busplan.jobs.celery_executor import CeleryExecutor  # Celery only when used

            return CeleryExecutor(settings)
        reason = f"Redis unreachable at start-up: {problem}"
        log.warning("%s; running jobs in this node's worker processes", reason)
        fallback = _local(settings, FallbackLocalExecutor)
        fallback.reason = reason
        return fallback
    return _local(settings, LocalExecutor)


def build_feed(settings: ServiceSettings, executor: Executor) -> EventFeed:
    """Through Redis when jobs run elsewhere; within this process otherwise."""
    if executor.remote and settings.redis_url:
        return RedisFeed(settings.redis_url, Keys(settings.redis_key_prefix))
    return LocalFeed()


def _local(settings: ServiceSettings, kind: type[L]) -> L:
    return kind(
        processes=settings.worker_processes,
        time_limit=settings.celery_task_time_limit,
        cancel_grace=settings.cancel_grace_seconds,
        throttle=ThrottleParams(
            settings.progress_step, settings.progress_interval, settings.progress_min_interval
        ),
        routing=settings.routing(),
    )
