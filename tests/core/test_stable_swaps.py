"""The exchanges that keep a week's trips on their usual bus: they raise the stability, keep
every rule, and never touch a day's bus count or a bus id's vehicle."""

from __future__ import annotations

import time
from typing import Any

from busplan.core.feasibility import Rules, check
from busplan.core.model import Problem
from busplan.core.solution import Bus, DayPlan, PlannedTrip, Solution
from busplan.core.stable_swaps import StableSwaps
from busplan.core.stats import stability
from busplan.io.problem_json import parse_problem
from tests.conftest import trip
from tests.core.test_operations import ops_problem


def week_problem(lengths: dict[str, tuple[str, int, list[str]]], **settings: Any) -> Problem:
    """One operator's trips (id: start, minutes, days), 5 minutes apart, three vehicles."""
    trips = [
        trip(t, "exit", start, minutes, operator="OP1", seats=20, days=days)
        for t, (start, minutes, days) in lengths.items()
    ]
    data = ops_problem(trips, stable_week=True, **settings)
    data["fleet"][0]["count"] = 3
    return parse_problem(data)


def bus(problem: Problem, bus_id: str, ids: list[str]) -> Bus:
    """A bus of F1 at D1 running `ids` at official times (every drive is 5 minutes)."""
    trips = {t.id: t for t in problem.trips}
    planned = tuple(
        PlannedTrip(t, 0, trips[t].base_start, trips[t].base_end, 300 if n else 0)
        for n, t in enumerate(ids)
    )
    return Bus(bus_id, planned, "D1", "F1", 45, pull_out_s=300, pull_in_s=300)


def week(problem: Problem, days: dict[str, dict[str, list[str]]]) -> dict[str, DayPlan]:
    plans = {
        day: DayPlan(day, tuple(bus(problem, b, ids) for b, ids in buses.items()))
        for day, buses in days.items()
    }
    assert check(problem, Solution(plans)) == []
    return plans


def swapped(problem: Problem, plans: dict[str, DayPlan]) -> dict[str, DayPlan]:
    after = StableSwaps(Rules.of(problem), plans).run(time.monotonic() + 10)
    assert check(problem, Solution(after)) == []
    for day, plan in plans.items():  # the same vehicles each day
        assert sorted(b.vehicle for b in after[day].buses) == sorted(b.vehicle for b in plan.buses)
    return after


def trips_of(plans: dict[str, DayPlan], day: str) -> dict[str, list[str]]:
    return {b.id: [p.trip_id for p in b.trips] for b in plans[day].buses}


TRIPS = {
    "A": ("07:00", 60, ["L", "M", "X"]),
    "B": ("07:00", 30, ["L", "M", "X"]),
    "C": ("09:00", 30, ["L", "M", "X"]),
    "D": ("09:00", 60, ["L", "M", "X"]),
    "F": ("11:00", 30, ["X"]),
}
USUAL = {"B1": ["A", "C"], "B2": ["B", "D"]}
CROSSED = {"L": USUAL, "M": USUAL, "X": {"B1": ["A", "D"], "B2": ["B", "C", "F"]}}


def test_an_exchange_of_afternoons_puts_each_trip_on_its_usual_bus() -> None:
    problem = week_problem(TRIPS)
    plans = week(problem, CROSSED)
    assert stability(plans) == 11 / 13
    after = swapped(problem, plans)
    assert stability(after) == 1.0
    assert trips_of(after, "L") == USUAL
    assert {b: trips[:2] for b, trips in trips_of(after, "X").items()} == USUAL


def test_no_exchange_breaks_a_duty_limit() -> None:
    """Each exchange that steadies Wednesday gives a bus 140 minutes at the wheel."""
    for limit, steadied in ((135, False), (140, True)):
        problem = week_problem(TRIPS, duty={"max_drive_min": limit})
        after = swapped(problem, week(problem, CROSSED))
        assert (stability(after) == 1.0) is steadied


def test_a_bus_takes_its_usual_id_where_that_id_is_free_that_day() -> None:
    problem = week_problem({"A": ("07:00", 30, ["L", "X"]), "B": ("09:00", 30, ["L", "X"])})
    plans = week(problem, {"L": {"B1": ["A"], "B2": ["B"]}, "X": {"B2": ["A"], "B3": ["B"]}})
    after = swapped(problem, plans)
    assert stability(after) == 1.0
    assert trips_of(after, "X") == trips_of(after, "L")


def test_days_with_the_same_plan_change_together() -> None:
    """Thursday's plan stands for Friday's too: both move their afternoons together."""
    days = ["L", "M", "Mc", "X", "V"]
    problem = week_problem({t: (s, m, days) for t, (s, m, _) in TRIPS.items() if t != "F"})
    stray = {"B1": ["A", "D"], "B2": ["B", "C"]}
    plans = week(problem, {"L": USUAL, "M": USUAL, "Mc": USUAL, "X": stray, "V": stray})
    plans["V"] = DayPlan("V", plans["X"].buses, same_as="X")
    after = swapped(problem, plans)
    assert stability(after) == 1.0
    assert trips_of(after, "X") == trips_of(after, "V") == USUAL
    assert after["V"].same_as == "X"
