"""A circuit breaker, so that a dead server costs one timeout per cooldown, not one per request.

After `failures` requests fail in a row the circuit opens and every request fails at once for
`cooldown_s`; then a single request is let through, and its outcome closes or reopens it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from busplan.routing.errors import OsrmUnavailable


class CircuitBreaker:
    def __init__(
        self, failures: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failures = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._in_a_row = 0
        self._opened_at: float | None = None
        self._trial = False
        self.last_reason = ""

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def before(self) -> None:
        """Raise `OsrmUnavailable` while the circuit is open; let one trial through after it."""
        with self._lock:
            if self._opened_at is None:
                return
            waited = self._clock() - self._opened_at
            if waited >= self.cooldown_s and not self._trial:
                self._trial = True
                return
            raise OsrmUnavailable(
                f"circuit open after {self._in_a_row} failed requests in a row "
                f"(last: {self.last_reason}); not retrying for {self.cooldown_s:g} s"
            )

    def success(self) -> None:
        with self._lock:
            self._in_a_row = 0
            self._opened_at = None
            self._trial = False

    def failure(self, reason: str) -> None:
        with self._lock:
            self._in_a_row += 1
            self.last_reason = reason
            if self._trial or self._in_a_row >= self.failures:
                self._opened_at = self._clock()
            self._trial = False
