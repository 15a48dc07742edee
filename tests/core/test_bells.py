"""Bells and their moves: a moved bell moves all its trips, tied bells move together, fixed
schools stay; the peak relaxation is never above the true optimum (exhaustive search) and is
the optimum itself when every drive is the same; the bells curve is monotone and checkable."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from busplan.core import SolveParams, check, solve
from busplan.core.bells import (
    BellRules,
    bells_of,
    move_bells,
    move_units,
    moves_of_units,
    validate_moves,
)
from busplan.core.flow import min_cost_cover
from busplan.core.model import Kind
from busplan.core.peak import PeakPart, peak_bound
from busplan.core.progress import Reporter
from busplan.core.scenarios import bell_curve
from busplan.core.search import SearchLimits, runner
from busplan.io.problem_json import parse_problem
from tests.conftest import random_problem
from tests.core.brute_force import (
    best_buses_and_deadhead,
    best_with_moves,
    connections,
    schooled,
)

MIN = 60


def run(seconds: float = 30.0) -> Any:
    return runner(
        SearchLimits(time.monotonic() + seconds, seconds, 0, 1), Reporter(None), "", (0, 1)
    )


def test_bells_group_trips_by_school_kind_and_time() -> None:
    data = schooled(random_problem(1, n=6), ["A", "A", "B", "B", "", "A"])
    problem = parse_problem(data)
    bells = bells_of(problem)
    rung = sorted(k for b in bells for k in b.trips)
    assert rung == [k for k, t in enumerate(problem.trips) if t.school_id]
    for bell in bells:
        assert {(problem.trips[k].school_id, problem.trips[k].kind) for k in bell.trips} == {
            (bell.school_id, bell.kind)
        }
        assert {problem.trips[k].time_s for k in bell.trips} == {bell.time_s}


def test_a_moved_bell_moves_every_trip_it_rings_and_nothing_else() -> None:
    problem = parse_problem(schooled(random_problem(2, n=6), ["A", "A", "A", "B", "B", "B"]))
    bell = max(bells_of(problem), key=lambda b: len(b.trips))
    moved = move_bells(problem, {bell.key: -10 * MIN})
    for k, (before, after) in enumerate(zip(problem.trips, moved.trips, strict=True)):
        expected = before.time_s - 10 * MIN if k in bell.trips else before.time_s
        assert after.time_s == expected
        assert after.duration_s == before.duration_s
    assert move_bells(problem, {}) is problem


def test_tied_bells_are_one_unit_and_must_move_together() -> None:
    data = random_problem(3, n=4)
    kinds = ["entry", "exit", "entry", "exit"]
    for trip, kind in zip(data["trips"], kinds, strict=True):
        trip["kind"] = kind
    problem = parse_problem(schooled(data, ["A", "A", "B", "B"]))
    rules = BellRules(tied=frozenset({"A"}))
    units = move_units(problem, rules)
    tied = [u for u in units if u.school_id == "A"]
    assert len(tied) == 1 and {b.kind for b in tied[0].bells} == {Kind.ENTRY, Kind.EXIT}
    assert len([u for u in units if u.school_id == "B"]) == 2
    moves = moves_of_units(units, [5 * MIN if u.school_id == "A" else 0 for u in units])
    assert {k[0] for k in moves} == {"A"} and set(moves.values()) == {5 * MIN}
    validate_moves(problem, rules, moves)
    entry = next(b for b in tied[0].bells if b.kind is Kind.ENTRY)
    with pytest.raises(ValueError, match="tied bells"):
        validate_moves(problem, rules, {entry.key: 5 * MIN})


def test_fixed_schools_never_move() -> None:
    problem = parse_problem(schooled(random_problem(4, n=4), ["A", "A", "B", "B"]))
    rules = BellRules(fixed=frozenset({"A"}))
    assert {u.school_id for u in move_units(problem, rules)} == {"B"}
    bell_a = next(b for b in bells_of(problem) if b.school_id == "A")
    with pytest.raises(ValueError, match="fixed"):
        validate_moves(problem, rules, {bell_a.key: 5 * MIN})
    rows = bell_curve(problem, rules, 2, SolveParams(time_limit=4))
    assert all(key[0] != "A" for row in rows for key in row.moves)


@pytest.mark.parametrize(
    ("moves", "reason"),
    [
        ({("A", Kind.ENTRY, 0): 5 * MIN}, "no bell"),
        (None, "not allowed"),
    ],
)
def test_moves_the_rules_do_not_allow_are_refused(moves: Any, reason: str) -> None:
    problem = parse_problem(schooled(random_problem(5, n=3), ["A", "A", "A"]))
    if moves is None:
        moves = {bells_of(problem)[0].key: 7 * MIN}  # not a multiple of the 5-minute step
    with pytest.raises(ValueError, match=reason):
        validate_moves(problem, BellRules(), moves)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"step_s": 0}, "step"),
        ({"earliest_s": 5 * MIN}, "include 0"),
        ({"earliest_s": -7 * MIN}, "multiple of the step"),
    ],
)
def test_bad_rules_are_refused(kwargs: dict[str, int], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        BellRules(**kwargs)


def test_unknown_schools_in_the_rules_are_refused() -> None:
    problem = parse_problem(schooled(random_problem(6, n=2), ["A", "A"]))
    with pytest.raises(ValueError, match="not in the problem: Z"):
        move_units(problem, BellRules(fixed=frozenset({"Z"})))


@pytest.mark.parametrize("seed", range(8))
def test_peak_bound_never_above_the_exhaustive_optimum(seed: int) -> None:
    """Wide windows (+-4 min on tiny instances), every whole-minute shift tried."""
    problem = parse_problem(random_problem(seed, n=4, window=4, span=40))
    buses, _ = best_buses_and_deadhead(problem)
    c = connections(problem)
    result = peak_bound([PeakPart(c, [None] * len(c))], [], 0, None, run())
    assert result is not None
    assert result.bound <= buses
    assert result.bound <= result.buses


@pytest.mark.parametrize("seed", range(6))
def test_peak_is_the_optimum_when_every_drive_is_the_same(seed: int) -> None:
    data = random_problem(seed, n=5, window=3, span=60)
    n = len(data["trips"])
    data["travel"] = {"minutes": [[10] * n for _ in range(n)]}
    data["settings"]["buffer_min"] = 0
    problem = parse_problem(data)
    buses, _ = best_buses_and_deadhead(problem)
    c = connections(problem)
    result = peak_bound([PeakPart(c, [None] * len(c))], [], 0, None, run())
    assert result is not None and result.bound == result.buses == buses
    plan = min_cost_cover(c.feasible(result.shifts[0]), c.cost)
    assert len(c) - len(plan) == buses


@pytest.mark.parametrize("seed", range(4))
def test_peak_bound_with_bell_moves_never_above_the_exhaustive_optimum(seed: int) -> None:
    data = schooled(random_problem(seed, n=4, window=1, span=40), ["A", "A", "B", "B"])
    problem = parse_problem(data)
    rules = BellRules(earliest_s=-10 * MIN, latest_s=10 * MIN, step_s=5 * MIN)
    units = move_units(problem, rules)
    unit_of = {k: u for u, unit in enumerate(units) for k in unit.trips}
    c = connections(problem)
    part = PeakPart(c, [unit_of.get(k) for k in c.trips])
    for max_moves in (0, 1):
        found = peak_bound([part], rules.amounts(), len(units), max_moves, run(), relax=True)
        assert found is not None
        assert found.bound <= best_with_moves(problem, rules, max_moves)


def test_bell_curve_rows_are_monotone_checkable_and_start_at_todays_plan() -> None:
    data = random_problem(7, n=10, window=2, span=90)
    problem = parse_problem(schooled(data, ["A", "A", "B", "B", "C", "C", "D", "D", "E", "E"]))
    params = SolveParams(time_limit=4)
    rows = bell_curve(problem, BellRules(), 3, params)
    today = solve(problem, params)
    assert rows[0].moves == {}
    assert rows[0].buses == {d: len(p.buses) for d, p in today.days.items()}
    fleets = [row.fleet for row in rows]
    assert fleets == sorted(fleets, reverse=True)
    for row in rows:
        assert row.units_moved <= row.max_moves
        assert row.bound <= row.fleet
        assert check(row.problem, row.solution) == []
        moved = {k: v for k, v in row.moves.items() if v}
        assert moved == row.moves
        assert all(np.isin(list(row.moves.values()), BellRules().amounts()))
