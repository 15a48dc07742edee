"""One supervision policy for every run of a job, whoever executes it.

- A run still going after the time limit is terminated; the job fails `TIME_LIMIT_EXCEEDED`.
- A cancelled run still going after the grace period is terminated (the solver normally stops
  within a second by itself).
- A run that ends without its final event failed `WORKER_LOST`.

Executors supply only a `Handle` per run, which can terminate it and tell whether it is still
alive: a local worker process, a Celery worker's cooperative stop flag, a Celery task seen from
an API node. Termination is repeated while the run stays alive, so a handle can escalate (the
local one kills a process that ignored the first request).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from busplan.jobs.events import TERMINAL_KINDS, ErrorCode, RunEvent

RETERMINATE_SECONDS = 1.0


class Handle(Protocol):
    def terminate(self) -> None:
        """Stop the run (asked again, harder, while it stays alive)."""

    def alive(self) -> bool: ...

    def ended(self) -> str:
        """How the run ended, for the message of a lost run ("exit code -9")."""


def failure(job_id: str, task_id: str, code: str, message: str) -> RunEvent:
    data = {"error_code": code}
    return RunEvent("failed", job_id, task_id, time.time(), message=message, data=data)


def out_of_time(job_id: str, task_id: str, limit: float) -> RunEvent:
    message = f"the job ran longer than the limit of {limit:g} s"
    return failure(job_id, task_id, ErrorCode.TIME_LIMIT_EXCEEDED, message)


def lost(job_id: str, task_id: str, how: str) -> RunEvent:
    return failure(job_id, task_id, ErrorCode.WORKER_LOST, f"worker_lost: {how}")


@dataclass
class _Run:
    job_id: str
    task_id: str
    handle: Handle
    started: float
    cancel_due: float | None = None
    terminated: float | None = None
    out_of_time: bool = False
    done: bool = False


class Supervisor:
    """Thread-safe; `check` is called periodically by the executor's own thread."""

    def __init__(
        self,
        *,
        time_limit: float,
        cancel_grace: float,
        report: Callable[[RunEvent], None],
        stated_limit: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.time_limit = time_limit
        self.stated_limit = time_limit if stated_limit is None else stated_limit
        """The limit named to users (a Celery worker stops a little before its hard limit)."""
        self.cancel_grace = cancel_grace
        self._report = report
        self._clock = clock
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Lock()

    def watch(self, job_id: str, task_id: str, handle: Handle, started: float = 0.0) -> None:
        """Supervise a run that started at `started` (the clock's time; default now)."""
        with self._lock:
            self._runs[task_id] = _Run(job_id, task_id, handle, started or self._clock())

    def cancelled(self, task_id: str) -> None:
        """The job was cancelled: its run has `cancel_grace` seconds to stop by itself."""
        with self._lock:
            run = self._runs.get(task_id)
            if run is not None and run.cancel_due is None:
                run.cancel_due = self._clock() + self.cancel_grace

    def verdict(self, event: RunEvent) -> RunEvent:
        """The event to record for a run's event: a run that ends unsuccessfully once past its
        time limit fails `TIME_LIMIT_EXCEEDED`, whatever it said on the way out (stopped, or
        interrupted by a backstop such as Celery's soft limit)."""
        with self._lock:
            run = self._runs.get(event.task_id)
            if run is None or event.kind not in TERMINAL_KINDS:
                return event
            run.done = True
            late = run.out_of_time or self._clock() - run.started > self.time_limit
            if late and event.kind != "completed":
                return out_of_time(event.job_id, event.task_id, self.stated_limit)
            return event

    def check(self) -> None:
        now = self._clock()
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            if not run.handle.alive():
                with self._lock:
                    self._runs.pop(run.task_id, None)
                if not run.done and run.cancel_due is None:
                    run.done = True
                    self._report(self._ending(run))
                continue
            again = run.terminated is not None and now - run.terminated >= RETERMINATE_SECONDS
            cancelled = run.terminated is None and run.cancel_due is not None
            if again or (cancelled and now >= (run.cancel_due or now)):
                run.terminated = now
                run.handle.terminate()
            elif run.terminated is None and now - run.started > self.time_limit and not run.done:
                run.out_of_time, run.terminated = True, now
                run.handle.terminate()

    def _ending(self, run: _Run) -> RunEvent:
        if run.out_of_time:
            return out_of_time(run.job_id, run.task_id, self.stated_limit)
        return lost(run.job_id, run.task_id, run.handle.ended())
