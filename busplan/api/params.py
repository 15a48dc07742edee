"""Request options to job parameters, checked against the service's limits."""

from __future__ import annotations

from busplan.api.errors import ApiError
from busplan.api.schemas import OptimizeRequest
from busplan.core import DAYS
from busplan.jobs.record import JobParams
from busplan.settings import ServiceSettings


def job_params(request: OptimizeRequest, settings: ServiceSettings, *, limit: float) -> JobParams:
    """The parameters of a job; 422 with field paths if an option is out of range."""
    errors = []
    time_limit = request.time_limit or min(settings.default_time_limit, limit)
    if time_limit > limit:
        errors.append({"path": "time_limit", "reason": f"at most {limit:g} seconds here"})
    for n, day in enumerate(request.days or []):
        if day not in DAYS:
            errors.append({"path": f"days[{n}]", "reason": f"{day!r} is not one of {DAYS}"})
    if errors:
        raise ApiError(
            422, "INVALID_REQUEST", "the request is not valid; see errors", errors=errors
        )
    return JobParams(
        time_limit=time_limit,
        seed=request.seed,
        days=tuple(request.days) if request.days else None,
        workers=settings.solver_threads,
    )
