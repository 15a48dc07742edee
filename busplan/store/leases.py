"""Claims of jobs by Celery workers: who runs a job, and until when the claim holds.

A broker may deliver a task twice (late acknowledgement, a redelivery after a lost connection),
so a worker runs a job only after claiming it here. Claiming is one conditional UPDATE
(`queued -> running`, or taking over a `pending:<task id>` hand-over) inside one transaction
with the lease row, so of any number of deliveries exactly one wins. The running worker renews
its lease; a lease that lapses is how a lost worker is noticed from anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, exists, select, update
from sqlalchemy.orm import Session

from busplan.store import repository as repo
from busplan.store.models import Job, JobLease
from busplan.store.states import InvalidTransition, JobState

_LEASES = cast(Table, JobLease.__table__)
PENDING = "pending:"


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of one delivery: `job` is set when this task may run it."""

    job: Job | None
    state: JobState | None
    """The job's state when the claim was refused (None: no such job)."""


@dataclass(frozen=True, slots=True)
class Lapsed:
    job_id: str
    owner: str | None
    """The task whose claim lapsed (None: a running job with no claim at all)."""
    attempts: int


def pending(task_id: str) -> str:
    return PENDING + task_id


def claim(*, session: Session, job_id: str, task_id: str, now: datetime, lease: float) -> Claim:
    """Claim the job for `task_id`: from `queued`, or a hand-over reserved for this task."""
    until = now + timedelta(seconds=lease)
    try:
        job = repo.transition(
            session=session, job_id=job_id, to=JobState.RUNNING, now=now, message="running"
        )
    except InvalidTransition as refused:
        if refused.current is not JobState.RUNNING:
            return Claim(None, refused.current)
        taken = session.execute(
            update(_LEASES)
            .where(_LEASES.c.job_id == job_id, _LEASES.c.owner == pending(task_id))
            .values(owner=task_id, until=until)
        )
        if getattr(taken, "rowcount", 0) != 1:
            return Claim(None, JobState.RUNNING)
        return Claim(repo.require_job(session=session, job_id=job_id), None)
    except LookupError:
        return Claim(None, None)
    session.execute(delete(_LEASES).where(_LEASES.c.job_id == job_id))
    session.add(JobLease(job_id=job_id, owner=task_id, until=until))
    session.flush()
    return Claim(job, None)


def renew(*, session: Session, job_id: str, owner: str, now: datetime, lease: float) -> bool:
    """Extend the claim; False if the job is no longer running under this owner (cancelled,
    finished, or handed to another task after the claim lapsed)."""
    running = exists().where(Job.id == job_id, Job.state == JobState.RUNNING.value)
    done = session.execute(
        update(_LEASES)
        .where(_LEASES.c.job_id == job_id, _LEASES.c.owner == owner, running)
        .values(until=now + timedelta(seconds=lease))
    )
    return getattr(done, "rowcount", 0) == 1


def release(*, session: Session, job_id: str, owner: str) -> None:
    session.execute(delete(_LEASES).where(_LEASES.c.job_id == job_id, _LEASES.c.owner == owner))


def holder(*, session: Session, job_id: str) -> JobLease | None:
    return session.get(JobLease, job_id, populate_existing=True)


def lapsed(*, session: Session, now: datetime, grace: float, limit: int = 100) -> list[Lapsed]:
    """Running jobs whose claim has lapsed, or that have had none for `grace` seconds."""
    with_lease = session.execute(
        select(Job.id, JobLease.owner, Job.attempts)
        .join(JobLease, JobLease.job_id == Job.id)
        .where(Job.state == JobState.RUNNING.value, JobLease.until < now)
        .limit(limit)
    ).all()
    no_lease = session.execute(
        select(Job.id, Job.attempts)
        .outerjoin(JobLease, JobLease.job_id == Job.id)
        .where(
            Job.state == JobState.RUNNING.value,
            JobLease.job_id.is_(None),
            Job.updated_at < now - timedelta(seconds=grace),
        )
        .limit(limit)
    ).all()
    found = [Lapsed(j, o, a) for j, o, a in with_lease]
    return found + [Lapsed(j, None, a) for j, a in no_lease]


def hand_over(
    *,
    session: Session,
    job_id: str,
    owner: str | None,
    task_id: str,
    now: datetime,
    hold: float,
) -> bool:
    """Reserve a lapsed job for a new task, which must claim it within `hold` seconds.

    Conditional on the claim still being the lapsed one, so of several API nodes noticing
    the same lapse one hands the job over; the job's attempts count up by one.
    """
    until = now + timedelta(seconds=hold)
    if owner is None:
        if holder(session=session, job_id=job_id) is not None:
            return False
        session.add(JobLease(job_id=job_id, owner=pending(task_id), until=until))
    else:
        done = session.execute(
            update(_LEASES)
            .where(_LEASES.c.job_id == job_id, _LEASES.c.owner == owner, _LEASES.c.until < now)
            .values(owner=pending(task_id), until=until)
        )
        if getattr(done, "rowcount", 0) != 1:
            return False
    jobs = cast(Table, Job.__table__)
    session.execute(
        update(jobs)
        .where(jobs.c.id == job_id)
        .values(task_id=task_id, attempts=jobs.c.attempts + 1, updated_at=now)
    )
    session.flush()
    return True


def give_up(*, session: Session, job_id: str, owner: str | None, now: datetime) -> bool:
    """Drop a lapsed claim before failing its job; False if another node got there first."""
    if owner is None:
        return True
    done = session.execute(
        delete(_LEASES).where(
            _LEASES.c.job_id == job_id, _LEASES.c.owner == owner, _LEASES.c.until < now
        )
    )
    return getattr(done, "rowcount", 0) == 1


def running_owner(*, session: Session, job_id: str) -> str | None:
    """The task actually running the job now (not a pending hand-over), if any."""
    lease = holder(session=session, job_id=job_id)
    if lease is None or lease.owner.startswith(PENDING):
        return None
    return lease.owner
