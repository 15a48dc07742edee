"""The local executor on its own: real worker processes reporting to a collecting sink."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from busplan.jobs import worker
from busplan.jobs.events import RunEvent
from busplan.jobs.executor import JobSpec, TaskState
from busplan.jobs.local import LocalExecutor
from busplan.jobs.record import JobParams
from busplan.jobs.throttle import ThrottleParams
from busplan.routing import RoutingConfig
from busplan.routing.solving import solve_with_travel
from tests.service.harness import make_problem

PARAMS = JobParams(time_limit=2, seed=0, days=None, workers=1)


class Sink:
    def __init__(self) -> None:
        self.events: list[RunEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: RunEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def final(self, job_id: str, timeout: float = 30.0) -> RunEvent:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self.events:
                    if event.job_id == job_id and event.kind in ("completed", "failed"):
                        return event
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no final event for {job_id}"
                self._changed.wait(remaining)

    def of(self, job_id: str) -> list[RunEvent]:
        with self._changed:
            return [e for e in self.events if e.job_id == job_id]


@pytest.fixture
def executor() -> Iterator[tuple[LocalExecutor, Sink]]:
    local = LocalExecutor(processes=1, time_limit=60, cancel_grace=1.0, throttle=ThrottleParams())
    sink = Sink()
    local.start(sink)
    yield local, sink
    local.stop()


def test_events_of_a_job_come_in_order(executor: tuple[LocalExecutor, Sink]) -> None:
    """started, then progress in phase order, then completed with the solution."""
    local, sink = executor
    task_id = local.submit(JobSpec("ok", make_problem(30), PARAMS))
    final = sink.final("ok")
    kinds = [e.kind for e in sink.of("ok")]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    assert set(kinds[1:-1]) == {"progress"}
    assert final.result is not None and final.result["days"]["L"]["buses"]
    info = local.task_info(task_id)
    assert info is not None and info.state is TaskState.SUCCESS


def test_unreadable_problem_fails_in_the_worker(executor: tuple[LocalExecutor, Sink]) -> None:
    """A problem the worker cannot read fails the job with INVALID_PROBLEM and the reason."""
    local, sink = executor
    local.submit(JobSpec("bad", {"trips": []}, PARAMS))
    final = sink.final("bad")
    assert final.kind == "failed"
    assert final.data["error_code"] == "INVALID_PROBLEM"
    assert "trips" in final.message


class ListOutbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, kind: str, **fields: Any) -> None:
        self.sent.append((kind, fields))


class NeverSet:
    def is_set(self) -> bool:
        return False


@pytest.mark.parametrize(
    ("fault", "code", "words"),
    [
        (RuntimeError("min-cost flow failed"), "OPTIMIZATION_FAILED", "RuntimeError: min-cost"),
        (MemoryError(), "OUT_OF_MEMORY", "ran out of memory"),
    ],
)
def test_fault_inside_the_solver_fails_the_job(
    monkeypatch: pytest.MonkeyPatch, fault: Exception, code: str, words: str
) -> None:
    """An exception raised by the solve ends the job with exactly one final event: failed,
    with its code and reason, and no progress after it."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        progress = args[3]
        progress("building_chains", 35.0, "first plans", {})
        raise fault

    monkeypatch.setattr(worker, "solve_with_travel", broken)
    outbox = ListOutbox()
    spec = JobSpec("fault", make_problem(20), PARAMS)
    worker.execute(spec, outbox, NeverSet(), ThrottleParams(), RoutingConfig())
    kinds = [kind for kind, _ in outbox.sent]
    assert kinds[0] == "started" and kinds[-1] == "failed"
    assert kinds.count("failed") == 1 and "completed" not in kinds
    final = outbox.sent[-1][1]
    assert final["data"]["error_code"] == code and words in final["message"]


def test_time_limit_covers_reading_the_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """As with `busplan optimize --time-limit`, a job's limit is for the whole run: the seconds
    spent reading the problem come out of what the solver gets."""
    given: list[float] = []
    read = worker.read_problem

    def slow_read(document: Any) -> Any:
        time.sleep(0.5)
        return read(document)

    def recording_solve(problem: Any, params: Any, *args: Any) -> Any:
        given.append(params.time_limit)
        return solve_with_travel(problem, params, *args)

    monkeypatch.setattr(worker, "read_problem", slow_read)
    monkeypatch.setattr(worker, "solve_with_travel", recording_solve)
    outbox = ListOutbox()
    spec = JobSpec("slow-read", make_problem(20), PARAMS)
    worker.execute(spec, outbox, NeverSet(), ThrottleParams(), RoutingConfig())
    assert outbox.sent[-1][0] == "completed"
    assert PARAMS.time_limit - 1.0 < given[0] <= PARAMS.time_limit - 0.5


def test_pool_size_limits_jobs_running_at_once(executor: tuple[LocalExecutor, Sink]) -> None:
    """With one worker process, the second job starts only after the first has finished."""
    local, sink = executor
    local.submit(JobSpec("one", make_problem(30), PARAMS))
    second = local.submit(JobSpec("two", make_problem(30, seed=2), PARAMS))
    info = local.task_info(second)
    assert info is not None and info.state is TaskState.PENDING
    sink.final("two")
    order = [(e.job_id, e.kind) for e in sink.events if e.kind in ("started", "completed")]
    assert order == [
        ("one", "started"),
        ("one", "completed"),
        ("two", "started"),
        ("two", "completed"),
    ]


def test_executor_reports_alive_until_stopped() -> None:
    """alive() is what /readyz reports: true between start and stop."""
    local = LocalExecutor(processes=1, time_limit=60, cancel_grace=1.0, throttle=ThrottleParams())
    assert not local.alive()
    local.start(Sink())
    assert local.alive()
    local.stop()
    assert not local.alive()
