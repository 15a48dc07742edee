"""Limits on what one submission and one tenant may ask of the service (413 and 429)."""

from __future__ import annotations

from typing import Any

from busplan.api.errors import ApiError
from busplan.jobs.log import JobLog


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
