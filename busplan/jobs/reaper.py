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
    for lapse in found:
        owner = lapse.owner.removeprefix(leases.PENDING) if lapse.owner else None
        run = run_number(owner)
        if run <= len(policy.backoff):
            acted += _run_again(sessions, policy, send, sink, lapse, run, now)
        else:
            acted += _fail(sessions, sink, lapse, run, now, policy)
    return acted


def _run_again(
    sessions: sessionmaker[Session],
    policy: RetryPolicy,
    send: Send,
    sink: EventSink,
    lapse: leases.Lapsed,
    run: int,
    now: datetime,
) -> int:
    countdown = policy.backoff[run - 1]
    task_id = task_id_for(lapse.job_id, run + 1)
    with sessions.begin() as session:
        won = leases.hand_over(
            session=session,
            job_id=lapse.job_id,
            owner=lapse.owner,
            task_id=task_id,
            now=now,
            hold=countdown + policy.hold,
        )
    if not won:
        return 0
    log.warning("job %s lost its worker; run %d in %g s", lapse.job_id, run + 1, countdown)
    sink(
        RunEvent(
            "progress",
            lapse.job_id,
            task_id,
            time.time(),
            phase="starting",
            progress=0.0,
            message=f"the worker was lost; running the job again in {countdown:g} s "
            f"(run {run + 1} of {len(policy.backoff) + 1})",
            data={"retry_in": countdown, "run": run + 1},
        )
    )
    send(lapse.job_id, task_id, countdown)
    return 1


def _fail(
    sessions: sessionmaker[Session],
    sink: EventSink,
    lapse: leases.Lapsed,
    run: int,
    now: datetime,
    policy: RetryPolicy,
) -> int:
    with sessions.begin() as session:
        won = leases.give_up(session=session, job_id=lapse.job_id, owner=lapse.owner, now=now)
    if not won:
        return 0
    log.error("job %s lost its worker on run %d; no runs left", lapse.job_id, run)
    how = f"the worker running this job stopped answering for {policy.lease:g} s"
    sink(lost(lapse.job_id, lapse.owner or "", f"{how} (run {run} of {len(policy.backoff) + 1})"))
    return 1
