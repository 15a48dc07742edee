"""Executor tasks: the execution behind a job, as the executor sees it."""

from __future__ import annotations

from fastapi import APIRouter

from busplan.api.auth import TenantDep
from busplan.api.deps import JobsDep
from busplan.api.errors import ApiError
from busplan.api.schemas import TaskView
from busplan.jobs.executor import TaskState

router = APIRouter(prefix="/tasks", tags=["jobs"])

READY = {TaskState.SUCCESS, TaskState.FAILURE, TaskState.REVOKED}


@router.get("/{task_id}")
def get_task(task_id: str, jobs: JobsDep, tenant: TenantDep) -> TaskView:
    found = jobs.task(task_id, tenant=tenant)
    if found is None:
        raise ApiError(404, "TASK_NOT_FOUND", f"no task {task_id}")
    job, info = found
    return TaskView(
        task_id=info.task_id,
        job_id=job.id,
        state=info.state,
        ready=info.state in READY,
        runner=jobs.executor.name,
        worker_pid=info.worker_pid,
        exit_code=info.exit_code,
    )
