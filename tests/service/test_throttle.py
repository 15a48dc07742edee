"""Progress throttling: phase changes pass, steps of 5 % pass, at least one a second."""

from __future__ import annotations

from busplan.jobs.throttle import ProgressThrottle, ThrottleParams


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_phase_changes_always_pass() -> None:
    """Each new phase is sent even if it comes a millisecond after the previous one."""
    clock = Clock()
    gate = ProgressThrottle(ThrottleParams(), clock)
    admitted = []
    for n, (phase, value) in enumerate([("starting", 0), ("loading", 2), ("preprocessing", 5)]):
        clock.now = n * 0.001
        admitted.append(gate.admit(phase, value))
    assert admitted == [True, True, True]


def test_small_steps_wait_for_a_second_and_big_steps_for_a_quarter() -> None:
    """Within a phase: <5 % waits up to 1 s; >=5 % goes after 0.25 s; nothing faster."""
    clock = Clock()
    gate = ProgressThrottle(ThrottleParams(step=5, interval=1.0, min_interval=0.25), clock)
    assert gate.admit("local_search", 80.0)
    clock.now = 0.2
    assert not gate.admit("local_search", 81.0)
    assert not gate.admit("local_search", 86.0)  # a big step, but too soon
    clock.now = 0.3
    assert gate.admit("local_search", 86.0)
    clock.now = 1.2
    assert not gate.admit("local_search", 87.0)
    clock.now = 1.31
    assert gate.admit("local_search", 87.0)  # a second since the last update
