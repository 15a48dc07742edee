"""Relay for an API node among several: job events from any machine to this node's sockets.

With Celery workers, events are stored by whichever process produced them (a worker, or an
API node that cancelled a job) and announced on the progress bus. Each node holds one bus
subscription and passes events to its WebSocket clients in `seq` order. The bus may lose
messages (Redis restarted, a connection dropped); the job's event log may not, so a gap in a
job's `seq`, or a reconnection of the bus, is filled from the store before anything newer is
sent. Events this node stores itself take the same path, so its clients see one order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict

from anyio import to_thread

from busplan.api.ws.manager import ConnectionManager
from busplan.api.ws.messages import message_for
from busplan.api.ws.relay import Relay
from busplan.jobs.bus import NodeListener, Publisher, connect
from busplan.jobs.celery_runner import CeleryRunner
from busplan.jobs.service import JobService, JobUpdate, update_from_event

log = logging.getLogger(__name__)

REMEMBERED_JOBS = 10_000
CATCH_UP = None
"""Queue marker: the bus reconnected; catch up every watched job from the store."""


class Fanout:
    def __init__(
        self, service: JobService, manager: ConnectionManager, runner: CeleryRunner
    ) -> None:
        self._service = service
        self._manager = manager
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[JobUpdate | None] = asyncio.Queue()
        self._sent: OrderedDict[str, int] = OrderedDict()
        self._task = asyncio.create_task(self._run(), name="busplan-fanout")
        assert runner.settings.redis_url is not None
        # A client of its own: the runner closes its client on shutdown, maybe before this.
        client = connect(runner.settings.redis_url)
        self._bus = NodeListener(client, runner.keys, self.listener, self._reconnected)
        self._bus.start()

    def listener(self, update: JobUpdate) -> None:
        """Thread-safe: events from this node's job service and from the bus."""
        self._loop.call_soon_threadsafe(self._queue.put_nowait, update)

    def _reconnected(self) -> None:
        self._loop.call_soon_threadsafe(self._queue.put_nowait, CATCH_UP)

    async def stop(self) -> None:
        await to_thread.run_sync(self._bus.stop)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            update = await self._queue.get()
            try:
                if update is CATCH_UP:
                    for job_id in self._manager.watched_jobs():
                        await self._from_store(job_id, self._sent.get(job_id, 0))
                else:
                    await self._deliver(update)
            except Exception:
                log.exception("could not relay job events")

    async def _deliver(self, update: JobUpdate) -> None:
        job_id = update.job_id
        if self._manager.get_connection_count(job_id) == 0:
            return  # a client that connects later reads the log itself
        sent = self._sent.get(job_id)
        if sent is not None and update.seq <= sent:
            return
        if (sent is not None and update.seq > sent + 1) or update.kind == "completed":
            # A gap, or a result (never sent on the bus): read it from the store.
            await self._from_store(job_id, update.seq - 1 if sent is None else sent)
            return
        await self._send(update)

    async def _from_store(self, job_id: str, after: int) -> None:
        updates = await to_thread.run_sync(self._read, job_id, after)
        for update in updates:
            await self._send(update)

    def _read(self, job_id: str, after: int) -> list[JobUpdate]:
        events = self._service.events_after(job_id, after)
        result = None
        if any(e.kind == "completed" for e in events):
            job = self._service.get(job_id)
            result = job.result if job is not None else None
        return [update_from_event(e, result if e.kind == "completed" else None) for e in events]

    async def _send(self, update: JobUpdate) -> None:
        await self._manager.send_progress(update.job_id, message_for(update))
        self._sent[update.job_id] = max(update.seq, self._sent.get(update.job_id, 0))
        self._sent.move_to_end(update.job_id)
        while len(self._sent) > REMEMBERED_JOBS:
            self._sent.popitem(last=False)


def node_relay(service: JobService, manager: ConnectionManager) -> Relay | Fanout:
    """The relay this node needs: across nodes through the bus with Celery, else local."""
    runner = service.runner
    if not isinstance(runner, CeleryRunner):
        return Relay(manager)
    service.subscribe(Publisher(runner.redis, runner.keys))
    return Fanout(service, manager, runner)
