"""Keyword-only data access for jobs and their event logs.

Callers own the transaction (`with sessions.begin() as session:`). State changes and sequence
numbers are single conditional UPDATEs, so they stay correct with several writers (API requests,
the progress pump, other API nodes sharing one PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, Text, bindparam, func, select, text, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, defer

from busplan.core.model import DAYS
from busplan.store.models import Event, Job
from busplan.store.states import FINISHED, InvalidTransition, JobNotFound, JobState, sources

_JOBS = cast(Table, Job.__table__)


def create_job(
    *,
    session: Session,
    job_id: str,
    problem: dict[str, Any],
    params: dict[str, Any],
    trips: int,
    name: str,
    now: datetime,
    tenant: str = "default",
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    derived_from: str | None = None,
    bell_moves: list[dict[str, Any]] | None = None,
) -> Job:
    job = Job(
        id=job_id,
        tenant=tenant,
        state=JobState.QUEUED.value,
        name=name[:200],
        trips=trips,
        problem=problem,
        params=params,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        derived_from=derived_from,
        bell_moves=bell_moves,
        attempts=0,
        progress=0.0,
        message="queued",
        last_seq=0,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job


def get_job(*, session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id, populate_existing=True)


def require_job(*, session: Session, job_id: str) -> Job:
    job = get_job(session=session, job_id=job_id)
    if job is None:
        raise JobNotFound(job_id)
    return job


def get_job_by_task(*, session: Session, task_id: str) -> Job | None:
    return session.scalars(select(Job).where(Job.task_id == task_id)).first()


def get_job_by_idempotency_key(*, session: Session, key: str) -> Job | None:
    return session.scalars(select(Job).where(Job.idempotency_key == key)).first()


def list_jobs(
    *,
    session: Session,
    limit: int,
    offset: int,
    state: JobState | None = None,
    tenant: str | None = None,
    derived_from: str | None = None,
) -> tuple[Sequence[Job], int]:
    """A page of jobs, newest first, and the total number matching (of one tenant, in one
    state, derived from one job, when given), without their problems and results."""
    conditions = []
    if tenant is not None:
        conditions.append(Job.tenant == tenant)
    if state is not None:
        conditions.append(Job.state == state.value)
    if derived_from is not None:
        conditions.append(Job.derived_from == derived_from)
    query = select(Job).options(*_LIGHT).where(*conditions)
    counted = select(func.count()).select_from(Job).where(*conditions)
    rows = session.scalars(
        query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)
    ).all()
    return rows, session.scalar(counted) or 0


_LIGHT = (defer(Job.problem, raiseload=True), defer(Job.result, raiseload=True))
"""Listing options: a job's problem and result stay in the database (touching them raises)."""


def get_job_light(*, session: Session, job_id: str) -> Job | None:
    """The job without its problem and result documents."""
    return session.scalars(select(Job).options(*_LIGHT).where(Job.id == job_id)).first()


def job_document(
    *, session: Session, job_id: str, part: str, tenant: str | None = None
) -> str | None:
    """The job's `problem` or `result` as the JSON text the database holds, not parsed: a
    region's documents are megabytes, and the API sends them on as they are."""
    column = {"problem": Job.problem, "result": Job.result}[part]
    query = select(sql_cast(column, Text)).where(Job.id == job_id)
    if tenant is not None:
        query = query.where(Job.tenant == tenant)
    return session.scalar(query)


# The week's stats and each day's lower bound, read inside the database: one parse of the
# stored text on SQLite (one json_extract of several paths), one path query on PostgreSQL.
_BOUNDS = ", ".join(f"'$.days.\"{day}\".stats.lower_bound'" for day in DAYS)
_SUMMARY_SQL = {
    "sqlite": f"""SELECT id, json_extract(result, '$.stats', {_BOUNDS})
        FROM jobs WHERE id IN :ids AND result IS NOT NULL""",
    "postgresql": """SELECT id, jsonb_build_array(result -> 'stats')
          || jsonb_path_query_array(result, '$.days.*.stats.lower_bound')
        FROM jobs WHERE id IN :ids AND result IS NOT NULL""",
}


def result_summaries(*, session: Session, job_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """For each job with a result: its week's stats plus `lower_bound`, the largest of its
    days' lower bounds (None if no day states one). Jobs without a result are left out."""
    if not job_ids:
        return {}
    sql = _SUMMARY_SQL.get(session.get_bind().dialect.name)
    if sql is None:
        raise NotImplementedError(f"no summary query for {session.get_bind().dialect.name}")
    query = text(sql).bindparams(bindparam("ids", expanding=True))
    out: dict[str, dict[str, Any]] = {}
    for job_id, found in session.execute(query, {"ids": list(job_ids)}):
        stats, *bounds = json.loads(found) if isinstance(found, str) else found
        numbers = [b for b in bounds if isinstance(b, int | float)]
        week = stats if isinstance(stats, dict) else {}
        out[job_id] = {**week, "lower_bound": max(numbers, default=None)}
    return out


def jobs_in_state(*, session: Session, state: JobState) -> Sequence[Job]:
    return session.scalars(
        select(Job).where(Job.state == state.value).order_by(Job.created_at)
    ).all()


def count_queued(*, session: Session, tenant: str) -> int:
    """Jobs of the tenant waiting for a worker."""
    counted = select(func.count()).select_from(Job)
    return session.scalar(counted.where(Job.tenant == tenant, Job.state == "queued")) or 0


def count_by_state(*, session: Session) -> dict[JobState, int]:
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    counts = dict.fromkeys(JobState, 0)
    for state, n in rows:
        counts[JobState(state)] = n
    return counts


def assign_task(*, session: Session, job_id: str, task_id: str, now: datetime) -> None:
    """Record the runner task now carrying the job (one more attempt)."""
    session.execute(
        update(_JOBS)
        .where(_JOBS.c.id == job_id)
        .values(task_id=task_id, attempts=_JOBS.c.attempts + 1, updated_at=now)
    )


def transition(
    *,
    session: Session,
    job_id: str,
    to: JobState,
    now: datetime,
    message: str | None = None,
    result: dict[str, Any] | None = None,
    error_code: str | None = None,
    error: str | None = None,
) -> Job:
    """Move a job to `to`, if `busplan.store.states.TRANSITIONS` allows it from where it is.

    Raises InvalidTransition (for example a worker completing a job the user just cancelled:
    the first to commit wins) or JobNotFound.
    """
    values: dict[str, Any] = {"state": to.value, "updated_at": now}
    if to is JobState.RUNNING:
        values["started_at"] = now
    if to in FINISHED:
        values["finished_at"] = now
    if to is JobState.COMPLETED:
        values |= {"progress": 100.0, "phase": "completed"}
    optional = {"message": message, "result": result, "error_code": error_code, "error": error}
    values |= {k: v for k, v in optional.items() if v is not None}
    allowed = [s.value for s in sources(to)]
    done = session.execute(
        update(_JOBS).where(_JOBS.c.id == job_id, _JOBS.c.state.in_(allowed)).values(**values)
    )
    job = get_job(session=session, job_id=job_id)
    if job is None:
        raise JobNotFound(job_id)
    if getattr(done, "rowcount", 0) != 1:
        raise InvalidTransition(job_id, JobState(job.state), to)
    return job


def append_event(
    *,
    session: Session,
    job_id: str,
    kind: str,
    phase: str | None,
    progress: float,
    message: str,
    at: datetime,
    data: dict[str, Any] | None = None,
    while_in: JobState | None = None,
) -> int | None:
    """Add an event to the job's log and return its seq (None if the job is not `while_in`).

    Progress events also update the job's snapshot (phase, progress, message). The seq comes
    from an atomic increment of `jobs.last_seq`, so it is gapless and strictly increasing.
    """
    values: dict[str, Any] = {"last_seq": _JOBS.c.last_seq + 1, "updated_at": at}
    if kind == "progress":
        values |= {"phase": phase, "progress": progress, "message": message}
    condition = [_JOBS.c.id == job_id]
    if while_in is not None:
        condition.append(_JOBS.c.state == while_in.value)
    seq = session.execute(
        update(_JOBS).where(*condition).values(**values).returning(_JOBS.c.last_seq)
    ).scalar_one_or_none()
    if seq is None:
        return None
    session.add(
        Event(
            job_id=job_id,
            seq=seq,
            kind=kind,
            phase=phase,
            progress=progress,
            message=message,
            data=data,
            at=at,
        )
    )
    session.flush()
    return int(seq)


def events_after(*, session: Session, job_id: str, seq: int) -> Sequence[Event]:
    """The job's events with a seq above `seq`, oldest first."""
    return session.scalars(
        select(Event).where(Event.job_id == job_id, Event.seq > seq).order_by(Event.seq)
    ).all()
