"""The event feed: how stored job events reach the API nodes that relay them to clients.

One interface, two transports. `LocalFeed` hands each event straight on, inside one process
(the local executor). `RedisFeed` also announces it on one Redis pub/sub channel, to which
every API node holds one subscription, so events stored anywhere (a Celery worker, another
node cancelling a job) reach every node. Pub/sub forgets what it could not deliver, so the
job's event log in the database stays the record: the relay fills gaps from the store, and
is told to catch up (`resync`) when the subscription was cut. Results are not published
(they can be large); the relay reads a completed job's result from the store.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any, Protocol

import redis

from busplan.jobs.log import JobUpdate
from busplan.jobs.redis_names import Keys, connect

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 0.5

Deliver = Callable[[JobUpdate], None]


class EventFeed(Protocol):
    def publish(self, update: JobUpdate) -> None:
        """A job-log listener: never blocks on the network, never fails its caller."""

    def start(self, deliver: Deliver, resync: Callable[[], None]) -> None:
        """Pass every event to `deliver`; call `resync` when some may have been missed."""

    def stop(self) -> None: ...


class LocalFeed:
    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    def publish(self, update: JobUpdate) -> None:
        if self._deliver is not None:
            self._deliver(update)

    def start(self, deliver: Deliver, resync: Callable[[], None]) -> None:
        self._deliver = deliver

    def stop(self) -> None:
        self._deliver = None


def encode(update: JobUpdate) -> str:
    """JSON of an update, without its result (results are read from the store)."""
    return json.dumps(asdict(update) | {"at": update.at.isoformat(), "result": None})


def decode(text: str | bytes) -> JobUpdate:
    d: dict[str, Any] = json.loads(text)
    return JobUpdate(**d | {"at": datetime.fromisoformat(d["at"]), "data": d.get("data") or {}})


class RedisFeed:
    """Announces from a thread of its own, so a slow or absent Redis never holds up the solver
    or a request; events it cannot announce are dropped (nodes read them from the log). Events
    stored by this process are also delivered here at once; the relay drops repeats."""

    def __init__(self, url: str, keys: Keys, backlog: int = 1000) -> None:
        self._url = url
        self._keys = keys
        self._queue: queue.Queue[JobUpdate] = queue.Queue(backlog)
        self._deliver: Deliver | None = None
        self._resync: Callable[[], None] = lambda: None
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._announce, name="busplan-feed-out", daemon=True)
        ]
        self._threads[0].start()

    def publish(self, update: JobUpdate) -> None:
        if self._deliver is not None:
            self._deliver(update)
        try:
            self._queue.put_nowait(update)
        except queue.Full:
            log.warning("event feed backlog full; event %s of job %s left to the log",
                        update.seq, update.job_id)  # fmt: skip

    def start(self, deliver: Deliver, resync: Callable[[], None]) -> None:
        self._deliver, self._resync = deliver, resync
        listen = threading.Thread(target=self._listen, name="busplan-feed-in", daemon=True)
        self._threads.append(listen)
        listen.start()

    def stop(self) -> None:
        self._stopping.set()
        if len(self._threads) > 1:
            self._threads[1].join(timeout=5)

    def _announce(self) -> None:
        client = connect(self._url)
        failing = False
        while True:
            update = self._queue.get()
            try:
                client.publish(self._keys.events, encode(update))
                failing = False
            except redis.RedisError as exc:
                if not failing:
                    log.warning("could not announce job events (%s); nodes read the log", exc)
                failing = True

    def _listen(self) -> None:
        """One subscription; reconnects for ever, and asks for a resync when it has."""
        client = connect(self._url)
        first = True
        while not self._stopping.is_set():
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(self._keys.events)
                if not first:
                    log.info("event feed reconnected; reading missed events from the store")
                    self._resync()
                first = False
                self._receive(pubsub)
            except (redis.RedisError, OSError) as exc:
                if not first:
                    log.warning("event feed lost (%s); retrying", exc)
                first = False
                self._stopping.wait(RECONNECT_SECONDS)
            except Exception:
                log.exception("event feed listener failed; restarting it")
                time.sleep(RECONNECT_SECONDS)
        client.close()

    def _receive(self, pubsub: Any) -> None:
        try:
            while not self._stopping.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message is None or message.get("type") != "message":
                    continue
                try:
                    update = decode(message["data"])
                except (ValueError, KeyError, TypeError):
                    log.warning("ignoring an unreadable event message")
                    continue
                if self._deliver is not None:
                    self._deliver(update)
        finally:
            try:
                pubsub.close()
            except Exception:
                log.debug("closing the event subscription failed", exc_info=True)
