"""Jobs: state, result, cancellation and the newest-first list."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Response

from busplan.api.auth import TenantDep
from busplan.api.deps import JobsDep, LogDep
from busplan.api.errors import ApiError
from busplan.api.schemas import Cancelled, JobPage, JobResult, JobView
from busplan.store.states import JobState

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("")
def list_jobs(
    job_log: LogDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    status: JobState | None = None,
) -> JobPage:
    rows, total = job_log.page(limit=limit, offset=offset, state=status, tenant=tenant)
    return JobPage(items=[JobView.of(j) for j in rows], total=total, limit=limit, offset=offset)


@router.get("/{job_id}")
def get_job(job_id: str, job_log: LogDep, tenant: TenantDep) -> JobView:
    return JobView.of(job_log.listing(job_id, tenant=tenant))


@router.get("/{job_id}/result", response_model=JobResult)
@router.get("/{job_id}/results", include_in_schema=False, response_model=JobResult)
def get_result(job_id: str, job_log: LogDep, tenant: TenantDep) -> Response:
    """The solution and its statistics; 409 while the job has not completed.

    The solution goes out as the stored JSON text, never parsed: a region's week is megabytes.
    """
    job = job_log.listing(job_id, tenant=tenant)
    document = job_log.document(job_id, "result", tenant=tenant)
    if job.state != JobState.COMPLETED or document is None:
        raise ApiError(
            409,
            "RESULT_NOT_READY",
            f"job {job_id} is {job.state}; a result exists only once it is completed",
        )
    stats = {k: v for k, v in (job.summary or {}).items() if k != "lower_bound"}
    head = json.dumps({"job_id": job.id, "status": job.state.value, "stats": stats})
    return Response(head[:-1] + ', "result": ' + document + "}", media_type="application/json")


@router.delete("/{job_id}")
def cancel_job(job_id: str, jobs: JobsDep, tenant: TenantDep) -> Cancelled:
    """Cancel a queued or running job; 409 if it has already finished."""
    job = jobs.cancel(job_id, tenant=tenant)
    return Cancelled(job_id=job.id, status=job.state, message="job cancelled")
