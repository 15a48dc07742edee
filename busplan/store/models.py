"""Tables: jobs (problem, state, progress snapshot, result) and their progress event log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Json = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them without a zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    trips: Mapped[int] = mapped_column(Integer)
    problem: Mapped[dict[str, Any]] = mapped_column(Json)
    params: Mapped[dict[str, Any]] = mapped_column(Json)
    tenant: Mapped[str] = mapped_column(String(40), index=True, default="default")
    """The operator owning the job; only its API keys can see or touch it."""
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    """SHA-256 of `<tenant>:<Idempotency-Key>`: one tenant's keys never match another's."""
    request_hash: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    """Sequence number of the newest event in the job's log."""
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    derived_from: Mapped[str | None] = mapped_column(
        String(36),
        ForeignKey("jobs.id", ondelete="SET NULL", name="fk_jobs_derived_from"),
        index=True,
    )
    """The job this one is a bell scenario of (its problem with some bells moved)."""
    bell_moves: Mapped[list[dict[str, Any]] | None] = mapped_column(Json)
    """The bell moves that made this job's problem from its parent's, as
    `busplan.io.bells_json.moves_to_list` writes them; None for a job that moved none."""


class Event(Base):
    """One message of a job's progress log; `seq` counts up from 1 per job without gaps."""

    __tablename__ = "job_events"

    job_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """progress | completed | failed | cancelled"""
    phase: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(Json)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class JobLease(Base):
    """Which task runs a job on a Celery worker, and until when its claim holds.

    A worker renews `until` while it runs the job; a claim that lapses means the worker was
    lost. `owner` is `pending:<task id>` while a re-run waits to be picked up, so only that
    task, and only once, can claim it.
    """

    __tablename__ = "job_leases"

    job_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    owner: Mapped[str] = mapped_column(String(80))
    until: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ApiKey(Base):
    """An API key of a tenant. Only a SHA-256 digest of the key is kept; the key itself is
    shown once, when it is created."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    """Public part of the key (`bpk_<key_id>_<secret>`), to find it and to name it."""
    tenant: Mapped[str] = mapped_column(String(40), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
