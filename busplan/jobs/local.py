"""Local runner: each job in its own worker process, at most `processes` at a time.

Worker processes are forked from a forkserver that has already imported the solver, so a job
starts in milliseconds and never inherits the API's threads or database connections. One pump
thread in the API process launches queued jobs, reads every worker's pipe, enforces the hard
time limit, terminates cancelled workers that did not stop in time, and notices workers that
died without a word.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as MpEvent
from typing import cast

from busplan.jobs.events import TERMINAL_KINDS, ErrorCode, RunnerEvent
from busplan.jobs.runner import EventSink, JobSpec, TaskInfo, TaskState
from busplan.jobs.throttle import ThrottleParams
from busplan.jobs.worker import run_job

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
KILL_AFTER_TERMINATE_SECONDS = 1.0
KNOWN_TASKS = 10_000


@dataclass
class _Task:
    spec: JobSpec
    task_id: str
    state: TaskState = TaskState.PENDING
    process: BaseProcess | None = None
    pipe: Connection | None = None
    cancel: MpEvent | None = None
    started: float = 0.0
    cancel_deadline: float | None = None
    terminated_at: float | None = None
    reason: str | None = None
    """Why the runner ended the process: a failed event's error code, or None."""
    finished: bool = False
    eof: bool = False
    pid: int | None = None
    exit_code: int | None = None


class LocalRunner:
    name = "local"

    def __init__(
        self,
        *,
        processes: int,
        time_limit: float,
        cancel_grace: float,
        throttle: ThrottleParams,
    ) -> None:
        self._processes = processes
        self._time_limit = time_limit
        self._cancel_grace = cancel_grace
        self._throttle = throttle
        self._lock = threading.Lock()
        self._pending: deque[_Task] = deque()
        self._running: dict[str, _Task] = {}
        self._tasks: OrderedDict[str, _Task] = OrderedDict()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sink: EventSink | None = None
        self._context: ForkServerContext = mp.get_context("forkserver")

    # -- Runner protocol -------------------------------------------------------------------

    def start(self, sink: EventSink) -> None:
        self._sink = sink
        # "__main__" too: a job process would otherwise import the program's main module
        # again (the `busplan` script imports every subcommand), about half a second a job.
        self._context.set_forkserver_preload(["__main__", "busplan.jobs.worker"])
        self._thread = threading.Thread(target=self._pump, name="busplan-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            tasks = list(self._running.values())
            self._pending.clear()
        for task in tasks:
            if task.process is not None and task.process.is_alive():
                task.process.terminate()
        for task in tasks:
            if task.process is not None:
                task.process.join(timeout=KILL_AFTER_TERMINATE_SECONDS)
                if task.process.is_alive():
                    task.process.kill()
                    task.process.join()

    def submit(self, spec: JobSpec) -> str:
        task = _Task(spec, uuid.uuid4().hex)
        with self._lock:
            self._pending.append(task)
            self._remember(task)
        return task.task_id

    def cancel(self, task_id: str) -> None:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None or task.finished:
                return
            task.state = TaskState.REVOKED
            if task in self._pending:
                self._pending.remove(task)
                task.finished = True
                return
            if task.cancel is not None and task.cancel_deadline is None:
                task.cancel.set()
                task.cancel_deadline = time.monotonic() + self._cancel_grace

    def task_info(self, task_id: str) -> TaskInfo | None:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                return None
            return TaskInfo(task.task_id, task.state, task.pid, task.exit_code)

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the pump thread -------------------------------------------------------------------

    def _pump(self) -> None:
        while not self._stopping.is_set():
            try:
                self._launch()
                self._read()
                self._enforce()
                self._reap()
            except Exception:  # keep serving other jobs; the fault is logged
                log.exception("job runner loop failed")
                time.sleep(POLL_SECONDS)

    def _launch(self) -> None:
        while True:
            with self._lock:
                if not self._pending or len(self._running) >= self._processes:
                    return
                task = self._pending.popleft()
                task.cancel = self._context.Event()
                self._running[task.task_id] = task
            reader, writer = self._context.Pipe(duplex=False)
            task.process = self._context.Process(
                target=run_job,
                args=(task.spec, task.task_id, writer, task.cancel, self._throttle, os.getpid()),
                name=f"busplan-job-{task.spec.job_id}",
                daemon=True,
            )
            task.process.start()
            writer.close()
            task.pipe, task.pid, task.started = reader, task.process.pid, time.monotonic()
            with self._lock:
                if task.state is TaskState.PENDING:
                    task.state = TaskState.STARTED

    def _read(self) -> None:
        pipes = {t.pipe: t for t in list(self._running.values()) if t.pipe and not t.eof}
        if not pipes:
            time.sleep(POLL_SECONDS)
            return
        for pipe in wait(list(pipes), timeout=POLL_SECONDS):
            task = pipes[cast(Connection, pipe)]
            try:
                event = cast(RunnerEvent, task.pipe.recv() if task.pipe else None)
            except (EOFError, OSError, ValueError, TypeError):
                task.eof = True  # the worker has exited (or died mid-message)
                continue
            self._deliver(task, event)

    def _deliver(self, task: _Task, event: RunnerEvent) -> None:
        if task.finished:
            return
        if event.kind in TERMINAL_KINDS:
            with self._lock:
                task.finished = True
                if task.state is not TaskState.REVOKED:
                    task.state = (
                        TaskState.SUCCESS if event.kind == "completed" else TaskState.FAILURE
                    )
        if task.state is TaskState.REVOKED:
            return  # the service has already closed the job
        self._emit(event)

    def _enforce(self) -> None:
        now = time.monotonic()
        for task in list(self._running.values()):
            process = task.process
            if process is None or not process.is_alive():
                continue
            if task.terminated_at is not None:
                if now - task.terminated_at > KILL_AFTER_TERMINATE_SECONDS:
                    process.kill()
            elif task.cancel_deadline is not None and now > task.cancel_deadline:
                log.warning("job %s did not stop when cancelled; terminating", task.spec.job_id)
                self._terminate(task, None)
            elif now - task.started > self._time_limit and not task.finished:
                self._terminate(task, ErrorCode.TIME_LIMIT_EXCEEDED)

    def _terminate(self, task: _Task, reason: str | None) -> None:
        task.reason = reason
        task.terminated_at = time.monotonic()
        if task.process is not None:
            task.process.terminate()

    def _reap(self) -> None:
        for task in list(self._running.values()):
            process = task.process
            if process is None or process.is_alive() or not task.eof:
                continue
            process.join()
            task.exit_code = process.exitcode
            if task.pipe is not None:
                task.pipe.close()
            with self._lock:
                del self._running[task.task_id]
            if not task.finished:
                self._report_lost(task)

    def _report_lost(self, task: _Task) -> None:
        """A worker ended without a final report: time limit, or it died."""
        with self._lock:
            task.finished = True
            revoked = task.state is TaskState.REVOKED
            task.state = TaskState.REVOKED if revoked else TaskState.FAILURE
        if revoked:
            return
        if task.reason == ErrorCode.TIME_LIMIT_EXCEEDED:
            code = ErrorCode.TIME_LIMIT_EXCEEDED
            message = f"the job ran longer than the limit of {self._time_limit:g} s"
        else:
            code = ErrorCode.WORKER_LOST
            message = f"the worker process ended unexpectedly (exit code {task.exit_code})"
        self._emit(
            RunnerEvent(
                "failed",
                task.spec.job_id,
                task.task_id,
                time.time(),
                message=message,
                data={"error_code": code},
            )
        )

    def _emit(self, event: RunnerEvent) -> None:
        if self._sink is None:
            return
        try:
            self._sink(event)
        except Exception:
            log.exception("could not record %s event of job %s", event.kind, event.job_id)

    def _remember(self, task: _Task) -> None:
        self._tasks[task.task_id] = task
        while len(self._tasks) > KNOWN_TASKS:
            self._tasks.popitem(last=False)
