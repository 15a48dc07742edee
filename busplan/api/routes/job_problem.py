"""`GET /jobs/{job_id}/problem`: the problem a job was given, as submitted.

Results name trips by id only; a client that shows them on a map or with their schools needs
the trips themselves, also for jobs it did not submit.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from busplan.api.auth import TenantDep
from busplan.api.deps import LogDep

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("/{job_id}/problem")
def get_problem(job_id: str, job_log: LogDep, tenant: TenantDep) -> dict[str, Any]:
    """The problem document of the job (docs/formats.md), whatever its state."""
    return dict(job_log.require(job_id, tenant=tenant).problem)
