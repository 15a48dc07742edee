"""`GET /jobs/{job_id}/problem`: the problem a job was given, as submitted.

Results name trips by id only; a client that shows them on a map or with their schools needs
the trips themselves, also for jobs it did not submit.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from busplan.api.auth import TenantDep
from busplan.api.deps import LogDep
from busplan.store.states import JobNotFound

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("/{job_id}/problem", response_model=dict[str, Any])
def get_problem(job_id: str, job_log: LogDep, tenant: TenantDep) -> Response:
    """The problem document of the job (docs/formats.md), whatever its state, sent as the
    stored JSON text: a region's problem is megabytes, not worth parsing to send on."""
    document = job_log.document(job_id, "problem", tenant=tenant)
    if document is None:
        raise JobNotFound(job_id)
    return Response(document, media_type="application/json")
