"""A job as the rest of the service sees it: a frozen record with typed parameters.

Store rows are turned into `JobRecord`s in one place (`record_of`), and stored parameters into
`JobParams` in one place (`JobParams.of`), so nothing above the store handles ORM rows or
untyped dicts, and a record can cross threads and processes safely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from busplan.core import SolveParams
from busplan.store.models import Job
from busplan.store.states import JobState


@dataclass(frozen=True, slots=True)
class JobParams:
    """What a job asks of the solver; stored as JSON with the job."""

    time_limit: float
    seed: int = 0
    days: tuple[str, ...] | None = None
    workers: int = 1
    """Solver search threads (SOLVER_THREADS when the job was submitted)."""

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> JobParams:
        """Parameters as stored (always written by `to_dict`); ValueError if invalid."""
        days = stored.get("days")
        params = cls(
            time_limit=float(stored["time_limit"]),
            seed=int(stored.get("seed", 0)),
            days=tuple(str(d) for d in days) if days else None,
            workers=int(stored.get("workers", 1)),
        )
        params.solve_params()
        return params

    def to_dict(self) -> dict[str, Any]:
        return {
            "time_limit": self.time_limit,
            "seed": self.seed,
            "days": list(self.days) if self.days else None,
            "workers": self.workers,
        }

    def solve_params(self) -> SolveParams:
        return SolveParams(
            time_limit=self.time_limit, seed=self.seed, workers=self.workers, days=self.days
        )


@dataclass(frozen=True, slots=True)
class JobHeader:
    """What every view of a job carries: its state, parameters and progress."""

    id: str
    state: JobState
    tenant: str
    name: str
    trips: int
    params: JobParams
    task_id: str | None
    attempts: int
    phase: str | None
    progress: float
    message: str
    last_seq: int
    error_code: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    derived_from: str | None
    """The job this one is a bell scenario of."""
    bell_moves: list[dict[str, Any]] | None
    """The bell moves that made this job's problem from its parent's."""

    @property
    def finished(self) -> bool:
        return self.state in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True, slots=True)
class JobRecord(JobHeader):
    """A whole job, with its problem and result documents."""

    problem: dict[str, Any]
    result: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class JobListing(JobHeader):
    """A job as lists and status answers show it: without its problem and result documents
    (megabytes each for a region's week), with the result's figures instead."""

    summary: dict[str, Any] | None
    """A completed job's week statistics (`result.stats`) and `lower_bound`, the largest of
    its days' lower bounds on buses; None before the job has a result."""


def _header(job: Job, names: list[str]) -> dict[str, Any]:
    values = {name: getattr(job, name) for name in names}
    return values | {"state": JobState(job.state), "params": JobParams.of(job.params)}


def record_of(job: Job) -> JobRecord:
    """The one conversion from a store row (its parameters included)."""
    return JobRecord(**_header(job, [f.name for f in fields(JobRecord)]))


def listing_of(job: Job, summary: dict[str, Any] | None) -> JobListing:
    """A store row whose problem and result were not loaded, with its result's figures."""
    names = [f.name for f in fields(JobHeader)]
    return JobListing(**_header(job, names), summary=summary)
