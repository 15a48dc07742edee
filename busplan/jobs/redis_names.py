"""Redis names of one deployment, all under one prefix, and the cancel flags kept there.

A cancel flag is a key per job that a Celery worker polls while it solves; the database holds
the cancellation too, so a flag lost with Redis only delays the stop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

log = logging.getLogger(__name__)

CANCEL_FLAG_TTL = 24 * 3600


@dataclass(frozen=True, slots=True)
class Keys:
    """Deployments (and tests) sharing a server use different prefixes."""

    prefix: str = "busplan:"

    @property
    def events(self) -> str:
        return f"{self.prefix}events"

    def cancel(self, job_id: str) -> str:
        return f"{self.prefix}cancel:{job_id}"


def connect(url: str) -> redis.Redis:
    """A client that fails fast: callers degrade rather than hang when Redis is away."""
    return redis.Redis.from_url(
        url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=10
    )


def unreachable(client: redis.Redis) -> str | None:
    """Why Redis does not answer a ping, or None when it does."""
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def request_cancel(client: redis.Redis, keys: Keys, job_id: str) -> bool:
    """Raise the job's cancel flag; False if Redis is away (the database flag still holds)."""
    try:
        client.set(keys.cancel(job_id), b"1", ex=CANCEL_FLAG_TTL)
    except redis.RedisError as exc:
        log.warning("could not set the cancel flag of job %s in Redis: %s", job_id, exc)
        return False
    return True


def cancel_requested(client: redis.Redis, keys: Keys, job_id: str) -> bool:
    return bool(client.exists(keys.cancel(job_id)))
