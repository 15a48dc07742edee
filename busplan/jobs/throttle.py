"""Which solver progress calls become client updates.

The solver reports up to about five times a second; clients want an update at least every
`step` percent or every `interval` seconds, whichever comes first, and no flood. Phase changes
always pass (there are at most ten per job), so every client sees the phases in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleParams:
    step: float = 5.0
    interval: float = 1.0
    min_interval: float = 0.25


class ProgressThrottle:
    def __init__(self, params: ThrottleParams, clock: Callable[[], float] = time.monotonic) -> None:
        self._params = params
        self._clock = clock
        self._phase: str | None = None
        self._progress = 0.0
        self._sent_at = float("-inf")

    def admit(self, phase: str, progress: float) -> bool:
        """True if this report should go to clients (and remember it as sent)."""
        now = self._clock()
        since = now - self._sent_at
        p = self._params
        send = (
            phase != self._phase
            or (progress - self._progress >= p.step and since >= p.min_interval)
            or since >= p.interval
        )
        if send:
            self._phase, self._progress, self._sent_at = phase, progress, now
        return send
