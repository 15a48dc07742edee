"""Progress events and cancellation: the solver's only channel to the outside world.

The caller passes one callback `(phase, progress, message, extra) -> bool | None`. The solver
calls it at each phase mark and, from a heartbeat thread, about five times a second in between;
a callback that returns True asks the solver to stop, which it does within a second by raising
`Cancelled`. Throttling for clients is the job runner's business, not the solver's.
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
_NAMES = list(PHASES)


class ProgressCallback(Protocol):
    def __call__(
        self, phase: str, progress: float, message: str, extra: Mapping[str, Any]
    ) -> bool | None: ...


class Cancelled(Exception):
    """The caller asked the solver to stop."""


class Reporter:
    """Calls the progress callback in phase order with non-decreasing progress, and turns a
    True answer into cancellation. Thread-safe: the heartbeat ticks from its own thread."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self._phase = "starting"
        self._message = ""
        self._progress = 0.0
        self._search: tuple[Callable[[], None], float, float, tuple[float, float]] | None = None
        self.cancelled = False

    def phase(self, phase: str, message: str, **extra: Any) -> None:
        """Enter a phase (never one that comes before the current one)."""
        if _NAMES.index(phase) < _NAMES.index(self._phase):
            raise ValueError(f"phase {phase} reported after {self._phase}")
        with self._lock:
            self._phase, self._message = phase, message
            self._progress = max(self._progress, float(PHASES[phase]))
        self._emit(extra)
        self.check()

    def within(self, fraction: float, message: str) -> None:
        """Progress part-way through the current phase, towards the next phase's mark."""
        with self._lock:
            self._advance(fraction)
            self._message = message
        self._emit({})
        self.check()

    def check(self) -> None:
        """Raise Cancelled if the caller has asked to stop; cheap enough for inner loops."""
        if self.cancelled:
            raise Cancelled("the optimization was cancelled")

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Tick the callback every TICK_SECONDS while the solver works, whatever it is doing."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(TICK_SECONDS) and not self.cancelled:
                with self._lock:
                    if self._search is not None:
                        _, started, budget, span = self._search
                        local = (time.monotonic() - started) / budget if budget > 0 else 1.0
                        self._advance(span[0] + (span[1] - span[0]) * min(local, 1.0))
                self._emit({})

        thread = threading.Thread(target=beat, name="busplan-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    @contextmanager
    def searching(
        self, stop: Callable[[], None], budget_s: float, span: tuple[float, float]
    ) -> Iterator[None]:
        """While a search runs: estimate its progress by time over `span` of the current
        phase, and stop it at once when the caller cancels."""
        self.check()
        with self._lock:
            self._search = (stop, time.monotonic(), budget_s, span)
        try:
            yield
        finally:
            with self._lock:
                self._search = None
        self.check()

    def _advance(self, fraction: float) -> None:
        here = PHASES[self._phase]
        following = _NAMES.index(self._phase) + 1
        nxt = PHASES[_NAMES[following]] if following < len(_NAMES) else 100
        value = here + (nxt - here) * min(max(fraction, 0.0), 0.999)
        self._progress = max(self._progress, value)

    def _emit(self, extra: Mapping[str, Any]) -> None:
        with self._lock:
            if self._callback is None or self.cancelled:
                return
            answer = self._callback(self._phase, round(self._progress, 1), self._message, extra)
            if answer:
                self.cancelled = True
                if self._search is not None:
                    self._search[0]()
