"""`GET /jobs/{job_id}/export.pdf|.xlsx`: the timetables of a completed job as files."""

from __future__ import annotations

from typing import Any, Literal

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

Lang = Literal["gl", "es", "en"]
"""Languages of the exported words (the API itself speaks English)."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/{job_id}/export.pdf", response_class=Response)
def export_job_pdf(job_id: str, job_log: LogDep, tenant: TenantDep, lang: Lang = "en") -> Response:
    """For planners, each day's buses as a chart and its figures; for drivers, one sheet per
    bus for the week. `lang`: the words' language (gl, es or en)."""
    return _export(job_log.require(job_id, tenant=tenant), "pdf", lang)


@router.get("/{job_id}/export.xlsx", response_class=Response)
def export_job_xlsx(job_id: str, job_log: LogDep, tenant: TenantDep, lang: Lang = "en") -> Response:
    """A workbook with a summary, one sheet per day, and the trips, in `lang`."""
    return _export(job_log.require(job_id, tenant=tenant), "xlsx", lang)


def _export(job: JobRecord, kind: str, lang: str) -> Response:
    job_id = job.id
    if job.state != JobState.COMPLETED or job.result is None:
        raise ApiError(409, "RESULT_NOT_READY", f"job {job_id} is {job.state}; nothing to export")
    problem = read_problem(job.problem)
    solution = parse_solution(job.result)
    bounds = _bounds(job.result)
    content = (
        export_pdf(problem, solution, bounds, lang=lang)
        if kind == "pdf"
        else export_xlsx(problem, solution, bounds, lang=lang)
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
