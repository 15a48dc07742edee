"""Submitting optimizations: queued (`/optimize-async`) or, for small problems, synchronous;
either with some bells moved (`bell_moves`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response, status

from busplan.api.auth import TenantDep, current_tenant
from busplan.api.bells import requested_moves
from busplan.api.deps import JobsDep, SettingsDep
from busplan.api.errors import ApiError
from busplan.api.params import check_parent, check_queue, check_size, job_params
from busplan.api.schemas import JobAccepted, OptimizeRequest, SyncResult
from busplan.io.solution_json import solution_to_dict
from busplan.jobs.documents import read_problem
from busplan.jobs.record import JobRecord
from busplan.routing.solving import solve_with_travel
from busplan.settings import ServiceSettings

router = APIRouter(tags=["optimize"])


@router.post("/optimize-async", status_code=status.HTTP_202_ACCEPTED)
def optimize_async(
    body: OptimizeRequest,
    response: Response,
    jobs: JobsDep,
    settings: SettingsDep,
    tenant: TenantDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JobAccepted:
    """Queue an optimization; 202 for a new job, 200 when an Idempotency-Key repeats one."""
    check_size(body.problem, settings.max_trips)
    params = job_params(body, settings, limit=settings.max_time_limit)
    parent = check_parent(jobs.log, body.derived_from, tenant)
    moved = requested_moves(body)
    check_queue(jobs.log, tenant, settings.max_queued_jobs_per_tenant)
    job, created = jobs.submit(
        problem=moved.document,
        params=params,
        idempotency_key=idempotency_key,
        tenant=tenant,
        derived_from=parent,
        bell_moves=moved.moves,
    )
    return accepted(job, created, response, settings)


def accepted(
    job: JobRecord, created: bool, response: Response, settings: ServiceSettings
) -> JobAccepted:
    """202 and where the job is, or 200 when an Idempotency-Key repeated a request."""
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/jobs/{job.id}"
    return JobAccepted(
        job_id=job.id,
        task_id=job.task_id,
        status=job.state,
        message="optimization queued" if created else "the same request was already accepted",
        websocket_url=f"/ws/optimize/{job.id}" if settings.websocket_enabled else None,
    )


@router.post("/optimize", dependencies=[Depends(current_tenant)])
def optimize_now(body: OptimizeRequest, settings: SettingsDep) -> SyncResult:
    """Solve a small problem within the request (413 for bigger ones: use /optimize-async),
    with the travel times a job would have (OSRM when configured)."""
    check_size(body.problem, settings.max_trips)
    if body.derived_from is not None:
        raise ApiError(
            422,
            "INVALID_REQUEST",
            "the request is not valid; see errors",
            errors=[{"path": "derived_from", "reason": "POST /optimize stores no job"}],
        )
    problem = read_problem(requested_moves(body).document)
    if len(problem.trips) > settings.sync_max_trips:
        raise ApiError(
            413,
            "PROBLEM_TOO_LARGE",
            f"{len(problem.trips)} trips; POST /optimize solves at most "
            f"{settings.sync_max_trips}. Submit it to POST /optimize-async and follow its "
            "progress on the WebSocket instead.",
        )
    params = job_params(body, settings, limit=settings.sync_max_time_limit)
    solution = solve_with_travel(problem, params.solve_params(), settings.routing())
    result = solution_to_dict(solution)
    return SyncResult(status="completed", result=result, stats=result["stats"])
