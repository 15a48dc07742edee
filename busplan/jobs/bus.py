"""The progress bus between machines: stored job events announced through Redis pub/sub.

Whoever stores an event of a job (a Celery worker, or an API node cancelling it) publishes it
on one channel after the commit; each API node holds one subscription and hands the events
to its WebSocket clients. Pub/sub forgets what it could not deliver, so the job's event log in
the database stays the record: a node that sees a gap in a job's `seq`, or that reconnects
after Redis was away, reads the missing events from the store. Results are not published
(they can be large); a node reads a completed job's result from the store when a client of
its watches that job.

Cancel flags live here too: a key per job that a worker polls while it solves.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from busplan.jobs.service import JobUpdate

log = logging.getLogger(__name__)

CANCEL_FLAG_TTL = 24 * 3600
RECONNECT_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Keys:
    """Redis names, all under one prefix so that deployments (and tests) can share a server."""

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


def encode(update: JobUpdate) -> str:
    return json.dumps(
        {
            "job_id": update.job_id,
            "seq": update.seq,
            "kind": update.kind,
            "phase": update.phase,
            "progress": update.progress,
            "message": update.message,
            "at": update.at.isoformat(),
            "data": update.data,
            "seconds": update.seconds,
        }
    )


def decode(text: str | bytes) -> JobUpdate:
    d: dict[str, Any] = json.loads(text)
    return JobUpdate(
        d["job_id"],
        int(d["seq"]),
        d["kind"],
        d["phase"],
        float(d["progress"]),
        d["message"],
        datetime.fromisoformat(d["at"]),
        d.get("data") or {},
        None,
        d.get("seconds"),
    )


class Publisher:
    """A job-service listener that announces stored events from a thread of its own, so a
    slow or absent Redis never holds up the solver or a request; it never fails its caller.
    Events it cannot announce are dropped: nodes read them from the log."""

    def __init__(self, client: redis.Redis, keys: Keys, backlog: int = 1000) -> None:
        self._client = client
        self._keys = keys
        self._queue: queue.Queue[JobUpdate] = queue.Queue(backlog)
        self._thread = threading.Thread(target=self._run, name="busplan-publish", daemon=True)
        self._thread.start()

    def __call__(self, update: JobUpdate) -> None:
        try:
            self._queue.put_nowait(update)
        except queue.Full:
            log.warning(
                "progress bus backlog full; event %s of job %s left to the log",
                update.seq,
                update.job_id,
            )

    def _run(self) -> None:
        failing = False
        while True:
            update = self._queue.get()
            try:
                self._client.publish(self._keys.events, encode(update))
                failing = False
            except redis.RedisError as exc:
                if not failing:
                    log.warning("could not announce job events (%s); nodes read the log", exc)
                failing = True


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


class NodeListener:
    """One subscription per API node; reconnects for ever, and says when it has."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        on_update: Callable[[JobUpdate], None],
        on_reconnect: Callable[[], None],
    ) -> None:
        self._client = client
        self._keys = keys
        self._on_update = on_update
        self._on_reconnect = on_reconnect
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="busplan-bus", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._client.close()

    def _run(self) -> None:
        first = True
        while not self._stopping.is_set():
            try:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(self._keys.events)
                if not first:
                    log.info("progress bus reconnected; reading missed events from the store")
                    self._on_reconnect()
                first = False
                self._listen(pubsub)
            except (redis.RedisError, OSError) as exc:
                if not first:
                    log.warning("progress bus lost (%s); retrying", exc)
                first = False
                self._stopping.wait(RECONNECT_SECONDS)
            except Exception:
                log.exception("progress bus listener failed; restarting it")
                time.sleep(RECONNECT_SECONDS)

    def _listen(self, pubsub: Any) -> None:
        try:
            while not self._stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is None or message.get("type") != "message":
                    continue
                try:
                    update = decode(message["data"])
                except (ValueError, KeyError, TypeError):
                    log.warning("ignoring an unreadable progress message")
                    continue
                self._on_update(update)
        finally:
            try:
                pubsub.close()
            except Exception:
                log.debug("closing the progress subscription failed", exc_info=True)
