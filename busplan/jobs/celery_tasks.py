"""The one Celery task: run a job by its id (the problem is read from the database).

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

from busplan.jobs.celery_app import TASK_NAME, BusplanCelery
from busplan.jobs.celery_worker import InfrastructureError, context_for, run_delivery

log = logging.getLogger(__name__)


def register_tasks(app: BusplanCelery) -> None:
    settings = app.settings
    backoff = settings.celery_retry_backoff

    @app.task(bind=True, name=TASK_NAME, max_retries=len(backoff))  # type: ignore[untyped-decorator]
    def run_job(self: Any, job_id: str) -> str:
        task_id, started = str(self.request.id), time.monotonic()  # Celery's limits start here
        try:
            return run_delivery(context_for(settings), job_id, task_id, started)
        except InfrastructureError as exc:
            retries = int(self.request.retries)
            if retries >= len(backoff):
                log.error("job %s stays queued: %s (after %d retries)", job_id, exc, retries)
                return "gave up: database unreachable"
            log.warning("job %s: %s; retry in %g s", job_id, exc, backoff[retries])
            raise self.retry(exc=exc, countdown=backoff[retries]) from exc
