"""Request and response bodies, one model per direction, mapped from job records at the edge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from busplan.jobs.record import JobListing, JobRecord


class OptimizeRequest(BaseModel):
    problem: dict[str, Any] = Field(description="A problem document (docs/formats.md).")
    time_limit: float | None = Field(default=None, gt=0, description="Seconds for the solver.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    days: list[str] | None = Field(default=None, description="Weekday codes to plan; default all.")


class JobAccepted(BaseModel):
    job_id: str
    task_id: str | None
    status: str
    message: str
    websocket_url: str | None


class JobView(BaseModel):
    job_id: str
    status: str
    name: str
    trips: int
    phase: str | None
    progress: float
    message: str
    error_code: str | None
    error: str | None
    task_id: str | None
    attempts: int
    last_seq: int
    params: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    summary: dict[str, Any] | None = Field(
        default=None,
        description="A completed job's figures: its result's week stats and `lower_bound`, "
        "the largest of its days' lower bounds on buses.",
    )

    @classmethod
    def of(cls, job: JobRecord | JobListing) -> JobView:
        own: dict[str, Any] = {"job_id": job.id, "status": job.state}
        own["params"] = job.params.to_dict()
        own["summary"] = job.summary if isinstance(job, JobListing) else None
        same = {name: getattr(job, name) for name in cls.model_fields if name not in own}
        return cls(**same, **own)


class JobPage(BaseModel):
    items: list[JobView]
    total: int
    limit: int
    offset: int


class JobResult(BaseModel):
    job_id: str
    status: str
    result: dict[str, Any]
    stats: dict[str, Any]


class Cancelled(BaseModel):
    job_id: str
    status: str
    message: str


class TaskView(BaseModel):
    task_id: str
    job_id: str
    state: str
    ready: bool
    runner: str
    worker_pid: int | None
    exit_code: int | None


class SyncResult(BaseModel):
    status: str
    result: dict[str, Any]
    stats: dict[str, Any]


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class WsTicket(BaseModel):
    ticket: str
    expires_in: float = Field(description="Seconds the ticket stays valid; it works once.")
