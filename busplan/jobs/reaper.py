"""Lost workers: running jobs whose claim has lapsed are run again, or failed.

Every API node looks; the hand-over is a conditional update, so one node acts on each lapse.
A job is run again after the configured backoff (60, 120, 240 s by default) while it has runs
left; then it fails with `WORKER_LOST`. A job never stays `running` without a live worker for
longer than its lease plus the backoff of its remaining runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from busplan.jobs.celery_app import task_id_for
from busplan.jobs.events import RunEvent
from busplan.jobs.executor import EventSink
from busplan.jobs.supervise import lost
from busplan.store import leases

log = logging.getLogger(__name__)

Send = Callable[[str, str, float], None]
"""(job id, task id, countdown seconds): enqueue a run."""


@dataclass(frozen=True)
class RetryPolicy:
    backoff: tuple[float, ...]
    lease: float
    hold: float
    """Seconds a re-run may wait in the queue before its reservation lapses too."""


def run_number(task_id: str | None) -> int:
    """Which run of its job a task is: `<job>` is 1, `<job>.<n>` is n."""
    if not task_id or "." not in task_id:
        return 1
    suffix = task_id.rsplit(".", 1)[1]
    return int(suffix) if suffix.isdigit() else 1


def reap(
    *, sessions: sessionmaker[Session], policy: RetryPolicy, send: Send, sink: EventSink
) -> int:
    """Handle every lapsed claim once; returns how many jobs were acted on."""
    now = datetime.now(UTC)
    with sessions() as session:
        found = leases.lapsed(session=session, now=now, grace=policy.lease)
    acted = 0
    runs = len(policy.backoff) + 1
    for lapse in found:
        job_id, owner = lapse.job_id, lapse.owner
        run = run_number(owner.removeprefix(leases.PENDING) if owner else None)
        if run < runs:  # a run is left: hand the job to a new task, after the backoff
            countdown, task_id = policy.backoff[run - 1], task_id_for(job_id, run + 1)
            hold = countdown + policy.hold
            with sessions.begin() as session:
                won = leases.hand_over(session=session, job_id=job_id, owner=owner,
                                       task_id=task_id, now=now, hold=hold)  # fmt: skip
            if won:
                log.warning("job %s lost its worker; run %d in %g s", job_id, run + 1, countdown)
                message = (f"the worker was lost; running the job again in {countdown:g} s "
                           f"(run {run + 1} of {runs})")  # fmt: skip
                data = {"retry_in": countdown, "run": run + 1}
                sink(RunEvent("progress", job_id, task_id, time.time(), phase="starting",
                              message=message, data=data))  # fmt: skip
                send(job_id, task_id, countdown)
        else:
            with sessions.begin() as session:
                won = leases.give_up(session=session, job_id=job_id, owner=owner, now=now)
            if won:
                log.error("job %s lost its worker on run %d; no runs left", job_id, run)
                how = f"the worker running this job stopped answering for {policy.lease:g} s"
                sink(lost(job_id, owner or "", f"{how} (run {run} of {runs})"))
        acted += won
    return acted
