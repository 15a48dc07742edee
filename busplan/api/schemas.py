"""Request and response bodies, one model per direction, mapped from job records at the edge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from busplan.jobs.record import JobListing, JobRecord

BELL_MOVES = (
    'Bells to move: [{"school": "S001", "kind": "entry", "time": "09:00", "move_min": -10}] '
    "(docs/api.md, Bell scenarios)."
)


class BellRulesRequest(BaseModel):
    """The moves allowed, in minutes; the default is -30..+30 in steps of 5."""

    range_min: tuple[float, float] = Field(default=(-30, 30), description="Earliest, latest.")
    step_min: float = Field(default=5, gt=0)
    fixed: list[str] = Field(default_factory=list, description="Schools whose bells stay.")
    tied: list[str] = Field(default_factory=list, description="Schools whose bells move as one.")


class OptimizeRequest(BaseModel):
    problem: dict[str, Any] = Field(description="A problem document (docs/formats.md).")
    time_limit: float | None = Field(default=None, gt=0, description="Seconds for the solver.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    days: list[str] | None = Field(default=None, description="Weekday codes to plan; default all.")
    bell_moves: list[Any] | None = Field(default=None, description=BELL_MOVES)
    bell_rules: BellRulesRequest | None = None
    derived_from: str | None = Field(
        default=None, max_length=36, description="The job (of this tenant) this one derives from."
    )


class ScenarioRequest(BaseModel):
    """A bell scenario of a job: its problem with these bells moved, solved with its settings
    unless given here."""

    bell_moves: list[Any] = Field(description=BELL_MOVES)
    bell_rules: BellRulesRequest | None = None
    time_limit: float | None = Field(default=None, gt=0, description="Default: the parent's.")
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1, description="Default: the parent's.")
    days: list[str] | None = Field(default=None, description="Default: the parent's.")


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
    derived_from: str | None = Field(description="The job this one is a bell scenario of.")
    bell_moves: list[dict[str, Any]] | None = Field(
        description="The bells moved from the parent's problem (school, kind, time, move_min, "
        "new_time, trips)."
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


class BellView(BaseModel):
    school: str
    school_name: str
    kind: str
    time: str = Field(description="The official time, HH:MM.")
    trips: int


class BellsView(BaseModel):
    job_id: str
    derived_from: str | None
    rules: dict[str, Any] = Field(description="The moves allowed by default (range, step).")
    bells: list[BellView] = Field(description="The bells of the job's problem, by school.")
    moves: list[dict[str, Any]] | None = Field(
        description="For a scenario, the bells moved from its parent's problem."
    )
