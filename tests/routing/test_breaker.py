"""The circuit breaker: opens after failures in a row, lets one trial through after cooldown."""

from __future__ import annotations

import pytest

from busplan.routing import OsrmUnavailable
from busplan.routing.breaker import CircuitBreaker


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_failures_in_a_row_and_recovers_after_a_good_trial() -> None:
    """Closed, open after 3 failures, one trial after cooldown; success closes it."""
    clock = Clock()
    breaker = CircuitBreaker(3, 10.0, clock)
    breaker.failure("HTTP 503")
    breaker.success()
    for _ in range(3):
        breaker.before()
        breaker.failure("HTTP 503")
    with pytest.raises(OsrmUnavailable, match=r"circuit open.*HTTP 503"):
        breaker.before()
    clock.now = 10.0
    breaker.before()
    with pytest.raises(OsrmUnavailable):
        breaker.before()  # only one trial at a time
    breaker.success()
    breaker.before()
    assert not breaker.is_open


def test_a_failed_trial_reopens_at_once() -> None:
    """After cooldown, one failed trial is enough to open the circuit again."""
    clock = Clock()
    breaker = CircuitBreaker(2, 5.0, clock)
    breaker.failure("timeout")
    breaker.failure("timeout")
    clock.now = 6.0
    breaker.before()
    breaker.failure("timeout")
    with pytest.raises(OsrmUnavailable):
        breaker.before()
