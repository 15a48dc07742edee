"""Depot-aware deadhead: at the fewest buses, each bus returns to the depot it left and the
day's deadhead (pull-out and pull-in included) is the least any such plan has, within the
depots' capacities. Held to exhaustive search over every partition of tiny days."""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

import numpy as np
import pytest

from busplan.core import SolveParams, solve
from busplan.core.depot_stage import DepotStage
from busplan.core.depots import DayTrips, Homes, rechain
from busplan.core.feasibility import check
from busplan.core.model import Duty
from busplan.core.solution import PlannedTrip
from busplan.core.units import parse_clock
from busplan.io.problem_json import parse_problem
from tests.conftest import trip


def multi_depot(seed: int, n: int, depots: int = 3) -> dict[str, Any]:
    """Random trips at fixed times, an explicit matrix, and depots far apart with their own
    capacities, so that the nearest depot at each end of a bus is often not the same one."""
    rng = random.Random(seed)
    trips = [
        trip(f"T{k}", "exit", f"{7 + rng.randrange(4):02d}:{rng.randrange(0, 60, 5):02d}", 20)
        for k in range(n)
    ]
    for t in trips:
        t["days"] = ["L"]
    caps = [rng.choice([None, 1, 2]) for _ in range(depots)]
    return {
        "version": 2,
        "depots": [
            {"id": f"D{d}", **({"max_buses": c} if c is not None else {})}
            for d, c in enumerate(caps)
        ],
        "trips": trips,
        "settings": {"entry_shift_min": [0, 0], "exit_shift_min": [0, 0], "buffer_min": 0},
        "travel": {
            "minutes": [[0 if i == j else rng.randint(2, 30) for j in range(n)] for i in range(n)],
            "depot_out_min": [[rng.randint(1, 40) for _ in range(n)] for _ in range(depots)],
            "depot_in_min": [[rng.randint(1, 40) for _ in range(depots)] for _ in range(n)],
        },
    }


def exhaustive(data: dict[str, Any]) -> tuple[int, int]:
    """(fewest buses, then least deadhead in minutes with pull-out and pull-in) over every
    partition of the trips into buses and every depot per bus within the capacities."""
    trips, travel = data["trips"], data["travel"]
    n, m = len(trips), len(data["depots"])
    caps = [d.get("max_buses", n) for d in data["depots"]]
    start = [int(t["time"][:2]) * 60 + int(t["time"][3:]) for t in trips]
    end = [s + int(t["duration_min"]) for s, t in zip(start, trips, strict=True)]
    mat, out, back = travel["minutes"], travel["depot_out_min"], travel["depot_in_min"]

    def chain_cost(group: list[int]) -> list[int] | None:
        order = sorted(group, key=lambda k: (start[k], k))
        drive = 0
        for a, b in itertools.pairwise(order):
            if start[b] - end[a] < mat[a][b]:
                return None
            drive += mat[a][b]
        return [drive + out[d][order[0]] + back[order[-1]][d] for d in range(m)]

    best = (n + 1, 0)
    for labels in itertools.product(range(n), repeat=n):
        if any(labels[k] > max(labels[:k], default=-1) + 1 for k in range(n)):
            continue  # one labelling per partition
        groups = [[k for k in range(n) if labels[k] == g] for g in range(max(labels) + 1)]
        costs = [c for c in map(chain_cost, groups) if c is not None]
        if len(costs) < len(groups) or len(groups) > best[0]:
            continue
        for homes in itertools.product(range(m), repeat=len(groups)):
            if any(homes.count(d) > caps[d] for d in range(m)):
                continue
            total = sum(c[d] for c, d in zip(costs, homes, strict=True))
            best = min(best, (len(groups), total))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_fewest_buses_then_least_deadhead_with_each_bus_home_to_its_depot(seed: int) -> None:
    data = multi_depot(seed, 7)
    buses, deadhead = exhaustive(data)
    problem = parse_problem(data)
    solution = solve(problem, SolveParams(time_limit=10))
    assert check(problem, solution) == []
    plan = solution.days["L"]
    assert len(plan.buses) == buses
    driven = sum(
        b.pull_out_s + b.pull_in_s + sum(p.deadhead_s for p in b.trips) for b in plan.buses
    )
    assert driven == deadhead * 60


def test_a_full_depot_sends_the_next_bus_to_another() -> None:
    """Two buses must run; the depot both would like holds one, so the other bus is based at
    the far depot, and the plan still pays the least it can."""
    data = multi_depot(0, 2, depots=2)
    data["trips"][0]["time"], data["trips"][1]["time"] = "08:00", "08:05"
    data["depots"][0]["max_buses"] = 1
    data["depots"][1].pop("max_buses", None)
    data["travel"]["depot_out_min"] = [[5, 5], [30, 30]]
    data["travel"]["depot_in_min"] = [[5, 30], [5, 30]]
    problem = parse_problem(data)
    solution = solve(problem, SolveParams(time_limit=10))
    assert check(problem, solution) == []
    plan = solution.days["L"]
    assert sorted(b.depot for b in plan.buses) == ["D0", "D1"]
    assert exhaustive(data) == (2, 5 + 5 + 30 + 30)


def week_figures(data: dict[str, Any]) -> tuple[list[int], int, float]:
    problem = parse_problem(data)
    solution = solve(problem, SolveParams(time_limit=20))
    assert check(problem, solution) == []
    assert solution.stability is not None
    plans = [solution.days[d] for d in sorted(solution.days)]
    driven = sum(
        b.pull_out_s + b.pull_in_s + sum(p.deadhead_s for p in b.trips)
        for plan in plans
        for b in plan.buses
    )
    return [len(p.buses) for p in plans], driven, solution.stability


@pytest.mark.parametrize("seed", range(4))
def test_in_a_stable_week_deadhead_is_cut_only_where_stability_is_kept(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several day sets, depot capacities and a spread limit: the stage keeps every day's
    buses, never adds deadhead and never lowers the week's stability (against the same solve
    without it)."""
    rng = random.Random(seed)
    data = multi_depot(seed, 10)
    data["settings"]["stable_week"] = True
    data["settings"]["duty"] = {"max_spread_min": 300}
    for t in data["trips"]:
        t["days"] = rng.sample(["L", "M", "Mc"], rng.randint(1, 3))
    with_stage = week_figures(data)
    monkeypatch.setattr(DepotStage, "run", lambda self: self.homes)
    without = week_figures(data)
    assert with_stage[0] == without[0]
    assert with_stage[1] <= without[1]
    assert with_stage[2] >= without[2]


def two_trips(minutes: int, first: str, second: str) -> tuple[DayTrips, Homes]:
    """Two trips of `minutes` each at `first` and `second`, 5 minutes apart, and one depot
    10 minutes from both: joining them into one bus saves 15 minutes of pulls."""
    trips = [
        PlannedTrip(f"T{k}", 0, start, start + minutes * 60, 0)
        for k, start in enumerate(parse_clock(t) for t in (first, second))
    ]
    day = DayTrips(
        trips,
        drive=np.array([[0, 300], [300, 0]]),
        may_follow=np.array([[False, True], [False, False]]),
        allowed=np.ones((2, 1), np.bool_),
        pull_out=np.full((1, 2), 600),
        pull_in=np.full((2, 1), 600),
    )
    return day, Homes([0], [None], {})


@pytest.mark.parametrize(
    ("minutes", "first", "second", "duty", "joined"),
    [
        (30, "07:00", "17:00", Duty(max_spread_s=600 * 60), False),  # 650 min from depot back
        (30, "07:00", "17:00", Duty(max_spread_s=660 * 60), True),
        (180, "07:00", "11:00", Duty(max_drive_s=300 * 60), False),  # 385 min of driving
        (180, "07:00", "11:00", Duty(max_drive_s=400 * 60), True),
    ],
)
def test_the_model_itself_keeps_the_spread_and_the_driving(
    minutes: int, first: str, second: str, duty: Duty, joined: bool
) -> None:
    """The spread and driving limits are stated in the model, not only checked on its chains:
    given a check that accepts every chain, the two trips are joined only where the limit
    allows it (otherwise nothing beats today's two buses)."""
    day, homes = two_trips(minutes, first, second)
    found = rechain(
        day, homes, [[0], [1]], [0, 0], lambda *_: True, 1.0, time.monotonic() + 10, duty=duty
    )
    if joined:
        assert found is not None and [[p.trip_id for p in run] for run, _ in found] == [
            ["T0", "T1"]
        ]
    else:
        assert found is None
