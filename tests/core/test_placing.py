"""A trip left without a vehicle, placed on a running bus: in a gap, or in the place of a trip
that another bus takes, and never where a rule breaks."""

from __future__ import annotations

from busplan.core.feasibility import Rules, check
from busplan.core.model import Problem
from busplan.core.placing import place
from busplan.core.solution import DayPlan, PlannedTrip, Solution
from tests.core.test_stable_swaps import bus, week_problem

TRIPS = {
    "A": ("07:00", 30, ["L"]),
    "C": ("08:00", 30, ["L"]),
    "D": ("09:00", 30, ["L"]),
    "E": ("07:00", 40, ["L"]),
    "F": ("08:38", 32, ["L"]),
    "U": ("08:00", 35, ["L"]),
}
"""Bus 1 runs A, C, D; bus 2 runs E, F; U overlaps C and does not fit between E and F (every
drive is 5 minutes), but C does."""


def placed(problem: Problem, days: dict[str, list[str]]) -> list[list[str]] | None:
    buses = [bus(problem, b, ids) for b, ids in days.items()]
    u = next(t for t in problem.trips if t.id == "U")
    if not place(Rules.of(problem), "L", PlannedTrip("U", 0, u.base_start, u.base_end), buses):
        return None
    assert check(problem, Solution({"L": DayPlan("L", tuple(buses))})) == []
    return [[p.trip_id for p in b.trips] for b in buses]


def test_a_trip_goes_into_a_gap_of_a_bus() -> None:
    problem = week_problem({t: v for t, v in TRIPS.items() if t != "C"})
    assert placed(problem, {"B1": ["A", "D"], "B2": ["E", "F"]}) == [["A", "U", "D"], ["E", "F"]]


def test_a_trip_takes_the_place_of_one_that_another_bus_has_room_for() -> None:
    problem = week_problem(TRIPS)
    after = placed(problem, {"B1": ["A", "C", "D"], "B2": ["E", "F"]})
    assert after == [["A", "U", "D"], ["E", "C", "F"]]


def test_no_placing_breaks_a_duty_limit() -> None:
    """With C, bus 2 drives 122 minutes: a limit of 120 leaves U out, one of 125 does not."""
    for limit, fits in ((120, False), (125, True)):
        problem = week_problem(TRIPS, duty={"max_drive_min": limit})
        after = placed(problem, {"B1": ["A", "C", "D"], "B2": ["E", "F"]})
        assert (after is not None) is fits
