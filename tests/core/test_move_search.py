"""The next-move search: its score is the matching bound of the problem with the bells really
moved, the moves made stay, and it finds the move that lets one bus run two schools."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from busplan.core.bells import BellRules, move_bells, move_units, moves_of_units
from busplan.core.bounds import fleet_lower_bound
from busplan.core.move_search import MoveSearch
from busplan.core.peak import PeakPart
from busplan.core.scenarios import _peak_parts
from busplan.core.travel import default_travel
from busplan.io.problem_json import parse_problem
from tests.conftest import random_problem, trip
from tests.core.brute_force import connections, schooled

MIN = 60
RULES = BellRules(earliest_s=-20 * MIN, latest_s=20 * MIN, step_s=10 * MIN)


def search_of(problem: Any) -> tuple[MoveSearch, list[PeakPart]]:
    units = move_units(problem, RULES)
    parts = _peak_parts(problem, default_travel(problem), units)
    return MoveSearch(parts, RULES.amounts()), parts


@pytest.mark.parametrize("seed", range(6))
def test_the_score_is_the_matching_bound_of_the_moved_problem(seed: int) -> None:
    data = random_problem(seed, n=10, window=2, span=90)
    problem = parse_problem(schooled(data, ["A", "A", "B", "B", "C", "C", "D", "", "E", "E"]))
    units = move_units(problem, RULES)
    search, _ = search_of(problem)
    rng = random.Random(seed)
    for _ in range(5):
        moves = {
            u: rng.choice([-20, -10, 10, 20]) * MIN for u in range(len(units)) if rng.random() < 0.5
        }
        amounts = [moves.get(u, 0) for u in range(len(units))]
        moved = move_bells(problem, moves_of_units(units, amounts))
        assert search.score(moves)[0] == fleet_lower_bound(connections(moved))


def two_schools() -> Any:
    """Three trips to school A and three to school B, all arriving at 09:00 after 10 minutes
    on the road, 5 minutes' drive apart: six buses, or three once one bell moves 20 minutes."""
    trips = [
        trip(f"{s}{k}", "entry", "09:00", 10, school={"id": s, "name": s})
        for s in "AB"
        for k in range(3)
    ]
    n = len(trips)
    travel = [[0 if i == j else 5 for j in range(n)] for i in range(n)]
    settings = {"entry_shift_min": [0, 0], "exit_shift_min": [0, 0], "buffer_min": 0}
    return parse_problem({"version": 1, "trips": trips, "travel": {"minutes": travel},
                          "settings": settings})  # fmt: skip


def test_the_next_move_lets_one_bus_run_both_schools() -> None:
    search, _ = search_of(two_schools())
    assert search.score({})[0] == 6
    moves = search.next_move({}, time.monotonic() + 30)
    assert len(moves) == 1
    assert search.score(moves)[0] == 3
    assert abs(next(iter(moves.values()))) == 20 * MIN  # the least move that does it


@pytest.mark.parametrize("seed", range(4))
def test_the_moves_made_stay_and_the_score_never_worsens(seed: int) -> None:
    data = random_problem(seed, n=10, window=2, span=60)
    problem = parse_problem(schooled(data, ["A", "A", "B", "B", "C", "C", "D", "D", "E", "E"]))
    search, _ = search_of(problem)
    moves: dict[int, int] = {}
    for _ in range(3):
        after = search.next_move(moves, time.monotonic() + 30)
        assert set(moves) <= set(after) and len(after) <= len(moves) + 1
        assert search.score(after) <= search.score(moves)
        moves = after
