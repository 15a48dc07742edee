"""Settings for road travel times: which OSRM server, how to talk to it, where to cache answers.

One frozen dataclass, validated when built. The CLI reads it from the environment with
`from_env`; the service builds it from its own settings (`ServiceSettings.routing`), with the
same variables and the same cache rule. Everything has a default so that only `OSRM_URL` is
needed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

DurationSource = Literal["timetable", "route"]
DURATION_SOURCES: tuple[str, ...] = ("timetable", "route")


def default_cache_path() -> str:
    """`$XDG_CACHE_HOME/busplan/travel.sqlite`, else `~/.cache/busplan/travel.sqlite`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "busplan" / "travel.sqlite")


@dataclass(frozen=True)
class RoutingConfig:
    url: str | None = None
    """OSRM base URL, e.g. http://osrm:5000; None = no road router, use the estimate."""
    profile: str = "driving"
    """Profile segment of the URL; osrm-routed answers to any name, a proxy may not."""
    table_size: int = 100
    """Largest number of sources (and of destinations) in one table request: at most the
    server's `--max-table-size`, which bounds sources x destinations by its square."""
    concurrency: int = 4
    """Requests in flight at once."""
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    retries: int = 3
    """Extra attempts after a 5xx, 429, timeout or connection error."""
    backoff_s: float = 0.5
    """First wait between attempts; doubles on each retry, at most `backoff_max_s`."""
    backoff_max_s: float = 10.0
    breaker_failures: int = 5
    """Failed attempts in a row that open the circuit (above `retries`, so that one request
    gets all its retries before the circuit opens)."""
    breaker_cooldown_s: float = 30.0
    """How long an open circuit refuses requests before letting one through again."""
    cache_path: str | None = field(default_factory=default_cache_path)
    """SQLite cache file; None = keep answers in memory for this run only."""
    redis_url: str | None = None
    """When set, the cache lives in Redis (shared by every worker) instead of SQLite."""
    redis_prefix: str = "busplan:travel:"
    data_version: str = ""
    """Cache key part used when the server reports no `data_version` of its own."""
    allow_fallback: bool = False
    """May an unreachable server be replaced by the built-in estimate (with a warning)?"""
    duration_source: DurationSource = "timetable"
    """Trip durations from the contract timetable, or from OSRM's Route service via the stops."""
    dwell_s: int = 30
    """Seconds added per intermediate stop when durations come from the Route service."""

    def __post_init__(self) -> None:
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"OSRM URL {self.url!r} must start with http:// or https://")
        if not self.profile or "/" in self.profile:
            raise ValueError(f"OSRM profile {self.profile!r} must be one path segment")
        if self.table_size < 2 or self.concurrency < 1 or self.retries < 0:
            raise ValueError("table size must be at least 2, concurrency at least 1, retries >= 0")
        if min(self.connect_timeout_s, self.read_timeout_s) <= 0 or self.backoff_s < 0:
            raise ValueError("timeouts must be positive and backoff not negative")
        if self.breaker_failures < 1 or self.breaker_cooldown_s < 0:
            raise ValueError("the circuit breaker needs at least one failure and a cooldown >= 0")
        if self.duration_source not in DURATION_SOURCES:
            raise ValueError(f"duration source must be one of {', '.join(DURATION_SOURCES)}")
        if self.dwell_s < 0:
            raise ValueError("dwell must not be negative")

    @property
    def server(self) -> str:
        """The server as it appears in cache keys: the URL without a trailing slash."""
        return (self.url or "").rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> RoutingConfig:
        """Settings from `OSRM_*` variables (see docs/routing.md); `overrides` win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, (variable, convert) in _ENV.items():
            raw = env.get(variable)
            if raw is not None and raw.strip() != "":
                try:
                    values[name] = convert(raw.strip())
                except ValueError as exc:
                    raise ValueError(f"{variable}={raw!r}: {exc}") from None
        values |= cache_fields(env.get("OSRM_CACHE", ""), env.get("REDIS_URL"))
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown routing settings: {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def cache_fields(cache: str | None, redis_url: str | None) -> dict[str, Any]:
    """Where answers are cached, from `OSRM_CACHE` (a path, `redis://...` or `none`) and
    `REDIS_URL` (the cache when `OSRM_CACHE` is unset); the CLI and the service share the rule."""
    cache = (cache or "").strip()
    if cache.startswith(("redis://", "rediss://", "unix://")):
        return {"redis_url": cache}
    if cache.lower() == "none":
        return {"cache_path": None}
    if cache:
        return {"cache_path": cache}
    if (redis_url or "").strip():
        return {"redis_url": (redis_url or "").strip()}
    return {}


def _flag(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


_ENV: dict[str, tuple[str, Any]] = {
    "url": ("OSRM_URL", str),
    "profile": ("OSRM_PROFILE", str),
    "table_size": ("OSRM_TABLE_SIZE", int),
    "concurrency": ("OSRM_CONCURRENCY", int),
    "connect_timeout_s": ("OSRM_CONNECT_TIMEOUT", float),
    "read_timeout_s": ("OSRM_TIMEOUT", float),
    "retries": ("OSRM_RETRIES", int),
    "breaker_failures": ("OSRM_BREAKER_FAILURES", int),
    "breaker_cooldown_s": ("OSRM_BREAKER_COOLDOWN", float),
    "data_version": ("OSRM_DATA_VERSION", str),
    "allow_fallback": ("OSRM_FALLBACK", _flag),
    "duration_source": ("OSRM_DURATIONS", str),
    "dwell_s": ("OSRM_DWELL_S", int),
}
