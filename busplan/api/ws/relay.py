"""The relay: job events from the event feed to this node's WebSocket clients, in seq order.

Events arrive on whatever thread the feed calls from; the relay hands them to the event loop
through a queue, and one task sends them. The feed may lose events (a Redis feed across a
restart or a cut connection), the job's event log may not: a gap in a job's `seq`, a
`completed` event without its result, or a `resync` from the feed is filled from the log
(`JobLog.history`) before anything newer is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict

from anyio import to_thread

from busplan.api.ws.manager import ConnectionManager
from busplan.api.ws.messages import message_for
from busplan.jobs.feed import EventFeed
from busplan.jobs.log import JobLog, JobUpdate

log = logging.getLogger(__name__)

REMEMBERED_JOBS = 10_000
CATCH_UP = None
"""Queue marker: the feed may have missed events; catch up every watched job from the log."""


class Relay:
    def __init__(self, job_log: JobLog, manager: ConnectionManager, feed: EventFeed) -> None:
        self._log = job_log
        self._manager = manager
        self._feed = feed
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[JobUpdate | None] = asyncio.Queue()
        self._sent: OrderedDict[str, int] = OrderedDict()
        self._task = asyncio.create_task(self._run(), name="busplan-relay")
        feed.start(self._arrived, self._resync)

    def _arrived(self, update: JobUpdate) -> None:
        """Thread-safe."""
        self._loop.call_soon_threadsafe(self._queue.put_nowait, update)

    def _resync(self) -> None:
        self._loop.call_soon_threadsafe(self._queue.put_nowait, CATCH_UP)

    async def stop(self) -> None:
        await to_thread.run_sync(self._feed.stop)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            update = await self._queue.get()
            try:
                if update is CATCH_UP:
                    for job_id in self._manager.watched_jobs():
                        await self._from_log(job_id, self._sent.get(job_id, 0))
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
        gap = sent is not None and update.seq > sent + 1
        if gap or (update.kind == "completed" and update.result is None):
            await self._from_log(job_id, update.seq - 1 if sent is None else sent)
            return
        await self._send(update)

    async def _from_log(self, job_id: str, after: int) -> None:
        for update in await to_thread.run_sync(self._log.history, job_id, after):
            await self._send(update)

    async def _send(self, update: JobUpdate) -> None:
        await self._manager.send_progress(update.job_id, message_for(update))
        self._sent[update.job_id] = max(update.seq, self._sent.get(update.job_id, 0))
        self._sent.move_to_end(update.job_id)
        while len(self._sent) > REMEMBERED_JOBS:
            self._sent.popitem(last=False)
