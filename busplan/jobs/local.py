"""Local executor: each job in its own worker process, at most `processes` at a time.

Worker processes are forked from a forkserver that has already imported the solver, so a job
starts in milliseconds and never inherits the API's threads or database connections. One pump
thread in the API process launches queued jobs, reads every worker's pipe and runs the
supervision policy (`busplan.jobs.supervise`): time limit, cancel backstop, lost workers.
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

from busplan.jobs.events import TERMINAL_KINDS, RunEvent
from busplan.jobs.executor import EventSink, JobSpec, TaskInfo, TaskState
from busplan.jobs.supervise import Supervisor
from busplan.jobs.throttle import ThrottleParams
from busplan.jobs.worker import run_job
from busplan.routing import RoutingConfig

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
KNOWN_TASKS = 10_000


@dataclass(eq=False)
class _Task:
    spec: JobSpec
    task_id: str
    state: TaskState = TaskState.PENDING
    process: BaseProcess | None = None
    pipe: Connection | None = None
    cancel: MpEvent | None = None
    finished: bool = False
    eof: bool = False
    pid: int | None = None
    exit_code: int | None = None
    signals: int = 0

    def terminate(self) -> None:
        """SIGTERM first, SIGKILL when asked again (`supervise.Handle`, with the two below)."""
        if self.process is not None and self.process.is_alive():
            (self.process.kill if self.signals else self.process.terminate)()
            self.signals += 1

    def alive(self) -> bool:
        """Until the process has exited and its pipe is drained (no event is left unread)."""
        return self.process is not None and self.exit_code is None

    def ended(self) -> str:
        return f"the worker process ended unexpectedly (exit code {self.exit_code})"


class LocalExecutor:
    name = "local"
    remote = False

    def __init__(
        self,
        *,
        processes: int,
        time_limit: float,
        cancel_grace: float,
        throttle: ThrottleParams,
        routing: RoutingConfig | None = None,
    ) -> None:
        self._processes = processes
        self._throttle = throttle
        self._routing = routing or RoutingConfig(cache_path=None)
        self._supervisor = Supervisor(
            time_limit=time_limit, cancel_grace=cancel_grace, report=self._lost
        )
        self._lock = threading.Lock()
        self._pending: deque[_Task] = deque()
        self._running: dict[str, _Task] = {}
        self._tasks: OrderedDict[str, _Task] = OrderedDict()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sink: EventSink | None = None
        self._context: ForkServerContext = mp.get_context("forkserver")

    # -- Executor protocol -----------------------------------------------------------------

    def start(self, sink: EventSink) -> None:
        self._sink = sink
        # "__main__" too: a job process would otherwise import the program's main module
        # again (the `busplan` script imports every subcommand), about half a second a job.
        self._context.set_forkserver_preload(["__main__", "busplan.jobs.worker"])
        self._thread = threading.Thread(target=self._pump, name="busplan-executor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            tasks = list(self._running.values())
            self._pending.clear()
        for task in tasks:
            task.terminate()
        for task in tasks:
            if task.process is not None:
                task.process.join(timeout=1.0)
                if task.process.is_alive():
                    task.terminate()
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
        if task.cancel is not None:
            task.cancel.set()
            self._supervisor.cancelled(task_id)

    def task_info(self, task_id: str) -> TaskInfo | None:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                return None
            return TaskInfo(task.task_id, task.state, task.pid, task.exit_code)

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def notes(self) -> dict[str, str]:
        return {}

    # -- the pump thread -------------------------------------------------------------------

    def _pump(self) -> None:
        while not self._stopping.is_set():
            try:
                self._launch()
                self._read()
                self._reap()
                self._supervisor.check()
            except Exception:  # keep serving other jobs; the fault is logged
                log.exception("job executor loop failed")
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
                args=(
                    task.spec,
                    task.task_id,
                    writer,
                    task.cancel,
                    self._throttle,
                    self._routing,
                    os.getpid(),
                ),
                name=f"busplan-job-{task.spec.job_id}",
                daemon=True,
            )
            task.process.start()
            writer.close()
            task.pipe, task.pid = reader, task.process.pid
            self._supervisor.watch(task.spec.job_id, task.task_id, task)
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
                event = cast(RunEvent, task.pipe.recv() if task.pipe else None)
            except (EOFError, OSError, ValueError, TypeError):
                task.eof = True  # the worker has exited (or died mid-message)
                continue
            self._deliver(task, self._supervisor.verdict(event))

    def _deliver(self, task: _Task, event: RunEvent) -> None:
        if task.finished:
            return
        if event.kind in TERMINAL_KINDS:
            self._finished(task, TaskState.SUCCESS if event.kind == "completed" else None)
        if task.state is not TaskState.REVOKED:  # else the job is already closed
            self._emit(event)

    def _finished(self, task: _Task, state: TaskState | None) -> None:
        with self._lock:
            task.finished = True
            if task.state is not TaskState.REVOKED:
                task.state = state or TaskState.FAILURE

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

    def _lost(self, event: RunEvent) -> None:
        """The supervisor's report of a run that ended without its final event."""
        with self._lock:
            task = self._tasks.get(event.task_id)
        if task is not None and not task.finished:
            self._deliver(task, event)

    def _emit(self, event: RunEvent) -> None:
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
