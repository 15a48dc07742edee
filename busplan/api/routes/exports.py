"""`GET /jobs/{job_id}/export.pdf|.xlsx`: the timetables of a completed job as files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from busplan.api.auth import TenantDep
from busplan.api.deps import LogDep
from busplan.api.errors import ApiError
from busplan.io.export_pdf import export_pdf
from busplan.io.export_xlsx import export_xlsx
from busplan.io.solution_json import parse_solution
from busplan.jobs.documents import read_problem
from busplan.jobs.record import JobRecord
from busplan.store.states import JobState

router = APIRouter(prefix="/jobs", tags=["jobs"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/{job_id}/export.pdf", response_class=Response)
def export_job_pdf(job_id: str, job_log: LogDep, tenant: TenantDep) -> Response:
    """Per-bus timetables for drivers, one page per bus after each day's summary."""
    return _export(job_log.require(job_id, tenant=tenant), "pdf")


@router.get("/{job_id}/export.xlsx", response_class=Response)
def export_job_xlsx(job_id: str, job_log: LogDep, tenant: TenantDep) -> Response:
    """A workbook with a summary, one sheet per day, and the trips."""
    return _export(job_log.require(job_id, tenant=tenant), "xlsx")


def _export(job: JobRecord, kind: str) -> Response:
    job_id = job.id
    if job.state != JobState.COMPLETED or job.result is None:
        raise ApiError(409, "RESULT_NOT_READY", f"job {job_id} is {job.state}; nothing to export")
    problem = read_problem(job.problem)
    solution = parse_solution(job.result)
    bounds = _bounds(job.result)
    content = (
        export_pdf(problem, solution, bounds)
        if kind == "pdf"
        else export_xlsx(problem, solution, bounds)
    )
    media = "application/pdf" if kind == "pdf" else XLSX
    filename = f"busplan-{job_id}.{kind}"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _bounds(result: dict[str, Any]) -> dict[str, int]:
    """Each day's proven lower bound on buses, as stored with the solution."""
    return {
        day: int(plan["stats"]["lower_bound"])
        for day, plan in result.get("days", {}).items()
        if isinstance(plan.get("stats"), dict) and "lower_bound" in plan["stats"]
    }
