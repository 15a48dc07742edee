"""Liveness, readiness (database reachable, executor alive) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from busplan.api.deps import JobsDep
from busplan.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> Health:
    """The process is up and serving requests."""
    return Health(status="ok")


@router.get("/readyz", responses={503: {"model": Health}})
def readyz(jobs: JobsDep, response: Response) -> Health:
    """Ready to accept jobs: the database answers and the executor is alive."""
    checks = {"database": "ok", "runner": "ok" if jobs.executor.alive() else "not running"}
    try:
        jobs.log.ping()
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    response.status_code = 200 if ready else 503
    checks |= jobs.executor.notes()  # executor mode, broker: informative only
    return Health(status="ready" if ready else "not ready", checks=checks)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
