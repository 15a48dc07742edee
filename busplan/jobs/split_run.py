"""Running a job as parts on several Celery workers (`busplan.jobs.split`), and gathering them.

The task that claimed the job ("the gatherer") sends one message per part to the job queue and
then solves parts itself, taking whichever is still unclaimed, so a job never waits for a free
worker: with one worker process the gatherer solves every part in turn, with more the others
take parts as their messages arrive. Meanwhile a monitor thread keeps the gatherer's heartbeat,
merges the parts' progress into the job's phases (the least advanced part speaks for the job,
so phases still come in order), and watches for parts whose worker was lost: such a part is
sent again and taken by the next free process, up to `MAX_PART_RUNS` runs, after which the job
fails `WORKER_LOST`. A part that fails fails the job. Parts meet in Redis
(`split_board`); a gatherer that loses Redis ends without an outcome, and the job is run again
as if its worker were lost. Cancelling the job stops every part
within a second or so: each part's watch sees the job's cancel flag, or the stop sign the
gatherer raises.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

import redis

from busplan.core import PHASES, Cancelled, Problem, Solution, SolveParams
from busplan.io.problem_json import ProblemError
from busplan.io.solution_json import solution_to_dict
from busplan.jobs.documents import read_problem
from busplan.jobs.events import ErrorCode
from busplan.jobs.executor import JobSpec
from busplan.jobs.split import Part, PartPlan, gather, part_problem, plan_parts, plan_to_dict
from busplan.jobs.split_board import SplitBoard
from busplan.jobs.throttle import ThrottleParams
from busplan.jobs.worker import Flag, Outbox, ThrottledProgress, _code, _reason
from busplan.routing import RoutingConfig
from busplan.routing.solving import solve_with_travel

log = logging.getLogger(__name__)

MAX_PART_RUNS = 3
"""Runs of one part (its worker lost each time) before the job fails `WORKER_LOST`."""
MONITOR_SECONDS = 0.25
PART_WATCH_SECONDS = 0.2
PART_REPORT_SECONDS = 0.5

SendPart = Callable[[str, Part, int], None]
"""(job id, part, run): put a message for one run of a part on the job queue."""

_NAMES = list(PHASES)


def split_of(problem_document: Any, params: SolveParams, min_trips: int) -> list[Part] | None:
    """The job's parts when it is worth splitting (two or more parts, at least `min_trips`
    trips); None to run it in one process (an unreadable problem is reported there)."""
    try:
        problem = read_problem(problem_document)
    except ProblemError:
        return None
    if len(problem.trips) < min_trips:
        return None
    parts = plan_parts(problem, params.days, params.time_limit)
    return parts if len(parts) > 1 else None


def merge_progress(states: list[tuple[str, float]]) -> tuple[str, float]:
    """The job's phase and progress from its parts': those of the least advanced part, kept
    between `preprocessing` (the split itself) and the end of `local_search` (gathering
    comes after every part has ended)."""
    phase, progress = min(states, key=lambda s: s[1])
    low, high = _NAMES.index("preprocessing"), _NAMES.index("local_search")
    index = min(max(_NAMES.index(phase), low), high)
    ceiling = PHASES["finalizing"] - 0.1
    value = min(max(progress, float(PHASES[_NAMES[index]])), ceiling)
    return _NAMES[index], value


# -- one part, wherever it runs ----------------------------------------------------------------


class PartWatch:
    """The stop flag of one part's solve: set when the job stops (cancel flag, stop sign, no
    gatherer), when `also` is set, or when the part's claim is lost; renews the claim."""

    def __init__(
        self, board: SplitBoard, part: int, owner: str, lease: float, also: Flag | None = None
    ) -> None:
        self._board = board
        self._part = part
        self._owner = owner
        self._also = also
        self._renew_every = min(lease / 3, 1.0)
        self._flag = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="busplan-part-watch", daemon=True)

    def is_set(self) -> bool:
        return self._flag.is_set() or (self._also is not None and self._also.is_set())

    def __enter__(self) -> PartWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        renew_at = time.monotonic() + self._renew_every
        while not self._done.wait(PART_WATCH_SECONDS):
            try:
                if self._board.should_stop():
                    self._flag.set()
                if time.monotonic() >= renew_at:
                    renew_at = time.monotonic() + self._renew_every
                    if not self._board.renew(self._part, self._owner):
                        log.warning("part %d of job %s lost its claim", self._part,
                                    self._board.job_id)  # fmt: skip
                        self._flag.set()
            except redis.RedisError as exc:
                log.warning("part %d of job %s: Redis unreachable (%s)", self._part,
                            self._board.job_id, exc)  # fmt: skip


class PartReporter:
    """The solver's progress callback for a part: to the board, on each phase and every half
    second; answers whether to stop."""

    def __init__(self, board: SplitBoard, part: int, stop: Flag) -> None:
        self._board = board
        self._part = part
        self._stop = stop
        self._phase = ""
        self._at = 0.0

    def __call__(self, phase: str, progress: float, message: str, extra: Mapping[str, Any]) -> bool:
        now = time.monotonic()
        if phase != self._phase or now - self._at >= PART_REPORT_SECONDS:
            self._phase, self._at = phase, now
            with suppress(redis.RedisError):  # progress only: the next report supersedes it
                self._board.report(self._part, phase, progress, message)
        return self._stop.is_set()


def solve_part(
    board: SplitBoard,
    problem: Problem,
    part: Part,
    params: SolveParams,
    routing: RoutingConfig,
    owner: str,
    stop: Flag,
) -> str:
    """Solve a claimed part and leave its outcome on the board; returns what happened."""
    sub = part_problem(problem, part)
    own = SolveParams(
        time_limit=part.time_limit,
        seed=params.seed,
        workers=params.workers,
        days=part.days,
        neighbours=params.neighbours,
        effort_per_trip=params.effort_per_trip,
    )
    try:
        solution = solve_with_travel(sub, own, routing, PartReporter(board, part.index, stop))
    except Cancelled:
        board.release(part.index, owner)
        return "stopped"
    except Exception as exc:  # the part's failure is the job's: the gatherer reports it
        log.exception("part %d of job %s failed", part.index, board.job_id)
        board.finish(part.index, owner, {"failed": _reason(exc), "error_code": _code(exc)})
        return "failed"
    board.finish(part.index, owner, {"plan": plan_to_dict(solution, part)})
    return "solved"


def run_part_delivery(
    board: SplitBoard,
    part: Part,
    owner: str,
    load: Callable[[], tuple[Any, SolveParams] | None],
    routing: RoutingConfig,
    lease: float,
) -> str:
    """A worker's delivery of one part's message: claim it, solve it, or skip it."""
    if board.should_stop():
        return "skipped: the job has stopped"
    if not board.claim(part.index, owner):
        return "skipped: the part is taken or done"
    try:
        loaded = load()
        if loaded is None:
            board.release(part.index, owner)
            return "skipped: the job is not running"
        document, params = loaded
        problem = read_problem(document)
        log.info("solving part %d of job %s (%d trips)", part.index, board.job_id,
                 len(part.trip_ids))  # fmt: skip
        with PartWatch(board, part.index, owner, lease) as watch:
            return solve_part(board, problem, part, params, routing, owner, watch)
    except BaseException:
        board.release(part.index, owner)
        raise


# -- the gatherer -----------------------------------------------------------------------------


class PartFailed(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class Gatherer:
    """Runs a split job in the task that claimed it; see the module docstring."""

    def __init__(
        self,
        *,
        board: SplitBoard,
        spec: JobSpec,
        parts: list[Part],
        send: SendPart,
        owner: str,
        lease: float,
        routing: RoutingConfig,
    ) -> None:
        self.board = board
        self.spec = spec
        self.parts = parts
        self.send = send
        self.owner = owner
        self.lease = lease
        self.routing = routing
        self._runs_sent = {p.index: 1 for p in parts}
        self._failure: PartFailed | None = None
        self._plans: dict[int, PartPlan] = {}
        self._lock = threading.Lock()

    def execute(self, outbox: Outbox, cancel: Flag, throttle: ThrottleParams) -> None:
        """Every outcome ends in exactly one final event, as for a job in one process."""
        started = time.monotonic()
        outbox.send("started", data={"pid": os.getpid()})
        problem = read_problem(self.spec.problem)  # readable: `split_of` has parsed it
        progress = ThrottledProgress(outbox, throttle, cancel)
        stop = threading.Event()
        monitor = threading.Thread(
            target=self._monitor, args=(progress, cancel, stop), name="busplan-gather", daemon=True
        )
        try:
            try:
                progress("starting", 0.0, "optimization started", {})
                progress("loading", float(PHASES["loading"]), f"{len(problem.trips)} trips", {})
                self.board.start(len(self.parts))
                n = len(self.parts)
                progress("preprocessing", float(PHASES["preprocessing"]),
                         f"{n} parts on the workers", {"parts": n})  # fmt: skip
                for part in self.parts:
                    self.send(self.spec.job_id, part, 1)
                monitor.start()
                self._solve_parts(problem, cancel)
            finally:
                stop.set()
                if monitor.is_alive():
                    monitor.join(timeout=5)
            if cancel.is_set():
                raise Cancelled("the optimization was cancelled")
            if self._failure is not None:
                raise self._failure
            plans = [self._plans[p.index] for p in self.parts]
            progress("finalizing", float(PHASES["finalizing"]), f"gathering {n} parts", {})
            solution = gather(problem, self.parts, plans, time.monotonic() - started)
            progress("calculating_stats", float(PHASES["calculating_stats"]), "statistics", {})
            buses = {d: p.stats.buses for d, p in solution.days.items() if p.stats}
            progress("completed", 100.0, "optimization completed", {"buses": buses})
            progress.close()
        except Cancelled:
            progress.close()
            self._stop_parts()
            outbox.send("cancelled", message="stopped on request")
            return
        except redis.RedisError as exc:
            # No final event: the claim is released, so the job is run again like one whose
            # worker was lost (`busplan.jobs.reaper`), once Redis is back.
            progress.close()
            log.error("job %s: Redis lost while gathering its parts (%s); it will run again",
                      self.spec.job_id, exc)  # fmt: skip
            return
        except PartFailed as exc:
            progress.close()
            self._stop_parts()
            outbox.send("failed", message=str(exc), data={"error_code": exc.code})
            return
        except Exception as exc:  # any fault ends the job as failed, with its reason
            progress.close()
            self._stop_parts()
            outbox.send("failed", message=_reason(exc), data={"error_code": _code(exc)})
            return
        self._finish(outbox, solution)

    def _finish(self, outbox: Outbox, solution: Solution) -> None:
        self._stop_parts()
        outbox.send("completed", progress=100.0, message="optimization completed",
                    result=solution_to_dict(solution))  # fmt: skip

    def _stop_parts(self) -> None:
        try:
            self.board.stop()
        except redis.RedisError as exc:
            log.warning("could not stop the parts of job %s: %s", self.spec.job_id, exc)

    # -- the task's own thread: take unclaimed parts until every part has ended -------------

    def _solve_parts(self, problem: Problem, cancel: Flag) -> None:
        params = self.spec.params.solve_params()
        while not cancel.is_set():
            with self._lock:
                if self._failure is not None or len(self._plans) == len(self.parts):
                    return
                open_parts = [p for p in self.parts if p.index not in self._plans]
            taken = next((p for p in open_parts if self._claim(p)), None)
            if taken is None:
                time.sleep(MONITOR_SECONDS)
                continue
            log.info("job %s: solving part %d itself (%d trips)", self.spec.job_id, taken.index,
                     len(taken.trip_ids))  # fmt: skip
            with PartWatch(self.board, taken.index, self.owner, self.lease, cancel) as watch:
                solve_part(self.board, problem, taken, params, self.routing, self.owner, watch)

    def _claim(self, part: Part) -> bool:
        """Take a part that was sent and not yet taken; never a run that was lost before the
        monitor has seen it (`_lost`), so that every lost run is counted and logged."""
        return self.board.claim(part.index, self.owner, self._runs_sent[part.index])

    # -- the monitor thread ---------------------------------------------------------------

    def _monitor(self, progress: ThrottledProgress, cancel: Flag, stop: threading.Event) -> None:
        while not stop.wait(MONITOR_SECONDS):
            try:
                self.board.beat()
                if cancel.is_set():
                    self.board.stop()
                    continue
                self._look(progress)
            except redis.RedisError as exc:
                log.warning("job %s: Redis unreachable while gathering (%s)", self.spec.job_id,
                            exc)  # fmt: skip

    def _look(self, progress: ThrottledProgress) -> None:
        reports = self.board.progress()
        states: list[tuple[str, float]] = []
        slowest = ""
        for part in self.parts:
            if part.index in self._plans:
                states.append(("finalizing", float(PHASES["finalizing"])))
                continue
            state = self.board.state(part.index)
            if state.outcome is not None:
                self._ended(part, state.outcome)
            elif not state.claimed and state.runs > 0:
                self._lost(part, state.runs)
            phase, value, message = reports.get(part.index, ("starting", 0.0, "waiting"))
            if state.outcome is not None:
                phase, value = "finalizing", float(PHASES["finalizing"])
            states.append((phase, value))
            if not slowest or value <= min(s[1] for s in states):
                slowest = f"{', '.join(part.days)}: {message}"
        done = len(self._plans)
        phase, value = merge_progress(states)
        extra = {"parts": len(self.parts), "parts_done": done}
        progress(phase, value, f"{done} of {len(self.parts)} parts done; {slowest}", extra)

    def _ended(self, part: Part, outcome: dict[str, Any]) -> None:
        with self._lock:
            if "plan" in outcome:
                self._plans[part.index] = PartPlan.of(outcome["plan"])
            elif self._failure is None:
                code = str(outcome.get("error_code", ErrorCode.OPTIMIZATION_FAILED))
                self._failure = PartFailed(str(outcome.get("failed", "a part failed")), code)

    def _lost(self, part: Part, runs: int) -> None:
        """A part was claimed and has neither a claim nor an outcome: its worker was lost."""
        if runs >= MAX_PART_RUNS:
            with self._lock:
                if self._failure is None:
                    where = f"part {part.index + 1} of {len(self.parts)} ({', '.join(part.days)})"
                    message = f"worker_lost: {where} lost its worker {runs} times"
                    self._failure = PartFailed(message, ErrorCode.WORKER_LOST)
            return
        if self._runs_sent[part.index] <= runs:  # once per lost run
            self._runs_sent[part.index] = runs + 1
            log.warning("job %s: part %d lost its worker; sending it again (run %d of %d)",
                        self.spec.job_id, part.index, runs + 1, MAX_PART_RUNS)  # fmt: skip
            self.send(self.spec.job_id, part, runs + 1)
