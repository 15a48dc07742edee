"""Progress events and cancellation: the solver's only channel to the outside world.

The caller passes one callback `(phase, progress, message, extra) -> bool | None`. The solver
calls it at each phase mark and about five times a second during long searches; a callback that
returns True asks the solver to stop, which it does within a second by raising `Cancelled`.
Throttling for clients is the job runner's business, not the solver's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

PHASES: dict[str, int] = {
    "starting": 0,
    "loading": 2,
    "preprocessing": 5,
    "travel_matrix": 15,
    "building_chains": 35,
    "matching_blocks": 60,
    "local_search": 80,
    "finalizing": 90,
    "calculating_stats": 95,
    "completed": 100,
}
"""Phases in the order they are reported, each with the progress percentage it starts at."""

TICK_SECONDS = 0.2


class ProgressCallback(Protocol):
    def __call__(
        self, phase: str, progress: float, message: str, extra: Mapping[str, Any]
    ) -> bool | None: ...


class Cancelled(Exception):
    """The caller asked the solver to stop."""


class Reporter:
    """Calls the progress callback in phase order with non-decreasing progress.

    Thread-safe: the search watcher ticks from its own thread while the solver thread moves on.
    """

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self._phase = "starting"
        self._progress = 0.0
        self.cancelled = False

    def phase(self, phase: str, message: str, **extra: Any) -> None:
        """Enter a phase (never one that comes before the current one)."""
        if list(PHASES).index(phase) < list(PHASES).index(self._phase):
            raise ValueError(f"phase {phase} reported after {self._phase}")
        self._phase = phase
        self._emit(float(PHASES[phase]), message, extra, force=True)

    def within(self, fraction: float, message: str, **extra: Any) -> None:
        """Progress part-way through the current phase, towards the next phase's mark."""
        names = list(PHASES)
        here = PHASES[self._phase]
        following = names.index(self._phase) + 1
        nxt = PHASES[names[following]] if following < len(names) else 100
        value = here + (nxt - here) * min(max(fraction, 0.0), 0.999)
        self._emit(value, message, extra, force=False)

    def check(self) -> None:
        """Raise Cancelled if the caller has asked to stop."""
        if self.cancelled:
            raise Cancelled("the optimization was cancelled")

    def _emit(self, value: float, message: str, extra: Mapping[str, Any], force: bool) -> None:
        with self._lock:
            if value < self._progress and not force:
                value = self._progress
            self._progress = max(self._progress, value)
            if self._callback is None:
                return
            if self._callback(self._phase, round(self._progress, 1), message, extra):
                self.cancelled = True
        self.check()


@contextmanager
def watching(
    reporter: Reporter,
    stop: Callable[[], None],
    budget_s: float,
    message: str,
    span: tuple[float, float] = (0.0, 1.0),
    stalled: Callable[[], bool] = lambda: False,
) -> Iterator[None]:
    """While a search runs: tick progress in a side thread and call `stop` when cancelled.

    `span` is the part of the current phase this search covers, so that several searches in one
    phase move the progress forward one after another. `stalled` is polled too: when it says
    the search has stopped paying off, the search is stopped (without cancelling the solve).
    """
    done = threading.Event()
    started = time.monotonic()

    def tick() -> None:
        while not done.wait(TICK_SECONDS):
            local = (time.monotonic() - started) / budget_s if budget_s > 0 else 0.0
            fraction = span[0] + (span[1] - span[0]) * min(local, 1.0)
            try:
                reporter.within(fraction, message)
            except Cancelled:
                stop()
                return
            if stalled():
                stop()
                return

    thread = threading.Thread(target=tick, name="busplan-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
    reporter.check()
