"""Requests per API key: a token bucket, shared by all API nodes through Redis when
REDIS_URL is set, kept in this process otherwise.

If Redis does not answer, requests are let through (and logged): a rate limit protects the
service, and refusing everyone because Redis is away would be the outage it is meant to avoid.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

import redis

from busplan.settings import ServiceSettings

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    def take(self, key: str) -> float:
        """Spend one request of `key`; 0 if allowed, else seconds until one is available."""
        ...


class MemoryBuckets:
    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        with self._lock:
            now = time.monotonic()
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1, now)
            return 0.0


_TAKE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1e6
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or t
tokens = math.min(burst, tokens + math.max(0, t - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(t))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


class RedisBuckets:
    """The same bucket as a Lua script, so that it is one atomic step on the Redis server
    (and uses the server's clock: API nodes' clocks need not agree)."""

    def __init__(self, client: redis.Redis, *, rate: float, burst: int, prefix: str) -> None:
        self.rate = rate
        self.burst = burst
        self.prefix = prefix
        self._script = client.register_script(_TAKE)

    def take(self, key: str) -> float:
        try:
            wait = self._script(keys=[self.prefix + key], args=[self.rate, self.burst])
        except redis.RedisError as exc:
            log.warning("rate limit not checked, Redis unreachable: %s", exc)
            return 0.0
        return float(wait)


def build_rate_limiter(settings: ServiceSettings) -> RateLimiter:
    rate, burst = settings.rate_limit_per_second, settings.rate_limit_burst
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=1.0)
        prefix = settings.redis_key_prefix + "rate:"
        return RedisBuckets(client, rate=rate, burst=burst, prefix=prefix)
    return MemoryBuckets(rate=rate, burst=burst)
