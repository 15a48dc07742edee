"""The time-indexed flows. The relaxed flow's bound on buses: never above the true optimum
(exhaustive search over every whole-minute shift) on any grid, where a wrong rounding of
connections to the grid breaks it; and above the peak relaxation where drives differ. The exact
flow's rounded shifts: on the grid, inside the windows, and as good as the optimum on small
cases."""

from __future__ import annotations

import time

import numpy as np
import pytest

from busplan.core import time_indexed
from busplan.core.bounds import max_matching
from busplan.core.connections import Connections
from busplan.core.peak import PeakPart, peak_bound
from busplan.core.progress import Reporter
from busplan.core.search import SearchLimits, runner
from busplan.core.time_indexed import time_indexed_bound, time_indexed_shifts
from busplan.io.problem_json import parse_problem
from tests.conftest import random_problem
from tests.core.brute_force import best_buses_and_deadhead, connections


@pytest.mark.parametrize("seed", range(6))
def test_against_the_exhaustive_optimum_on_any_grid(seed: int) -> None:
    """Five trips within 25 minutes, windows of +-5, grids of 1, 2 and 5 minutes: the bound
    is never above the optimum; the rounded shifts are on the grid and inside the windows, and
    on one minute, where every whole-minute plan is a flow, they need the optimal buses."""
    problem = parse_problem(random_problem(seed, n=5, window=5, span=25))
    buses, _ = best_buses_and_deadhead(problem)
    c = connections(problem)
    for grid in (60, 120, 300):
        bound = time_indexed_bound(c, time.monotonic() + 30, (grid,))
        assert bound is not None and bound <= buses
        shifts = time_indexed_shifts(c, time.monotonic() + 30, seed, (grid,))
        assert shifts is not None
        assert (shifts % grid == 0).all()
        assert ((c.earliest <= shifts) & (shifts <= c.latest)).all()
        if grid == 60:
            assert len(c) - max_matching(c.feasible(shifts)) == buses


def test_it_sees_the_drives_the_peak_relaxation_stretches_away() -> None:
    """E at 7:00, A and B at 8:00, C and D at 8:30, 10 minutes each, each free to move 3
    minutes. E is 5 minutes from A and B, which are 5 from C; D is an hour from everything
    and so reachable only from E. The peak relaxation stretches each trip by its nearest
    follower and finds two buses at once; but one bus from E serves one of A, B and D, so
    three must run."""
    data = random_problem(0, n=5, window=3, span=1)
    clocks = ["07:00", "08:00", "08:00", "08:30", "08:30"]
    for t, trip_id, clock in zip(data["trips"], "EABCD", clocks, strict=True):
        t.update(time=clock, kind="exit", duration_min=10, id=trip_id)
        t.pop("vehicle_seats")
    near, far = 5, 60
    data["travel"] = {
        "minutes": [
            [0, near, near, far, far],
            [far, 0, far, near, far],
            [far, far, 0, near, far],
            [far] * 5,
            [far] * 5,
        ]
    }
    data["settings"]["buffer_min"] = 0
    problem = parse_problem(data)
    c = connections(problem)
    assert best_buses_and_deadhead(problem)[0] == 3
    limits = SearchLimits(time.monotonic() + 30, 30, 0, 1)
    run = runner(limits, Reporter(None), "", (0, 1))
    peak = peak_bound([PeakPart(c, [None] * 5)], [], 0, None, run)
    assert peak is not None and peak.bound == 2
    assert time_indexed_bound(c, time.monotonic() + 30) == 3


def test_rounded_shifts_join_trips_the_official_times_keep_apart() -> None:
    """A ends at 08:30 and B starts at 08:35, 12 minutes' drive away: one bus runs both only
    with B at least 7 minutes later than A, so both move; on a five-minute grid that is A five
    minutes early and B five late, the ends of both windows (rounding the connection to the
    grid optimistically would join them one grid point apart)."""
    c = _a_and_b()
    assert max_matching(c.feasible(c.earliest * 0)) == 0
    for grid in (60, 300):
        shifts = time_indexed_shifts(c, time.monotonic() + 30, 0, (grid,))
        assert shifts is not None and max_matching(c.feasible(shifts)) == 1
    assert shifts is not None and shifts.tolist() == [-300, 300]


def test_no_rounded_shifts_on_a_grid_that_misses_a_window() -> None:
    """Windows of +-2 minutes hold no point of a five-minute grid but 0; moved off it, none."""
    data = random_problem(1, n=3, window=2, span=30)
    c = connections(parse_problem(data))
    assert time_indexed_shifts(c, time.monotonic() + 30, 0, (300,)) is not None
    c.earliest[0], c.latest[0] = 60, 120
    assert time_indexed_shifts(c, time.monotonic() + 30, 0, (300,)) is None
    assert time_indexed_shifts(c, time.monotonic() + 30, 0, (300, 60)) is not None


def test_rounding_ends_at_the_goal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shifts needing as few buses as a proven bound end the search: the coarse grid's rounding
    joins A and B on one bus, so the finer grid is never solved; without the goal it is."""
    c = _a_and_b()
    grids: list[int] = []
    solve = time_indexed._Flow.solve

    def counted(flow: time_indexed._Flow, deadline: float, check: time_indexed.Check) -> bool:
        grids.append(flow.grid)
        return solve(flow, deadline, check)

    monkeypatch.setattr(time_indexed._Flow, "solve", counted)
    shifts = time_indexed_shifts(c, time.monotonic() + 30, 0, (300, 60), goal=1)
    assert shifts is not None and shifts.tolist() == [-300, 300]
    assert grids == [300]
    time_indexed_shifts(c, time.monotonic() + 30, 0, (300, 60))
    assert grids == [300, 300, 60]


def test_blocks_of_the_day_are_rounded_apart_and_only_where_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The morning's A and B need two buses at their official times, the afternoon's C and D
    one: with a goal of one bus only the morning's flow is solved (two trips), and the
    afternoon keeps its official times; without a goal both blocks are rounded apart."""
    c = _a_and_b(afternoon=True)
    assert len(c) - max_matching(c.feasible(c.earliest * 0)) == 2
    sizes: list[int] = []
    solve = time_indexed._Flow.solve

    def counted(flow: time_indexed._Flow, deadline: float, check: time_indexed.Check) -> bool:
        sizes.append(len(flow.lo))
        return solve(flow, deadline, check)

    monkeypatch.setattr(time_indexed._Flow, "solve", counted)
    shifts = time_indexed_shifts(c, time.monotonic() + 30, 0, (300,), goal=1)
    assert shifts is not None and shifts.tolist() == [-300, 300, 0, 0]
    assert sizes == [2]
    assert len(c) - max_matching(c.feasible(shifts)) == 1
    shifts = time_indexed_shifts(c, time.monotonic() + 30, 0, (300,))
    assert shifts is not None and shifts[:2].tolist() == [-300, 300]
    assert sizes == [2, 2, 2]


def _a_and_b(afternoon: bool = False) -> Connections:
    """A from 08:00 to 08:30, B from 08:35 (and, in the afternoon, C at 14:00 and D at 14:25,
    10 minutes each), 12 minutes' drive apart, all free to move 5."""
    clocks = ["08:00", "08:35"] + (["14:00", "14:25"] if afternoon else [])
    data = random_problem(0, n=len(clocks), window=5, span=1)
    for t, trip_id, clock in zip(data["trips"], "ABCD", clocks, strict=False):
        t.update(time=clock, kind="exit", duration_min=30 if trip_id == "A" else 10, id=trip_id)
        t.pop("vehicle_seats")
    data["travel"] = {"minutes": [[0 if i == j else 12 for j in clocks] for i in clocks]}
    data["settings"]["buffer_min"] = 0
    return connections(parse_problem(data))


def test_a_flow_too_large_keeps_candidate_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """40 trips within two hours, +-10 min: with an arc limit below the whole exact flow, the
    rounding runs on candidate connections (fewer arcs, still inside the windows) and needs
    no more buses than the official times; the relaxed flow, a bound only with every
    connection, gives none."""
    data = random_problem(3, 40, window=10, span=120)
    for t in data["trips"]:
        t.pop("vehicle_seats")
    c = connections(parse_problem(data))
    tails, heads = np.nonzero(c.optimistic())
    lo, hi = -(-c.earliest // 300), c.latest // 300
    _, whole = time_indexed._arcs(c, tails, heads, lo, hi, 300, True)
    kept = time_indexed._candidates(c, 0)
    assert kept.sum() < c.optimistic().sum() and (kept <= c.optimistic()).all()
    monkeypatch.setattr(time_indexed, "MAX_ARCS", whole - 1)
    shifts = time_indexed_shifts(c, time.monotonic() + 30, 0, (300,))
    assert shifts is not None
    assert ((c.earliest <= shifts) & (shifts <= c.latest)).all()
    official = len(c) - max_matching(c.feasible(c.earliest * 0))
    assert len(c) - max_matching(c.feasible(shifts)) <= official
    assert time_indexed_bound(c, time.monotonic() + 30, (300,)) is None


def test_a_cancelled_check_stops_the_flow() -> None:
    """The check (a job's cancellation) runs while the LP solves and after it, and what it
    raises ends the rounding and the bound."""

    class Stop(Exception):
        pass

    calls: list[int] = []

    def check() -> None:
        calls.append(1)
        raise Stop

    c = _a_and_b()
    with pytest.raises(Stop):
        time_indexed_shifts(c, time.monotonic() + 30, 0, (300,), check=check)
    with pytest.raises(Stop):
        time_indexed_bound(c, time.monotonic() + 30, (300,), check=check)
    assert len(calls) == 2
