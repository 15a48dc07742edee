"""What a request may ask: its options as job parameters, checked against the service's
limits, and the size and queue quotas of a submission and a tenant (413 and 429)."""

from __future__ import annotations

from typing import Any

from busplan.api.errors import ApiError
from busplan.api.schemas import OptimizeRequest, ScenarioRequest
from busplan.core import DAYS
from busplan.jobs.log import JobLog
from busplan.jobs.record import JobParams, JobRecord
from busplan.settings import ServiceSettings
from busplan.store.states import JobNotFound


def job_params(request: OptimizeRequest, settings: ServiceSettings, *, limit: float) -> JobParams:
    """The parameters of a job; 422 with field paths if an option is out of range."""
    time_limit = request.time_limit or min(settings.default_time_limit, limit)
    return _checked(time_limit, request.seed, request.days, settings, limit=limit)


def scenario_params(
    request: ScenarioRequest, parent: JobRecord, settings: ServiceSettings
) -> JobParams:
    """A scenario's parameters: those asked for, else its parent's (its time limit kept within
    today's MAX_TIME_LIMIT)."""
    limit = settings.max_time_limit
    time_limit = request.time_limit or min(parent.params.time_limit, limit)
    seed = parent.params.seed if request.seed is None else request.seed
    days = request.days or (list(parent.params.days) if parent.params.days else None)
    return _checked(time_limit, seed, days, settings, limit=limit)


def _checked(
    time_limit: float, seed: int, days: list[str] | None, settings: ServiceSettings, *, limit: float
) -> JobParams:
    errors = []
    if time_limit > limit:
        errors.append({"path": "time_limit", "reason": f"at most {limit:g} seconds here"})
    for n, day in enumerate(days or []):
        if day not in DAYS:
            errors.append({"path": f"days[{n}]", "reason": f"{day!r} is not one of {DAYS}"})
    if errors:
        raise ApiError(
            422, "INVALID_REQUEST", "the request is not valid; see errors", errors=errors
        )
    return JobParams(
        time_limit=time_limit,
        seed=seed,
        days=tuple(days) if days else None,
        workers=settings.solver_threads,
    )


def check_size(problem: dict[str, Any], max_trips: int) -> None:
    """413 for a problem with more trips than any job may have; counted before parsing, so a
    huge document costs no more than reading it."""
    trips = problem.get("trips")
    if isinstance(trips, list) and len(trips) > max_trips:
        raise ApiError(
            413,
            "PROBLEM_TOO_LARGE",
            f"{len(trips)} trips; a job may have at most {max_trips} (MAX_TRIPS)",
        )


def check_queue(job_log: JobLog, tenant: str, max_queued: int) -> None:
    """429 while the tenant already has `max_queued` jobs waiting for a worker."""
    if job_log.queued(tenant) >= max_queued:
        raise ApiError(
            429,
            "TOO_MANY_QUEUED_JOBS",
            f"{max_queued} jobs of this tenant are already waiting; retry when some have started",
            headers={"Retry-After": "10"},
        )


def check_parent(job_log: JobLog, job_id: str | None, tenant: str) -> str | None:
    """The `derived_from` of a request, if it names a job of the tenant; 422 otherwise (another
    tenant's job is refused in the same words as a missing one)."""
    if job_id is None:
        return None
    try:
        return job_log.require(job_id, tenant=tenant).id
    except JobNotFound:
        raise ApiError(
            422,
            "INVALID_REQUEST",
            "the request is not valid; see errors",
            errors=[{"path": "derived_from", "reason": f"no job {job_id}"}],
        ) from None
