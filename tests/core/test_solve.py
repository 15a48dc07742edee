"""The solver: optimal where it can be checked, always feasible, deterministic, cancellable."""

from __future__ import annotations

import importlib
import itertools
import random
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busplan.core import PHASES, Cancelled, Problem, SolveParams, check, solve
from busplan.core.bounds import max_matching
from busplan.core.connections import Connections
from busplan.core.group import Group
from busplan.core.time_indexed import time_indexed_shifts
from busplan.io.problem_json import load_problem, parse_problem
from busplan.io.solution_json import solution_to_dict
from tests.conftest import random_problem, trip
from tests.core.brute_force import best_buses_and_deadhead, connections, partitions

FAST = SolveParams(time_limit=10, workers=1)


@pytest.mark.parametrize("seed", range(10))
def test_matches_brute_force_on_tiny_problems(seed: int) -> None:
    """Fewest buses and then least deadhead equal the exhaustive optimum."""
    problem = parse_problem(random_problem(seed, n=5, window=2))
    plan = solve(problem, FAST).days["L"]
    assert plan.stats is not None
    buses, deadhead = best_buses_and_deadhead(problem)
    assert (plan.stats.buses, plan.stats.deadhead_s) == (buses, deadhead)


@pytest.mark.parametrize("seed", range(4))
def test_fixed_times_are_proven_optimal(seed: int) -> None:
    """With every window [0, 0], buses equal the lower bound and no trip moves."""
    problem = parse_problem(random_problem(seed, n=60, window=0, span=300))
    for plan in solve(problem, FAST).days.values():
        assert plan.stats is not None
        assert plan.stats.buses == plan.stats.lower_bound
        assert plan.stats.optimal and plan.stats.abs_shift_s == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 25),
    window=st.integers(0, 6),
    span=st.integers(1, 400),
)
def test_every_solution_passes_check(seed: int, n: int, window: int, span: int) -> None:
    """Whatever the input, the plan covers every trip once and breaks no rule."""
    problem = parse_problem(random_problem(seed, n=n, window=window, span=span))
    solution = solve(problem, SolveParams(time_limit=5, workers=1))
    assert check(problem, solution) == []
    for plan in solution.days.values():
        assert plan.stats is not None
        assert plan.stats.lower_bound <= plan.stats.buses <= n


def without_timing(data: dict[str, Any]) -> dict[str, Any]:
    for day in data["days"].values():
        day["stats"].pop("seconds")
    data["stats"].pop("seconds")
    return data


def test_same_input_and_seed_same_plan(example_path: Path) -> None:
    """Two runs with the same problem and seed give the same plan."""
    problem = load_problem(example_path)
    params = SolveParams(time_limit=60, seed=3)
    first = without_timing(solution_to_dict(solve(problem, params)))
    second = without_timing(solution_to_dict(solve(problem, params)))
    assert first == second


def test_phases_in_order_with_rising_progress(example_path: Path) -> None:
    """Progress events follow the documented phases in order, 0 to 100, never going back."""
    events: list[tuple[str, float]] = []

    def record(phase: str, progress: float, message: str, extra: Any) -> None:
        events.append((phase, progress))

    solve(load_problem(example_path), SolveParams(time_limit=30), progress=record)
    phases = list(dict.fromkeys(p for p, _ in events))
    assert phases == list(PHASES)
    values = [v for _, v in events]
    assert values == sorted(values) and values[0] == 0 and values[-1] == 100


def busy_problem() -> dict[str, Any]:
    """Big enough that the search is still running when the cancel arrives."""
    return random_problem(1, n=600, window=8, span=600)


@pytest.mark.parametrize("phase", ["building_chains", "matching_blocks", "local_search"])
def test_cancel_stops_within_a_second(phase: str) -> None:
    """A callback that returns True stops the solve within a second, saying it was cancelled."""
    problem = parse_problem(busy_problem())
    asked: list[float] = []

    def cancel_in_phase(p: str, progress: float, message: str, extra: Any) -> bool:
        if p == phase and progress > PHASES[p] and not asked:
            asked.append(time.monotonic())
        return bool(asked)

    with pytest.raises(Cancelled, match="cancelled"):
        solve(problem, SolveParams(time_limit=20), progress=cancel_in_phase)
    assert asked and time.monotonic() - asked[0] < 1.0


def test_cancel_from_another_thread() -> None:
    """A flag set by another thread (as a job runner does) ends the solve within a second."""
    problem = parse_problem(busy_problem())
    flag = threading.Event()
    set_at: list[float] = []

    def cancel() -> None:
        set_at.append(time.monotonic())
        flag.set()

    threading.Timer(1.5, cancel).start()
    with pytest.raises(Cancelled):
        solve(problem, SolveParams(time_limit=20), progress=lambda *_: flag.is_set())
    assert time.monotonic() - set_at[0] < 1.0


def test_days_with_same_trips_are_solved_once() -> None:
    """Days with identical trips share one plan; a trip's days decide where it appears."""
    data = {
        "version": 1,
        "trips": [
            trip("A", "entry", "08:00", 20),
            trip("B", "entry", "08:00", 20, days=["L", "M"]),
            trip("C", "exit", "14:00", 20, days=["Mc"]),
        ],
    }
    solution = solve(parse_problem(data), FAST)
    assert list(solution.days) == ["L", "M", "Mc", "X", "V"]
    assert solution.days["M"].same_as == "L" and solution.days["V"].same_as == "X"
    assert solution.days["L"].buses == solution.days["M"].buses
    assert {p.trip_id for b in solution.days["Mc"].buses for p in b.trips} == {"A", "C"}


def test_requested_days_only() -> None:
    """`days` limits the solve to those weekdays."""
    data = {"version": 1, "trips": [trip("A", "entry", "08:00", 20)]}
    solution = solve(parse_problem(data), SolveParams(time_limit=5, days=("X",)))
    assert list(solution.days) == ["X"]


def test_vehicle_classes_never_mix() -> None:
    """Trips whose contracts allow no common vehicle size run on different buses."""
    data = {
        "version": 1,
        "trips": [
            trip("small", "entry", "08:00", 20, seats=8, vehicle_seats=[1, 9]),
            trip("large", "exit", "14:00", 20, seats=40, vehicle_seats=[39, 55]),
        ],
    }
    plan = solve(parse_problem(data), FAST).days["L"]
    assert len(plan.buses) == 2
    assert plan.stats is not None and plan.stats.lower_bound == 2


def test_trip_no_vehicle_fits_is_unassigned_with_reason() -> None:
    """A trip needing more seats than its contract allows is reported, not silently planned."""
    data = {
        "version": 1,
        "trips": [
            trip("ok", "entry", "08:00", 20),
            trip("full", "entry", "08:00", 20, seats=60, vehicle_seats=[None, 55]),
        ],
    }
    plan = solve(parse_problem(data), FAST).days["L"]
    assert [u.trip_id for u in plan.unassigned] == ["full"]
    assert "needs 60 seats" in plan.unassigned[0].reason
    assert [p.trip_id for b in plan.buses for p in b.trips] == ["ok"]


def test_shifts_save_a_bus_and_stay_in_window() -> None:
    """Moving bells within their windows frees a bus that official times would need."""
    data = {
        "version": 1,
        "trips": [
            trip("first", "entry", "08:00", 30, start=(42.0, -8.0), end=(42.0, -8.0)),
            trip("second", "entry", "08:32", 30, start=(42.0, -8.0), end=(42.0, -8.0)),
        ],
        "settings": {"entry_shift_min": [-5, 5], "buffer_min": 5},
        "travel": {"minutes": [[0, 0], [0, 0]]},
    }
    plan = solve(parse_problem(data), FAST).days["L"]
    assert plan.stats is not None and plan.stats.buses == 1
    assert plan.stats.abs_shift_s == 3 * 60
    assert all(-300 <= p.shift_s <= 300 for b in plan.buses for p in b.trips)


def test_the_search_proves_what_the_matching_bound_cannot() -> None:
    """B can follow A only if it moves later and precede C only if it moves earlier: the
    optimistic matching allows both (one bus), the search proves two."""
    data = {
        "version": 1,
        "trips": [
            trip("A", "exit", "08:00", 30),
            trip("B", "exit", "08:22", 30),
            trip("C", "exit", "08:44", 30),
        ],
        "settings": {"exit_shift_min": [-5, 5], "buffer_min": 0},
        "travel": {"minutes": [[0] * 3 for _ in range(3)]},
    }
    plan = solve(parse_problem(data), FAST).days["L"]
    assert plan.stats is not None
    assert (plan.stats.buses, plan.stats.lower_bound) == (2, 2)


def sized(trip_id: str, time: str, low: int, high: int) -> dict[str, Any]:
    return trip(trip_id, "exit", time, 30, seats=low, vehicle_seats=[low, high])


def test_seat_ranges_that_share_no_size_are_planned_as_one_part() -> None:
    """Ranges 10-20, 15-30 and 25-40 chain into one part with no common size. Split by
    classes (sizes 20 and 40) it needs three buses, as 15-30 at 09:00 goes with size 20 and
    meets 10-20 at 09:00; with sizes chosen with the connections it needs two, which is
    proven."""
    data = {
        "version": 1,
        "trips": [
            sized("A", "08:00", 10, 20),
            sized("C", "08:00", 25, 40),
            sized("B", "09:00", 15, 30),
            sized("D", "09:00", 10, 20),
            sized("E", "10:00", 25, 40),
            sized("small", "07:00", 1, 9),  # a part of its own, planned as it was
        ],
    }
    problem = parse_problem(data)
    solution = solve(problem, FAST)
    assert check(problem, solution) == []
    plan = solution.days["L"]
    assert plan.stats is not None
    assert (plan.stats.buses, plan.stats.lower_bound) == (3, 3)
    assert sorted(tuple(p.trip_id for p in b.trips) for b in plan.buses) == [
        ("A", "D"),
        ("C", "B", "E"),
        ("small",),
    ]


def test_a_chain_no_one_size_fits_is_two_buses_and_that_is_proven() -> None:
    """10-20 at 08:00, 15-30 at 09:00, 25-40 at 10:00 follow one another two by two, but
    no size fits all three: the matching bound says one bus, the sizes prove two."""
    data = {
        "version": 1,
        "trips": [
            sized("A", "08:00", 10, 20),
            sized("B", "09:00", 15, 30),
            sized("C", "10:00", 25, 40),
        ],
    }
    plan = solve(parse_problem(data), FAST).days["L"]
    assert plan.stats is not None
    assert (plan.stats.buses, plan.stats.lower_bound) == (2, 2)


def fewest_buses_with_sizes(problem: Problem) -> int:
    """Exhaustive at official times: every partition of the trips into buses whose trips
    follow one another and share one vehicle size."""
    c = connections(problem)
    follows = c.feasible(np.zeros(len(c), np.int64))
    ranges = [t.seat_interval() for t in problem.trips]

    def runs(bus: list[int]) -> bool:
        bus = sorted(bus, key=lambda k: c.base_start[k])
        shared = max(ranges[k][0] for k in bus) <= min(ranges[k][1] for k in bus)
        return shared and all(follows[i, j] for i, j in itertools.pairwise(bus))

    return min(len(buses) for buses in partitions(len(c)) if all(map(runs, buses)))


@pytest.mark.parametrize("seed", range(8))
def test_fewest_buses_with_seat_ranges_that_chain_against_exhaustive_search(seed: int) -> None:
    """Random 7-trip days at official times whose seat ranges chain without a common size:
    the plan has the fewest buses exhaustive search finds, and it is proven."""
    rng = random.Random(seed)
    ranges = [(10, 20), (15, 30), (25, 40), (35, 55)]
    data = {
        "version": 1,
        "trips": [
            sized(
                f"T{k}",
                f"{8 + rng.randrange(4):02d}:{rng.choice([0, 30]):02d}",
                *rng.choice(ranges),
            )
            for k in range(7)
        ],
        "settings": {"entry_shift_min": [0, 0], "exit_shift_min": [0, 0], "buffer_min": 0},
    }
    problem = parse_problem(data)
    plan = solve(problem, FAST).days["L"]
    assert plan.stats is not None
    best = fewest_buses_with_sizes(problem)
    assert plan.stats.buses == best
    assert plan.stats.lower_bound == best


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_time_left_with_wide_windows_goes_to_a_search_over_every_connection(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """+-30 min on 14 trips, the searches kept to 2 neighbours a trip and the time-indexed
    flows left out (as on parts too large for them): the peak relaxation and that search
    leave the bound a bus below the plan. The time the stages leave goes to the fleet search
    over every possible connection, whose proven bound closes the gap."""
    solve_module = importlib.import_module("busplan.core.solve")
    monkeypatch.setattr(solve_module, "time_indexed_shifts", lambda *args, **kwargs: None)
    monkeypatch.setattr(solve_module, "time_indexed_bound", lambda *args, **kwargs: None)
    data = random_problem(seed, 14, window=30, span=90)
    for t in data["trips"]:
        t.pop("vehicle_seats")
    problem = parse_problem(data)
    solution = solve(problem, SolveParams(time_limit=10, neighbours=2))
    assert check(problem, solution) == []
    stats = solution.days["L"].stats
    assert stats is not None and stats.buses == stats.lower_bound == 3


def test_wide_windows_start_from_the_exact_time_indexed_flow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """+-30 min on 40 trips, the fleet searches switched off: the plan is the exact flow at
    the shifts rounded from the time-indexed flow, which needs fewer buses than the first
    plans' (official times, and the repaired matching)."""
    solve_module = importlib.import_module("busplan.core.solve")
    data = random_problem(2, 40, window=30, span=120)
    for t in data["trips"]:
        t.pop("vehicle_seats")
    problem = parse_problem(data)
    rounded: list[int] = []

    def spy(c: Connections, deadline: float, seed: int, **kwargs: Any) -> np.ndarray | None:
        shifts = time_indexed_shifts(c, deadline, seed, **kwargs)
        assert shifts is not None
        rounded.append(len(c) - max_matching(c.feasible(shifts)))
        return shifts

    monkeypatch.setattr(solve_module, "time_indexed_shifts", spy)
    monkeypatch.setattr(Group, "reduce_fleet", lambda self, run: None)
    monkeypatch.setattr(Group, "search_every_connection", lambda self, run: None)
    first: list[int] = []
    start = Group.start

    def recorded_start(self: Group) -> None:
        start(self)
        first.append(self.plan.buses(self.size))

    monkeypatch.setattr(Group, "start", recorded_start)
    solution = solve(problem, SolveParams(time_limit=20))
    assert check(problem, solution) == []
    stats = solution.days["L"].stats
    assert stats is not None
    assert len(rounded) == len(first) == 1
    assert stats.buses == rounded[0] < first[0]


@pytest.mark.parametrize("seed", [2, 7])
def test_narrow_windows_start_from_the_exact_time_indexed_flow(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """+-5 min on 40 trips, the fleet search switched off: the official times need 5-6 buses
    more than the bound, and the rounded flow's shifts reach the bound, which the plan then
    keeps."""
    solve_module = importlib.import_module("busplan.core.solve")
    data = random_problem(seed, 40, window=5, span=90)
    for t in data["trips"]:
        t.pop("vehicle_seats")
    problem = parse_problem(data)
    rounded: list[int] = []

    def spy(
        c: Connections, deadline: float, seed: int, grids: tuple[int, ...], **kwargs: Any
    ) -> np.ndarray:
        shifts = time_indexed_shifts(c, deadline, seed, grids, **kwargs)
        assert shifts is not None
        rounded.append(len(c) - max_matching(c.feasible(shifts)))
        return shifts

    monkeypatch.setattr(solve_module, "time_indexed_shifts", spy)
    monkeypatch.setattr(Group, "reduce_fleet", lambda self, run: None)
    solution = solve(problem, SolveParams(time_limit=10))
    assert check(problem, solution) == []
    stats = solution.days["L"].stats
    assert stats is not None
    official = len(problem.trips) - max_matching(
        connections(problem).feasible(np.zeros(40, np.int64))
    )
    assert stats.buses == rounded[0] == stats.lower_bound < official - 4
