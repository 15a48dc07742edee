"""`create_app(settings)`: the FastAPI application; its resources live in the lifespan.

Start-up migrates the database, starts the job executor, recovers jobs a previous process left
behind, and starts relaying job events to WebSocket clients; shutdown undoes it in reverse.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from busplan import __version__
from busplan.api import errors
from busplan.api.limits import BodyLimit
from busplan.api.metrics import Metrics
from busplan.api.ratelimit import build_rate_limiter
from busplan.api.routes import (
    exports,
    health,
    job_problem,
    jobs,
    optimize,
    problems,
    scenarios,
    tasks,
    web,
    ws_ticket,
)
from busplan.api.tickets import build_ticket_book
from busplan.api.ws import route as ws_route
from busplan.api.ws.manager import ConnectionManager
from busplan.api.ws.relay import Relay
from busplan.auth.keyring import KeyRing
from busplan.jobs.commands import JobCommands
from busplan.jobs.executor import Executor
from busplan.jobs.factory import build_executor, build_feed
from busplan.jobs.log import JobLog
from busplan.settings import ServiceSettings
from busplan.store import make_engine, session_factory, upgrade


def create_app(
    settings: ServiceSettings | None = None, *, executor: Executor | None = None
) -> FastAPI:
    settings = settings or ServiceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scratch = ExitStack()
        engine = make_engine(
            settings.store_url if settings.use_database else _scratch_database(scratch),
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_recycle=settings.database_pool_recycle,
        )
        await to_thread.run_sync(upgrade, engine)
        job_log = JobLog(session_factory(engine))
        jobs = JobCommands(job_log, executor or build_executor(settings))
        feed = build_feed(settings, jobs.executor)
        manager = ConnectionManager(queue_size=settings.ws_send_queue)
        relay = Relay(job_log, manager, feed)
        metrics = Metrics(job_log, manager)
        job_log.subscribe(feed.publish)
        job_log.subscribe(metrics.on_update)
        app.state.settings, app.state.jobs = settings, jobs
        app.state.manager, app.state.metrics = manager, metrics
        app.state.keyring = KeyRing(session_factory(engine))
        app.state.rate_limiter = build_rate_limiter(settings)
        app.state.tickets = build_ticket_book(settings)
        await to_thread.run_sync(jobs.start)
        try:
            yield
        finally:
            await manager.close_all()
            await to_thread.run_sync(jobs.stop)
            await relay.stop()
            engine.dispose()
            scratch.close()

    app = FastAPI(
        title="busplan",
        version=__version__,
        summary="School-bus fleet optimization as a service: jobs, live progress, results.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    for module in (optimize, jobs, job_problem, scenarios, exports, tasks, problems, health):
        app.include_router(module.router)
    if settings.websocket_enabled:
        app.include_router(ws_route.router)
        app.include_router(ws_ticket.router)
    web.install(app)
    return app


def _scratch_database(stack: ExitStack) -> str:
    """USE_DATABASE=false: an SQLite file in a directory removed at shutdown. A file rather
    than `:memory:`, so that the API's threads can read while the executor thread writes."""
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="busplan-jobs-"))
    return f"sqlite:///{folder}/jobs.db"
