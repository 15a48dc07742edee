"""Carries stored job events from the runner's thread to the WebSocket clients.

The job service calls the listener on whatever thread recorded the event; the listener hands
the event to the event loop through a queue, and one task sends them in arrival order (which
is seq order: the service tells listeners while holding its ordering lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from busplan.api.ws.manager import ConnectionManager
from busplan.api.ws.messages import message_for
from busplan.jobs.service import JobUpdate

log = logging.getLogger(__name__)


class Relay:
    def __init__(self, manager: ConnectionManager) -> None:
        self._manager = manager
        self._queue: asyncio.Queue[JobUpdate] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name="busplan-ws-relay")

    def listener(self, update: JobUpdate) -> None:
        """Thread-safe entry point for the job service."""
        self._loop.call_soon_threadsafe(self._queue.put_nowait, update)

    async def _run(self) -> None:
        while True:
            update = await self._queue.get()
            try:
                await self._manager.send_progress(update.job_id, message_for(update))
            except Exception:
                log.exception("could not relay an event of job %s", update.job_id)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
