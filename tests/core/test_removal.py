"""The removal bound: the widest antichain is pairwise unlinked; the bound is never above the
exhaustive optimum (with and without bell moves, and where the travel table breaks the
triangle inequality), it equals the fewest buses where connections are transitive, and each
move frees the unit holding most of the peak."""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np
import pytest

from busplan.core.bells import BellRules, move_units
from busplan.core.bounds import fleet_lower_bound, max_matching
from busplan.core.peak import PeakPart
from busplan.core.progress import Reporter
from busplan.core.removal import RemovalBound, linked, reachable, widest_antichain
from busplan.core.search import Runner, SearchLimits, runner
from busplan.io.problem_json import parse_problem
from tests.conftest import random_problem, trip
from tests.core.brute_force import best_buses_and_deadhead, best_with_moves, connections, schooled

MIN = 60


def run(seconds: float = 30.0) -> Runner:
    return runner(
        SearchLimits(time.monotonic() + seconds, seconds, 0, 1), Reporter(None), "", (0, 1)
    )


def part_of(problem: Any, rules: BellRules) -> PeakPart:
    units = move_units(problem, rules)
    unit_of = {k: u for u, unit in enumerate(units) for k in unit.trips}
    c = connections(problem)
    return PeakPart(c, [unit_of.get(k) for k in c.trips])


def bound_of(problem: Any, rules: BellRules, max_moves: int) -> int:
    return RemovalBound([part_of(problem, rules)], problem.settings.buffer_s)(max_moves, run())


@pytest.mark.parametrize("window", [0, 2, 30])
@pytest.mark.parametrize("seed", range(6))
def test_the_widest_antichain_is_unlinked_and_never_above_the_matching_bound_at_fixed_times(
    seed: int, window: int
) -> None:
    """+-30 min on trips of 10-30 min makes connections run both ways (cycles): there the
    matching bound may fall to 0 buses and the antichain still holds at least one trip."""
    c = connections(parse_problem(random_problem(seed, n=12, window=window, span=60)))
    reach = reachable(c.optimistic())
    chosen = widest_antichain(reach)
    assert chosen
    linked = (reach | reach.T) & ~np.eye(len(c), dtype=np.bool_)
    assert not linked[np.ix_(chosen, chosen)].any()
    if window == 0:
        assert len(chosen) <= fleet_lower_bound(c)


@pytest.mark.parametrize("seed", range(6))
def test_never_above_the_exhaustive_optimum(seed: int) -> None:
    problem = parse_problem(random_problem(seed, n=4, window=6, span=30))
    buses, _ = best_buses_and_deadhead(problem)
    assert bound_of(problem, BellRules(), 0) <= buses


@pytest.mark.parametrize("seed", range(6))
def test_with_fixed_times_and_one_drive_it_is_the_fewest_buses(seed: int) -> None:
    data = random_problem(seed, n=7, window=0, span=90)
    n = len(data["trips"])
    data["travel"] = {"minutes": [[0 if i == j else 10 for j in range(n)] for i in range(n)]}
    for t in data["trips"]:
        t.pop("vehicle_seats")
    problem = parse_problem(data)
    buses, _ = best_buses_and_deadhead(problem)
    assert bound_of(problem, BellRules(), 0) == buses


@pytest.mark.parametrize("seed", range(5))
def test_never_above_the_exhaustive_optimum_with_bell_moves(seed: int) -> None:
    data = schooled(random_problem(seed, n=5, window=1, span=40), ["A", "A", "B", "B", ""])
    problem = parse_problem(data)
    rules = BellRules(earliest_s=-10 * MIN, latest_s=10 * MIN, step_s=5 * MIN)
    for max_moves in (0, 1, 2):
        assert bound_of(problem, rules, max_moves) <= best_with_moves(problem, rules, max_moves)


def test_each_move_frees_the_bell_holding_most_of_the_peak() -> None:
    """Five trips at once, far apart: three ring school A's bell, two school B's."""
    schools = ["A", "A", "A", "B", "B"]
    trips = [
        trip(f"T{k}", "entry", "09:00", 40, start=(42.0 + k, -8.0), end=(42.0 + k, -8.1),
             school={"id": s, "name": s})
        for k, s in enumerate(schools)
    ]  # fmt: skip
    problem = parse_problem({"version": 1, "trips": trips})
    assert [bound_of(problem, BellRules(), k) for k in range(3)] == [5, 2, 0]


def test_a_day_set_apart_bounds_the_fleet_on_its_own() -> None:
    """The bound is the busiest day's: two day sets, the second with more trips at once."""
    rules = BellRules()
    one = part_of(parse_problem(random_problem(1, n=6, window=0, span=300)), rules)
    two = part_of(parse_problem(random_problem(2, n=12, window=0, span=20)), rules)
    separate = [RemovalBound([p], 0)(0, run()) for p in (one, two)]
    together = [PeakPart(one.connections, one.units, 0), PeakPart(two.connections, two.units, 1)]
    assert RemovalBound(together, 0)(0, run()) == max(separate)


def test_a_moved_bell_between_two_trips_links_them_whatever_the_drives() -> None:
    """A and B are 100 minutes apart by the table, but 1 minute from school S's trip each way:
    moved an hour earlier, S's trip runs between them and one bus runs all three. The bound
    must see that link, though the table breaks the triangle inequality."""
    trips = [
        trip("A", "entry", "08:10", 10, school={"id": "X", "name": "X"}),
        trip("B", "entry", "08:40", 10, school={"id": "Y", "name": "Y"}),
        trip("S", "entry", "09:30", 5, school={"id": "S", "name": "S"}),
    ]
    travel = [[0, 100, 1], [100, 0, 100], [100, 1, 0]]
    settings = {"entry_shift_min": [0, 0], "exit_shift_min": [0, 0], "buffer_min": 0}
    problem = parse_problem(
        {"version": 1, "trips": trips, "travel": {"minutes": travel}, "settings": settings}
    )
    rules = BellRules(earliest_s=-70 * MIN, latest_s=0, step_s=5 * MIN, fixed=frozenset("XY"))
    assert best_with_moves(problem, rules, 1) == 1
    assert bound_of(problem, rules, 1) <= 1


@pytest.mark.parametrize("seed", range(5))
def test_it_is_the_least_matching_bound_over_every_choice_of_moved_bells(seed: int) -> None:
    """On small problems CP-SAT proves the MIP's optimum, so the bound is exactly the least,
    over every set of at most K units, of the kept trips less a maximum matching of links."""
    schools = ["A", "A", "B", "B", "C", "C", "D", "D", "", ""]
    problem = parse_problem(schooled(random_problem(seed, n=10, window=2, span=60), schools))
    rules = BellRules()
    part = part_of(problem, rules)
    links = linked(part.connections, np.array([u is not None for u in part.units]),
                   problem.settings.buffer_s)  # fmt: skip
    n_units = len(move_units(problem, rules))
    for max_moves in (1, 2):
        least = len(part.units)
        for size in range(max_moves + 1):
            for moved in itertools.combinations(range(n_units), size):
                kept = [k for k, u in enumerate(part.units) if u not in moved]
                least = min(least, len(kept) - max_matching(links[np.ix_(kept, kept)]))
        assert bound_of(problem, rules, max_moves) == least
