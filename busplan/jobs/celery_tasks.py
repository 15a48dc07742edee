"""The Celery tasks: run a job by its id (the problem is read from the database), and run one
part of a job split over the workers (`busplan.jobs.split_run`).

The message carries only the job id, so a redelivered or duplicated message costs nothing:
the claim decides whether this delivery runs the job. Only infrastructure failures before the
claim are retried here, with the configured backoff; a failure after the claim (a lost worker)
is retried through the lapsed claim, and an invalid problem or an optimizer error is a final
`failed`, never retried.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from busplan.jobs.celery_app import PART_TASK_NAME, TASK_NAME, BusplanCelery
from busplan.jobs.celery_worker import InfrastructureError, context_for, run_delivery, run_part
from busplan.jobs.split import Part

log = logging.getLogger(__name__)


def register_tasks(app: BusplanCelery) -> None:
    settings = app.settings
    backoff = settings.celery_retry_backoff

    @app.task(bind=True, name=TASK_NAME, max_retries=len(backoff))  # type: ignore[untyped-decorator]
    def run_job(self: Any, job_id: str) -> str:
        task_id, started = str(self.request.id), time.monotonic()  # Celery's limits start here
        try:
            return run_delivery(context_for(settings), job_id, task_id, started, send_part)
        except InfrastructureError as exc:
            retries = int(self.request.retries)
            if retries >= len(backoff):
                log.error("job %s stays queued: %s (after %d retries)", job_id, exc, retries)
                return "gave up: database unreachable"
            log.warning("job %s: %s; retry in %g s", job_id, exc, backoff[retries])
            raise self.retry(exc=exc, countdown=backoff[retries]) from exc

    def send_part(job_id: str, part: Part, run: int) -> None:
        app.send_task(
            PART_TASK_NAME,
            args=[job_id, part.to_dict()],
            task_id=part_task_id(job_id, part.index, run),
            queue=settings.celery_queue,
        )

    @app.task(bind=True, name=PART_TASK_NAME, max_retries=0)  # type: ignore[untyped-decorator]
    def run_job_part(self: Any, job_id: str, part: dict[str, Any]) -> str:
        """A part's failure is reported to the job's gatherer through Redis, never retried."""
        return run_part(context_for(settings), job_id, Part.of(part), str(self.request.id))


def part_task_id(job_id: str, part: int, run: int) -> str:
    """`<job id>:part<n>:<run>`: never mistaken for a run of the job itself."""
    return f"{job_id}:part{part}:{run}"
