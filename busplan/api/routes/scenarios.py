"""Bell scenarios of a job: its bells, a what-if with some of them moved, and its what-ifs.

A scenario is a job of its own, solved like any other: its problem is the parent's with the
moved bells' trips at their new times, and it records the parent (`derived_from`) and the
moves (`bell_moves`), so two plans can be set side by side.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from busplan.api.auth import TenantDep
from busplan.api.bells import bell_rules, move_document
from busplan.api.deps import JobsDep, LogDep, SettingsDep
from busplan.api.params import check_queue, scenario_params
from busplan.api.routes.optimize import accepted
from busplan.api.schemas import BellsView, BellView, JobAccepted, JobPage, JobView, ScenarioRequest
from busplan.core.bells import BellRules, bells_of
from busplan.core.units import format_clock
from busplan.io.bells_json import rules_to_dict
from busplan.jobs.documents import read_problem

router = APIRouter(prefix="/jobs", tags=["scenarios"])


@router.get("/{job_id}/bells")
def get_bells(job_id: str, job_log: LogDep, tenant: TenantDep) -> BellsView:
    """The bells of the job's problem (school, kind, official time, trips), the moves allowed
    by default, and for a scenario the bells it moved from its parent's problem."""
    job = job_log.require(job_id, tenant=tenant)
    bells = [
        BellView(
            school=b.school_id,
            school_name=b.school_name,
            kind=b.kind.value,
            time=format_clock(b.time_s),
            trips=len(b.trips),
        )
        for b in bells_of(read_problem(job.problem))
    ]
    return BellsView(
        job_id=job.id,
        derived_from=job.derived_from,
        rules=rules_to_dict(BellRules()),
        bells=bells,
        moves=job.bell_moves,
    )


@router.post("/{job_id}/scenarios", status_code=status.HTTP_202_ACCEPTED)
def create_scenario(
    job_id: str,
    body: ScenarioRequest,
    response: Response,
    jobs: JobsDep,
    settings: SettingsDep,
    tenant: TenantDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JobAccepted:
    """Queue the job's problem with the bells of `bell_moves` moved, as a new job derived from
    it, with its time limit, seed and days unless given; 422 naming the move it refuses."""
    parent = jobs.log.require(job_id, tenant=tenant)
    params = scenario_params(body, parent, settings)
    moved = move_document(parent.problem, body.bell_moves, bell_rules(body.bell_rules))
    check_queue(jobs.log, tenant, settings.max_queued_jobs_per_tenant)
    job, created = jobs.submit(
        problem=moved.document,
        params=params,
        idempotency_key=idempotency_key,
        tenant=tenant,
        derived_from=parent.id,
        bell_moves=moved.moves,
    )
    return accepted(job, created, response, settings)


@router.get("/{job_id}/scenarios")
def list_scenarios(
    job_id: str,
    job_log: LogDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JobPage:
    """The jobs derived from this one, newest first."""
    parent = job_log.require(job_id, tenant=tenant)
    rows, total = job_log.page(
        limit=limit, offset=offset, state=None, tenant=tenant, derived_from=parent.id
    )
    return JobPage(items=[JobView.of(j) for j in rows], total=total, limit=limit, offset=offset)
