"""What an API node does to jobs: submit, cancel, hand them to the executor, recover.

Everything it stores goes through the job log; everything that runs goes through the executor,
whose events it passes back to the log.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError

from busplan.jobs.documents import read_problem
from busplan.jobs.events import ErrorCode, RunEvent
from busplan.jobs.executor import Executor, JobSpec, TaskInfo, TaskState
from busplan.jobs.keys import DEFAULT_TENANT, scoped_key
from busplan.jobs.log import JobLog
from busplan.jobs.record import JobParams, JobRecord
from busplan.store.states import JobState

INTERRUPTED_MESSAGE = "interrupted: the service stopped while this job was running; submit it again"

_TASK_STATES = {
    JobState.QUEUED: TaskState.PENDING,
    JobState.RUNNING: TaskState.STARTED,
    JobState.COMPLETED: TaskState.SUCCESS,
    JobState.FAILED: TaskState.FAILURE,
    JobState.CANCELLED: TaskState.REVOKED,
}


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different request."""


def request_fingerprint(
    problem: dict[str, Any], params: JobParams, lineage: dict[str, Any] | None = None
) -> str:
    """What an Idempotency-Key stands for: the problem and the client's options (not the
    server's own settings such as SOLVER_THREADS, which may change between two tries), and
    for a scenario the job it derives from and its bell moves."""
    asked = {k: v for k, v in params.to_dict().items() if k != "workers"}
    request = {"problem": problem, "params": asked} | ({"lineage": lineage} if lineage else {})
    canonical = json.dumps(request, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class JobCommands:
    def __init__(self, log: JobLog, executor: Executor) -> None:
        self.log = log
        self.executor = executor

    def start(self) -> None:
        self.executor.start(self._on_event)
        self.recover()

    def stop(self) -> None:
        self.executor.stop()

    def _on_event(self, event: RunEvent) -> None:
        if not self.log.record(event):
            self.executor.cancel(event.task_id)  # cancelled (or failed) before it started

    def recover(self) -> None:
        """Jobs a previous process left behind: `running` ones fail as interrupted, `queued`
        ones are handed to the executor again (nothing of them has run yet).

        Interrupted runs are not re-queued: a solve cannot resume, so it would start over
        unasked, and a job that brought the process down (memory, a solver crash) would bring
        it down again at every start. The user resubmits if still wanted. Jobs of a remote
        executor run on other machines; their claims tell whether they are lost.
        """
        running = [] if self.executor.remote else self.log.in_state(JobState.RUNNING)
        queued = self.log.in_state(JobState.QUEUED)
        for job in running:
            data = {"error_code": ErrorCode.INTERRUPTED}
            self.log.finish(job.id, JobState.FAILED, INTERRUPTED_MESSAGE, data, quiet=True)
        for job in queued:
            self._dispatch(job)

    def submit(
        self,
        *,
        problem: dict[str, Any],
        params: JobParams,
        idempotency_key: str | None,
        tenant: str = DEFAULT_TENANT,
        derived_from: str | None = None,
        bell_moves: list[dict[str, Any]] | None = None,
    ) -> tuple[JobRecord, bool]:
        """Store and queue a job of `tenant`; returns (job, created). Raises ProblemError on
        bad input. Idempotency keys are the tenant's own: another tenant's never match.

        A bell scenario gives the job it `derived_from` and the `bell_moves` already applied
        to `problem`: the job is solved like any other, and they are recorded with it."""
        parsed = read_problem(problem)
        lineage = {"derived_from": derived_from, "bell_moves": bell_moves}
        scenario = derived_from is not None or bell_moves is not None
        fingerprint = request_fingerprint(problem, params, lineage if scenario else None)
        if idempotency_key is not None:
            idempotency_key = scoped_key(tenant, idempotency_key)
            existing = self._by_key(idempotency_key, fingerprint)
            if existing is not None:
                return existing, False
        try:
            job = self.log.create(
                job_id=str(uuid.uuid4()),
                problem=problem,
                params=params,
                trips=len(parsed.trips),
                name=parsed.name,
                tenant=tenant,
                idempotency_key=idempotency_key,
                request_hash=fingerprint,
                derived_from=derived_from,
                bell_moves=bell_moves,
            )
        except IntegrityError:
            if idempotency_key is None:
                raise
            existing = self._by_key(idempotency_key, fingerprint)  # another request won
            if existing is None:
                raise
            return existing, False
        self._dispatch(job)
        return self.log.get(job.id) or job, True

    def _by_key(self, key: str, fingerprint: str) -> JobRecord | None:
        found = self.log.by_key(key)
        if found is not None and found[1] != fingerprint:
            raise IdempotencyConflict(key)
        return None if found is None else found[0]

    def _dispatch(self, job: JobRecord) -> None:
        task_id = self.executor.submit(JobSpec(job.id, job.problem, job.params))
        self.log.assign_task(job.id, task_id)

    def cancel(self, job_id: str, *, tenant: str | None = None) -> JobRecord:
        """Cancel a queued or running job now; its worker is told to stop (and made to).

        Raises InvalidTransition for a finished job, JobNotFound for an unknown one (or one of
        another tenant).
        """
        if tenant is not None:
            self.log.require(job_id, tenant=tenant)
        data = {"error_code": ErrorCode.JOB_CANCELLED}
        job = self.log.finish(job_id, JobState.CANCELLED, "cancelled on request", data)
        if job.task_id:
            self.executor.cancel(job.task_id)
        return job

    def task(self, task_id: str, *, tenant: str | None = None) -> tuple[JobRecord, TaskInfo] | None:
        """An executor task and its job; derived from the job if the executor forgot it."""
        job = self.log.by_task(task_id)
        if job is None or (tenant is not None and job.tenant != tenant):
            return None
        info = self.executor.task_info(task_id)
        return job, info or TaskInfo(task_id, _TASK_STATES[job.state])
