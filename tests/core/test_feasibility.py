"""The feasibility rules: each broken rule is reported with day, bus, trip and reason."""

from __future__ import annotations

from dataclasses import replace

import pytest

from busplan.core import Bus, DayPlan, PlannedTrip, Solution, check
from busplan.core.model import Problem
from busplan.io.problem_json import parse_problem
from tests.conftest import trip

SAME_PLACE = {"start": (42.0, -8.0), "end": (42.0, -8.0)}


def problem() -> Problem:
    return parse_problem(
        {
            "version": 1,
            "trips": [
                trip("A", "entry", "08:00", 30, seats=20, vehicle_seats=[10, 25], **SAME_PLACE),
                trip("B", "exit", "09:00", 30, seats=20, vehicle_seats=[10, 25], **SAME_PLACE),
                trip(
                    "C",
                    "exit",
                    "14:00",
                    30,
                    seats=40,
                    vehicle_seats=[39, 55],
                    days=["L"],
                    **SAME_PLACE,
                ),
            ],
            "settings": {"buffer_min": 5, "exit_shift_min": [-5, 10]},
            "travel": {"minutes": [[0, 10, 10], [10, 0, 10], [10, 10, 0]]},
        }
    )


def planned(trip_id: str, start: str, end: str, shift: int = 0, deadhead: int = 0) -> PlannedTrip:
    def sec(t: str) -> int:
        h, m = t.split(":")
        return int(h) * 3600 + int(m) * 60

    return PlannedTrip(trip_id, shift * 60, sec(start), sec(end), deadhead * 60)


def good_monday() -> DayPlan:
    return DayPlan(
        "L",
        (
            Bus(
                "B1", (planned("A", "07:30", "08:00"), planned("B", "09:00", "09:30", deadhead=10))
            ),
            Bus("B2", (planned("C", "14:00", "14:30"),)),
        ),
    )


def solve_days(monday: DayPlan) -> Solution:
    others = {
        d: DayPlan(
            d,
            (
                Bus(
                    "B1",
                    (planned("A", "07:30", "08:00"), planned("B", "09:00", "09:30", deadhead=10)),
                ),
            ),
        )
        for d in ("M", "Mc", "X", "V")
    }
    return Solution({"L": monday} | others)


def messages(monday: DayPlan) -> list[str]:
    return [str(v) for v in check(problem(), solve_days(monday))]


def test_valid_plan_has_no_violations() -> None:
    """A plan that keeps every rule passes."""
    assert messages(good_monday()) == []


@pytest.mark.parametrize(
    ("bus", "expected"),
    [
        (
            Bus("B1", (planned("A", "07:30", "08:00"), planned("B", "08:10", "08:40", -50, 10))),
            "L B1 B: shift -50.0 min outside [-5.0, 10.0]",
        ),
        (
            Bus("B1", (planned("A", "07:30", "08:00"), planned("B", "09:05", "09:30", 0, 10))),
            "L B1 B: times 09:05-09:30 disagree with its shift (expected 09:00-09:30)",
        ),
        (
            Bus("B1", (planned("A", "07:30", "08:00"), planned("B", "09:00", "09:30", 0, 3))),
            "L B1 B: deadhead 3.0 min, drive is 10.0",
        ),
        (
            Bus("B1", (planned("A", "07:30", "08:00", 0, 4),)),
            "L B1 A: first trip of a bus has deadhead",
        ),
        (
            Bus("B1", (planned("X9", "07:30", "08:00"),)),
            "L B1 X9: unknown trip",
        ),
    ],
)
def test_each_trip_rule(bus: Bus, expected: str) -> None:
    """Shift windows, times, deadhead and unknown ids are checked trip by trip."""
    monday = replace(good_monday(), buses=(bus, good_monday().buses[1]))
    assert expected in messages(monday)


def test_connection_too_tight() -> None:
    """A trip that starts before the previous one's drive and buffer are over is flagged."""
    tight = problem().trips[1]
    assert tight.id == "B"
    monday = replace(
        good_monday(),
        buses=(
            Bus("B1", (planned("A", "07:30", "08:00"), planned("B", "08:10", "08:40", -5, 10))),
            good_monday().buses[1],
        ),
    )
    p = replace(
        problem(),
        trips=(problem().trips[0], replace(tight, time_s=8 * 3600 + 15 * 60), problem().trips[2]),
    )
    found = [str(v) for v in check(p, solve_days(monday))]
    assert "L B1 B: starts 10.0 min after A ends; needs 15.0 (drive 10.0 + buffer)" in found


def test_coverage_rules() -> None:
    """Every trip of the day runs exactly once; trips run only on their days."""
    monday = replace(good_monday(), buses=(good_monday().buses[0], good_monday().buses[0]))
    found = messages(monday)
    assert "L A: planned 2 times" in found and "L C: runs this day but is on no bus" in found
    tuesday = Solution({"M": DayPlan("M", (Bus("B1", (planned("C", "14:00", "14:30"),)),))})
    found = [str(v) for v in check(problem(), tuesday, days=["M"])]
    assert "M B1 C: does not run on M" in found


def test_one_vehicle_per_bus() -> None:
    """Trips whose seat ranges do not overlap cannot share a bus."""
    monday = replace(
        good_monday(),
        buses=(
            Bus(
                "B1",
                (
                    planned("A", "07:30", "08:00"),
                    planned("B", "09:00", "09:30", deadhead=10),
                    planned("C", "14:00", "14:30", deadhead=10),
                ),
            ),
        ),
    )
    assert "L B1: no vehicle size fits all its trips" in messages(monday)


def test_missing_day_and_unknown_day() -> None:
    """A solution must cover each day a trip runs, and only weekday codes."""
    found = [str(v) for v in check(problem(), Solution({"Sa": DayPlan("Sa", ())}))]
    assert "Sa: not a weekday code" in found and "L: day missing from the solution" in found
