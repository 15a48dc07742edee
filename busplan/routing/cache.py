"""A persistent cache of OSRM answers, so that a problem is asked of the server once.

Entries are keyed by a namespace (server, profile, data version: a new map means new keys, never
stale answers) and by the two locations rounded to about a metre. SQLite is the default: one
row per pair, added in a transaction per answer, so the file grows and is never rewritten.
Redis, when configured, lets every worker share one cache. Both count hits and misses.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from busplan.routing.config import RoutingConfig
from busplan.routing.osrm import COORD_DECIMALS, Cell

Entry = tuple[Cell, Cell]
"""(seconds, metres) as the server answered; (None, None) = no road."""

Pair = tuple[str, str]


def namespace(server: str, profile: str, data_version: str) -> str:
    """A short stable key for one server, profile and map version."""
    text = "\n".join((server.rstrip("/"), profile, data_version))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0

    @property
    def hit_rate(self) -> float:
        asked = self.hits + self.misses
        return self.hits / asked if asked else 0.0


class TravelCache(Protocol):
    """Location pairs to answers, within a namespace; `stats` counts what `get_many` found."""

    stats: CacheStats

    def get_many(
        self, ns: str, sources: Sequence[str], targets: Sequence[str]
    ) -> dict[Pair, Entry]:
        """The cached entries among sources x targets (missing pairs are absent)."""
        ...

    def put_many(self, ns: str, entries: Mapping[Pair, Entry]) -> None: ...

    def last_version(self, server: str) -> str | None:
        """The data version last seen for a server and profile, for when it cannot be asked."""
        ...

    def remember_version(self, server: str, version: str) -> None: ...

    def close(self) -> None: ...


class SqliteCache:
    def __init__(self, path: str | None) -> None:
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        """One connection shared by threads (a long-lived cache in a server), one at a time."""
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS travel (ns TEXT, src TEXT, dst TEXT, seconds REAL,"
                " metres REAL, PRIMARY KEY (ns, src, dst)) WITHOUT ROWID"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS server_version (server TEXT PRIMARY KEY, version TEXT)"
            )
        self.stats = CacheStats()

    def get_many(
        self, ns: str, sources: Sequence[str], targets: Sequence[str]
    ) -> dict[Pair, Entry]:
        wanted = set(targets)
        found: dict[Pair, Entry] = {}
        with self._lock:
            for src in dict.fromkeys(sources):
                rows = self._db.execute(
                    "SELECT dst, seconds, metres FROM travel WHERE ns = ? AND src = ?", (ns, src)
                )
                for dst, seconds, metres in rows:
                    if dst in wanted:
                        found[src, dst] = (seconds, metres)
            self._count(found, sources, targets)
        return found

    def put_many(self, ns: str, entries: Mapping[Pair, Entry]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO travel VALUES (?, ?, ?, ?, ?)",
                ((ns, src, dst, s, m) for (src, dst), (s, m) in entries.items()),
            )
            self.stats.writes += len(entries)

    def last_version(self, server: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT version FROM server_version WHERE server = ?", (server,)
            ).fetchone()
        return None if row is None else str(row[0])

    def remember_version(self, server: str, version: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO server_version VALUES (?, ?)", (server, version)
            )

    def close(self) -> None:
        self._db.close()

    def _count(
        self, found: Mapping[Pair, Entry], sources: Sequence[str], targets: Sequence[str]
    ) -> None:
        asked = len(set(sources)) * len(set(targets))
        self.stats.hits += len(found)
        self.stats.misses += asked - len(found)


class RedisCache:
    """One Redis hash per (namespace, source location): field = target, value = "s,m"."""

    def __init__(self, url: str, prefix: str = "busplan:travel:", client: Any = None) -> None:
        import redis

        self._redis = client if client is not None else redis.Redis.from_url(url)
        self.prefix = prefix
        self.stats = CacheStats()

    def get_many(
        self, ns: str, sources: Sequence[str], targets: Sequence[str]
    ) -> dict[Pair, Entry]:
        srcs, dsts = list(dict.fromkeys(sources)), list(dict.fromkeys(targets))
        found: dict[Pair, Entry] = {}
        if srcs and dsts:
            pipe = self._redis.pipeline(transaction=False)
            for src in srcs:
                pipe.hmget(self._key(ns, src), dsts)
            for src, values in zip(srcs, pipe.execute(), strict=True):
                for dst, value in zip(dsts, values, strict=True):
                    if value is not None:
                        found[src, dst] = _unpack(value)
        self.stats.hits += len(found)
        self.stats.misses += len(srcs) * len(dsts) - len(found)
        return found

    def put_many(self, ns: str, entries: Mapping[Pair, Entry]) -> None:
        by_source: dict[str, dict[Any, Any]] = defaultdict(dict)  # redis-py types keys invariantly
        for (src, dst), entry in entries.items():
            by_source[src][dst] = _pack(entry)
        pipe = self._redis.pipeline(transaction=False)
        for src, mapping in by_source.items():
            pipe.hset(self._key(ns, src), mapping=mapping)
        pipe.execute()
        self.stats.writes += len(entries)

    def last_version(self, server: str) -> str | None:
        value = self._redis.get(f"{self.prefix}version:{server}")
        return None if value is None else _text(value)

    def remember_version(self, server: str, version: str) -> None:
        self._redis.set(f"{self.prefix}version:{server}", version)

    def close(self) -> None:
        self._redis.close()

    def _key(self, ns: str, src: str) -> str:
        return f"{self.prefix}{ns}:{src}"


def _pack(entry: Entry) -> str:
    return ",".join("" if v is None else repr(float(v)) for v in entry)


def _unpack(value: bytes | str) -> Entry:
    seconds, metres = _text(value).split(",")
    return (float(seconds) if seconds else None, float(metres) if metres else None)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def open_cache(config: RoutingConfig) -> TravelCache:
    """Redis when a URL is configured, else the SQLite file (or memory when no path is set)."""
    if config.redis_url:
        return RedisCache(config.redis_url, config.redis_prefix)
    return SqliteCache(config.cache_path)


def keys(locations: Iterable[tuple[float, float]]) -> list[str]:
    """Cache keys of rounded locations: "lat,lon"."""
    return [f"{lat:.{COORD_DECIMALS}f},{lon:.{COORD_DECIMALS}f}" for lat, lon in locations]
