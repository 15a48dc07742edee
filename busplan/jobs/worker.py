"""The code a worker process runs for one job: parse, solve, report through an outbox.

A local worker's outbox is a one-way pipe owned by this job alone, so a worker that is killed
mid-write can only damage its own channel; a Celery worker's records events in the store.
Cancellation is cooperative: the solver's progress callback answers "stop" once the cancel
flag is set, and the solver raises `Cancelled` within a second; the supervision policy
terminates the run if that does not happen in time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any, Protocol

from busplan.core import Cancelled
from busplan.io.problem_json import ProblemError
from busplan.io.solution_json import solution_to_dict
from busplan.jobs.documents import read_problem
from busplan.jobs.events import ErrorCode, EventKind, RunEvent
from busplan.jobs.executor import JobSpec
from busplan.jobs.throttle import ProgressThrottle, ThrottleParams
from busplan.routing import RoutingConfig, RoutingError
from busplan.routing.solving import solve_with_travel

PARENT_POLL_SECONDS = 0.5


class Flag(Protocol):
    def is_set(self) -> bool: ...


class Outbox(Protocol):
    """Where a job's events go: a pipe to the API process, or the store of a Celery worker."""

    def send(self, kind: EventKind, **fields: Any) -> None: ...


class PipeOutbox:
    """Sends events for one job; safe from the solver thread and its progress ticker."""

    def __init__(self, pipe: Connection, spec: JobSpec, task_id: str) -> None:
        self._pipe = pipe
        self._spec = spec
        self._task_id = task_id
        self._lock = threading.Lock()

    def send(self, kind: EventKind, **fields: Any) -> None:
        event = RunEvent(kind, self._spec.job_id, self._task_id, time.time(), **fields)
        with self._lock:
            self._pipe.send(event)


def run_job(
    spec: JobSpec,
    task_id: str,
    pipe: Connection,
    cancel: Flag,
    throttle: ThrottleParams,
    routing: RoutingConfig,
    parent_pid: int,
) -> None:
    """Entry point of a worker process."""
    _exit_with_parent(parent_pid)
    execute(spec, PipeOutbox(pipe, spec, task_id), cancel, throttle, routing)


def execute(
    spec: JobSpec, outbox: Outbox, cancel: Flag, throttle: ThrottleParams, routing: RoutingConfig
) -> None:
    """Parse, solve and report one job; every outcome ends in exactly one final event."""
    outbox.send("started", data={"pid": os.getpid()})
    started = time.monotonic()
    try:
        problem = read_problem(spec.problem)
    except ProblemError as exc:
        outbox.send("failed", message=str(exc), data={"error_code": ErrorCode.INVALID_PROBLEM})
        return
    progress = ThrottledProgress(outbox, throttle, cancel)
    try:
        try:
            params = spec.params.solve_params().after(time.monotonic() - started)
            solution = solve_with_travel(problem, params, routing, progress)
        finally:
            progress.close()  # no progress event may follow the final one
    except Cancelled:
        outbox.send("cancelled", message="stopped on request")
        return
    except Exception as exc:  # any fault ends the job as failed, with its reason
        outbox.send("failed", message=_reason(exc), data={"error_code": _code(exc)})
        return
    outbox.send(
        "completed",
        progress=100.0,
        message="optimization completed",
        result=solution_to_dict(solution),
    )


def _code(exc: Exception) -> str:
    if isinstance(exc, MemoryError):
        return ErrorCode.OUT_OF_MEMORY
    if isinstance(exc, RoutingError):
        return ErrorCode.TRAVEL_TIMES_UNAVAILABLE
    return ErrorCode.OPTIMIZATION_FAILED


def _reason(exc: Exception) -> str:
    if isinstance(exc, MemoryError):
        return "the optimization ran out of memory"
    return str(exc) if isinstance(exc, RoutingError) else f"{type(exc).__name__}: {exc}"


class ThrottledProgress:
    """The solver's progress callback: throttled reports, and a repeat of the last one when
    the solver has been silent for a whole interval (a long step without progress calls), so
    clients hear from a running job at least every `interval` seconds."""

    def __init__(self, outbox: Outbox, params: ThrottleParams, cancel: Flag) -> None:
        self._outbox = outbox
        self._gate = ProgressThrottle(params)
        self._cancel = cancel
        self._lock = threading.Lock()
        self._last: tuple[str, float, str, Mapping[str, Any]] | None = None
        self._closed = threading.Event()
        self._repeater = threading.Thread(
            target=self._repeat,
            args=(params.interval / 4,),
            name="busplan-progress-repeat",
            daemon=True,
        )
        self._repeater.start()

    def __call__(self, phase: str, progress: float, message: str, extra: Mapping[str, Any]) -> bool:
        with self._lock:
            if self._closed.is_set():
                return self._cancel.is_set()
            self._last = (phase, progress, message, extra)
            if self._gate.admit(phase, progress):
                self._outbox.send(
                    "progress",
                    phase=phase,
                    progress=progress,
                    message=message,
                    data=_plain(extra),
                )
        return self._cancel.is_set()

    def close(self) -> None:
        with self._lock:
            self._closed.set()
            self._last = None

    def _repeat(self, period: float) -> None:
        while not self._closed.wait(period):
            with self._lock:
                last = self._last
            if last is not None:
                self(*last)


def _plain(extra: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only JSON-friendly extras (they are stored and sent to clients as they are)."""
    return {
        str(k): v
        for k, v in extra.items()
        if isinstance(v, str | int | float | bool | list | dict) or v is None
    }


def _exit_with_parent(parent_pid: int) -> None:
    """Stop computing if the API process dies (a crash leaves no one to read the results)."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_SECONDS)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(3)

    threading.Thread(target=watch, name="busplan-parent-watch", daemon=True).start()
