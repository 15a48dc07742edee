"""Format version 2: depots, fleet, operators, duty limits and the stable week.

Each rule has a plan that breaks it (check rejects it) and a problem where it binds (the solver
keeps it); the bound is held to exhaustive search on tiny problems with every rule on.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from busplan.cli.optimize import summary
from busplan.core import SolveParams, solve
from busplan.core.feasibility import check
from busplan.core.model import Problem
from busplan.core.solution import Bus, DayPlan, PlannedTrip, Solution, Unassigned
from busplan.core.travel import default_travel, depot_travel
from busplan.io.problem_json import ProblemError, parse_problem
from busplan.io.solution_json import parse_solution, solution_to_dict
from tests.conftest import trip
from tests.core.brute_force import partitions

FAST = SolveParams(time_limit=10)


def ops_problem(trips: list[dict[str, Any]], **settings: Any) -> dict[str, Any]:
    """Two operators, one depot each (the same 5 minutes from every stop), a fleet of two
    45-seat buses per operator, and an explicit 5-minute travel matrix."""
    n = len(trips)
    return {
        "version": 2,
        "depots": [
            {"id": "D1", "operator": "OP1", "lat": 42.2, "lon": -8.7},
            {"id": "D2", "operator": "OP2", "lat": 42.2, "lon": -8.7},
        ],
        "fleet": [
            {"id": "F1", "operator": "OP1", "depot": "D1", "seats": 45, "count": 2},
            {"id": "F2", "operator": "OP2", "depot": "D2", "seats": 45, "count": 2},
        ],
        "trips": trips,
        "settings": {
            "entry_shift_min": [0, 0],
            "exit_shift_min": [0, 0],
            "buffer_min": 0,
            **settings,
        },
        "travel": {
            "minutes": [[0 if i == j else 5 for j in range(n)] for i in range(n)],
            "depot_out_min": [[5] * n, [5] * n],
            "depot_in_min": [[5, 5] for _ in range(n)],
        },
    }


def op_trip(trip_id: str, time: str, operator: str = "OP1", **extra: Any) -> dict[str, Any]:
    return trip(
        trip_id, "exit", time, 30, **{"operator": operator, "seats": 20, "days": ["L"], **extra}
    )


def solved(data: dict[str, Any]) -> tuple[Problem, Solution]:
    problem = parse_problem(data)
    solution = solve(problem, FAST)
    assert check(problem, solution) == []
    return problem, solution


def messages(problem: Problem, solution: Solution) -> str:
    return " | ".join(v.message for v in check(problem, solution))


# --- each rule binds: the solver keeps it -----------------------------------------------------


def test_operators_never_share_a_bus() -> None:
    """Two trips one bus could chain go on two buses when two companies run them."""
    _, mixed = solved(ops_problem([op_trip("A", "08:00"), op_trip("B", "09:00", "OP2")]))
    _, same = solved(ops_problem([op_trip("A", "08:00"), op_trip("B", "09:00")]))
    assert mixed.days["L"].stats and mixed.days["L"].stats.buses == 2
    assert mixed.days["L"].stats.lower_bound == 2
    assert same.days["L"].stats and same.days["L"].stats.buses == 1


def test_contracts_apart_when_asked() -> None:
    """With contracts_apart, trips of two contracts get two buses; without, one."""
    trips = [op_trip("A", "08:00", contract="C1"), op_trip("B", "09:00", contract="C2")]
    _, apart = solved(ops_problem(trips, contracts_apart=True))
    _, together = solved(ops_problem(trips))
    assert apart.days["L"].stats and apart.days["L"].stats.buses == 2
    assert together.days["L"].stats and together.days["L"].stats.buses == 1


def test_buses_leave_and_return_to_their_depot_and_pulls_count_as_deadhead() -> None:
    """Each bus has its operator's depot and vehicle; deadhead = between trips + pulls."""
    _, solution = solved(ops_problem([op_trip("A", "08:00"), op_trip("B", "09:00")]))
    plan = solution.days["L"]
    (bus,) = plan.buses
    assert (bus.depot, bus.vehicle, bus.seats) == ("D1", "F1", 45)
    assert (bus.pull_out_s, bus.pull_in_s) == (300, 300)
    assert plan.stats and plan.stats.pull_s == 600
    assert plan.stats.deadhead_s == 300 + 600
    assert bus.spread_s == (9 * 60 + 30 - 8 * 60 + 10) * 60
    assert plan.stats.fleet_used == (("F1", 1), ("F2", 0))


def test_spread_limit_splits_a_long_day() -> None:
    """A 07:00 and an 18:00 trip cannot share a driver's 8-hour spread: two buses."""
    trips = [op_trip("A", "07:00"), op_trip("B", "18:00")]
    _, limited = solved(ops_problem(trips, duty={"max_spread_min": 480}))
    _, free = solved(ops_problem(trips))
    assert limited.days["L"].stats and limited.days["L"].stats.buses == 2
    assert free.days["L"].stats and free.days["L"].stats.buses == 1
    assert all(b.spread_s <= 480 * 60 for b in limited.days["L"].buses)


def test_drive_limit_binds() -> None:
    """Three 30-minute trips need two buses when a driver may drive 70 minutes."""
    trips = [op_trip("A", "08:00"), op_trip("B", "09:00"), op_trip("C", "10:00")]
    _, solution = solved(ops_problem(trips, duty={"max_drive_min": 80}))
    assert solution.days["L"].stats and solution.days["L"].stats.buses == 2
    assert all(b.drive_s <= 80 * 60 for b in solution.days["L"].buses)


def test_a_morning_without_a_break_is_cut_into_buses_that_keep_it() -> None:
    """Four trips 10 minutes apart and a 30-minute break due after 120 minutes of work: no
    wait is long enough for the break, so the morning is two buses, and every trip runs."""
    times = {"A": "08:00", "B": "08:40", "C": "09:20", "D": "10:00"}
    trips = [op_trip(t, at) for t, at in times.items()]
    _, solution = solved(ops_problem(trips, duty={"break_after_min": 120, "break_min": 30}))
    plan = solution.days["L"]
    assert plan.unassigned == ()
    assert plan.stats and plan.stats.buses == 2


def test_fleet_too_small_leaves_the_fewest_trips_with_the_rule_and_what_is_missing() -> None:
    """Three overlapping OP1 trips and two OP1 vehicles: one trip is unassigned, named."""
    trips = [op_trip("A", "08:00"), op_trip("B", "08:05"), op_trip("C", "08:10")]
    _, solution = solved(ops_problem(trips))
    plan = solution.days["L"]
    assert len(plan.buses) == 2 and len(plan.unassigned) == 1
    assert "no vehicle left" in plan.unassigned[0].reason
    assert solution.extra["missing"] == ["OP1 needs 1 more vehicle(s) of 45 seats at D1 on L"]
    assert plan.stats is not None and plan.stats.unassigned_bound == 1  # proven the fewest


def test_a_smaller_day_runs_a_bus_id_without_a_vehicle_whole_on_an_idle_vehicle() -> None:
    """Thursday needs three buses and the fleet has two: the long trip R, alone on its bus,
    is left out there. On Monday R and S make one bus of that same bus id, which has no
    vehicle; the two vehicles are idle on Monday, and one of them takes the run whole (one
    bus, not one per trip)."""
    trips = [
        trip("R", "exit", "07:00", 360, operator="OP1", seats=20, days=["L", "X"]),
        op_trip("S", "13:30", days=["L"]),
    ]
    for n, time in enumerate(["07:00", "09:00", "11:00", "13:00"], 1):
        trips += [op_trip(f"P{n}", time, days=["X"]), op_trip(f"Q{n}", time, days=["X"])]
    _, solution = solved(ops_problem(trips, stable_week=True))
    assert [u.trip_id for u in solution.days["X"].unassigned] == ["R"]
    (monday,) = solution.days["L"].buses
    assert [p.trip_id for p in monday.trips] == ["R", "S"]
    assert monday.id in {b.id for b in solution.days["X"].buses}


def test_the_bound_on_unassigned_trips_counts_the_vehicles_big_enough() -> None:
    """Two overlapping 30-seat trips, one 45-seat and one 20-seat vehicle: two vehicles for
    two buses, but only one big enough, so one trip must be left out (and is)."""
    data = ops_problem([op_trip("A", "08:00", seats=30), op_trip("B", "08:05", seats=30)])
    data["fleet"][0]["count"] = 1
    data["fleet"].append({"id": "F3", "operator": "OP1", "depot": "D1", "seats": 20, "count": 1})
    _, solution = solved(data)
    plan = solution.days["L"]
    assert plan.stats is not None
    assert len(plan.unassigned) == plan.stats.unassigned_bound == 1
    written = solution_to_dict(solution)
    assert written["days"]["L"]["stats"]["unassigned_lower_bound"] == 1
    assert parse_solution(written).days["L"].stats == plan.stats
    assert "no plan leaves fewer than 1 unassigned (proven)" in summary(solution)


def test_a_trip_no_bus_can_run_within_the_duty_is_unassigned_with_the_rule() -> None:
    """A trip longer than the driving limit cannot run at all; the reason names the rule."""
    trips = [op_trip("A", "08:00"), trip("B", "exit", "10:00", 90, operator="OP1", days=["L"])]
    _, solution = solved(ops_problem(trips, duty={"max_drive_min": 60}))
    (left,) = solution.days["L"].unassigned
    assert left.trip_id == "B" and "max_drive_min" in left.reason


def test_stable_week_keeps_each_trip_on_one_bus() -> None:
    """Trips on different day sets keep their bus id: stability 1.0 on a nested week."""
    rng = random.Random(4)
    trips = []
    for n in range(10):
        days = ["L", "M", "Mc", "X", "V"] if n % 3 else ["L", "X"]
        trips.append(op_trip(f"T{n}", f"{7 + n % 5:02d}:{rng.choice([0, 40]):02d}", days=days))
    data = ops_problem(trips, stable_week=True)
    data["fleet"][0]["count"] = 10
    _, solution = solved(data)
    assert solution.stability == 1.0
    for plan in solution.days.values():
        assert plan.stats and plan.stats.buses == plan.stats.lower_bound


# --- each rule broken: check rejects the plan --------------------------------------------------


def one_bus(problem: Problem, ids: list[str], **bus: Any) -> Solution:
    """A hand-made plan: the given trips on one bus at official times, real deadheads."""
    index = {t.id: k for k, t in enumerate(problem.trips)}
    travel = default_travel(problem)
    planned, previous = [], None
    for trip_id in ids:
        t = problem.trips[index[trip_id]]
        drive = 0 if previous is None else int(travel.matrix([previous], [index[trip_id]])[0, 0])
        planned.append(PlannedTrip(trip_id, 0, t.base_start, t.base_end, drive))
        previous = index[trip_id]
    return Solution({"L": DayPlan("L", (Bus("B1", tuple(planned), **bus),))})


OK_BUS = {"depot": "D1", "vehicle": "F1", "seats": 45, "pull_out_s": 300, "pull_in_s": 300}


@pytest.mark.parametrize(
    ("trips", "settings", "bus", "expected"),
    [
        ([op_trip("A", "08:00"), op_trip("B", "09:00", "OP2")], {}, OK_BUS, "mixes operators"),
        (
            [op_trip("A", "08:00", contract="C1"), op_trip("B", "09:00", contract="C2")],
            {"contracts_apart": True},
            OK_BUS,
            "mixes contracts",
        ),
        ([op_trip("A", "08:00")], {}, {**OK_BUS, "depot": "D2", "vehicle": ""}, "belongs to OP2"),
        ([op_trip("A", "08:00")], {}, {**OK_BUS, "pull_in_s": 0}, "pull-out"),
        ([op_trip("A", "08:00")], {}, {**OK_BUS, "vehicle": "F2"}, "cannot run all its trips"),
        ([op_trip("A", "08:00")], {}, {**OK_BUS, "depot": ""}, "is not one of the problem's"),
        ([op_trip("A", "08:00")], {}, {**OK_BUS, "vehicle": "X9"}, "is not a fleet entry"),
        ([op_trip("A", "08:00")], {}, {**OK_BUS, "seats": 55}, "seats 55 differ"),
        (
            [op_trip("A", "07:00"), op_trip("B", "18:00")],
            {"duty": {"max_spread_min": 480}},
            OK_BUS,
            "max_spread_min",
        ),
        (
            [op_trip("A", "08:00"), op_trip("B", "09:00"), op_trip("C", "10:00")],
            {"duty": {"max_drive_min": 80}},
            OK_BUS,
            "max_drive_min",
        ),
        (
            [op_trip(f"T{n}", f"{8 + n // 2:02d}:{(n % 2) * 30:02d}") for n in range(6)],
            {"duty": {"break_after_min": 120, "break_min": 30}},
            OK_BUS,
            "break_after_min",
        ),
    ],
)
def test_check_rejects_each_broken_rule(
    trips: list[dict[str, Any]], settings: dict[str, Any], bus: dict[str, Any], expected: str
) -> None:
    """A plan breaking one rule is rejected with a message naming it."""
    problem = parse_problem(ops_problem(trips, **settings))
    plan = one_bus(problem, [t["id"] for t in trips], **bus)
    assert expected in messages(problem, plan)


def test_check_rejects_fleet_counts_and_depot_capacity() -> None:
    """Three buses of a two-vehicle entry, at a depot for two, break both limits."""
    data = ops_problem([op_trip(n, "08:00") for n in "ABC"])
    data["depots"][0]["max_buses"] = 2
    problem = parse_problem(data)
    buses = tuple(
        replace(one_bus(problem, [n], **OK_BUS).days["L"].buses[0], id=f"B{n}") for n in "ABC"
    )
    found = messages(problem, Solution({"L": DayPlan("L", buses)}))
    assert "fleet F1: 3 buses > 2" in found and "depot D1: 3 buses > 2" in found


def test_check_rejects_a_bus_id_that_changes_vehicle_during_the_week() -> None:
    """B1 on Monday and on Tuesday must be the same vehicle."""
    data = ops_problem([op_trip("A", "08:00", days=["L", "M"])])
    data["fleet"][0]["count"] = 1
    data["fleet"].append({"id": "F3", "operator": "OP1", "depot": "D1", "seats": 45, "count": 1})
    problem = parse_problem(data)
    monday = one_bus(problem, ["A"], **OK_BUS).days["L"]
    tuesday = DayPlan("M", (replace(monday.buses[0], vehicle="F3"),))
    found = messages(problem, Solution({"L": monday, "M": tuesday}))
    assert "a bus id is one vehicle all week" in found


def test_check_rejects_unassigned_trips_without_a_proven_reason() -> None:
    """Listing a trip as unassigned does not cover it unless the problem proves why."""
    problem = parse_problem(ops_problem([op_trip("A", "08:00"), op_trip("B", "09:00")]))
    lazy = Solution({"L": DayPlan("L", (), (Unassigned("A", "x"), Unassigned("B", "x")))})
    assert messages(problem, lazy).count("left unassigned although a bus could run it") == 2


def test_check_rejects_unassigned_trips_in_version_1_too() -> None:
    """Version 1: a trip some vehicle fits may not be left unassigned."""
    problem = parse_problem({"version": 1, "trips": [trip("A", "entry", "08:00", 20)]})
    lazy = Solution({d: DayPlan(d, (), (Unassigned("A", "x"),)) for d in problem.days()})
    assert "left unassigned although a bus could run it" in messages(problem, lazy)


# --- JSON ----------------------------------------------------------------------------------


def test_version_2_solution_round_trips() -> None:
    """Depot, vehicle, pulls and stability survive writing and reading the solution."""
    problem, solution = solved(ops_problem([op_trip("A", "08:00"), op_trip("B", "09:00")]))
    data = solution_to_dict(solution)
    assert data["version"] == 2
    bus = data["days"]["L"]["buses"][0]
    assert bus["depot"] == "D1" and bus["vehicle"] == "F1" and bus["pull_out_min"] == 5
    again = parse_solution(data)
    assert again.days["L"].buses == solution.days["L"].buses
    assert again.days["L"].stats == solution.days["L"].stats
    assert again.stability == solution.stability and check(problem, again) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["fleet"][0].update(depot="D9"), 'fleet[0].depot: "D9" is not one of'),
        (lambda d: d["fleet"][0].update(depot="D2"), "fleet[0].depot: D2 belongs to OP2"),
        (lambda d: d["fleet"][0].update(count=-1), "fleet[0].count: -1 must be"),
        (lambda d: d["depots"][0].update(max_buses="x"), "depots[0].max_buses"),
        (lambda d: d["settings"].update(duty={"break_min": 30}), "settings.duty: break_after"),
        (lambda d: d["settings"].update(stable_week="yes"), "settings.stable_week"),
        (lambda d: d["travel"].pop("depot_in_min"), "travel.depot_out_min: depot_out_min and"),
        (lambda d: d["travel"]["depot_out_min"].pop(), "travel.depot_out_min: must have one row"),
    ],
)
def test_bad_version_2_input_names_the_field(change: Any, expected: str) -> None:
    """Each malformed version 2 field is reported with its path."""
    data = ops_problem([op_trip("A", "08:00")])
    change(data)
    with pytest.raises(ProblemError) as caught:
        parse_problem(data)
    assert expected in str(caught.value)


# --- bounds and solver against exhaustive search ----------------------------------------------


def random_ops(seed: int, n: int) -> dict[str, Any]:
    rng = random.Random(seed)
    trips = [
        trip(
            f"T{k}",
            "exit",
            f"{7 + rng.randrange(10):02d}:{rng.choice([0, 20, 40]):02d}",
            rng.randint(20, 60),
            operator=rng.choice(["OP1", "OP1", "OP2"]),
            seats=rng.choice([10, 30]),
            days=["L"],
        )
        for k in range(n)
    ]
    data = ops_problem(trips, duty={"max_spread_min": 420, "max_drive_min": 180})
    data["fleet"][0]["count"] = rng.randint(1, 2)
    data["fleet"][1]["count"] = 1
    data["fleet"].append({"id": "F3", "operator": "OP1", "depot": "D1", "seats": 20, "count": 1})
    data["travel"]["minutes"] = [
        [0 if i == j else rng.randint(3, 25) for j in range(n)] for i in range(n)
    ]
    return data


def exhaustive_fewest_buses(problem: Problem) -> tuple[int, int]:
    """(fewest unassigned, then fewest buses) over every partition of the trips into buses at
    official times and every vehicle per bus, judged by `check` alone."""
    n = len(problem.trips)
    depots = depot_travel(problem)
    at = {d.id: k for k, d in enumerate(problem.depots)}
    best = (n + 1, n + 1)
    for groups in partitions(n):
        for kept in itertools.product([True, False], repeat=len(groups)):
            buses_n = sum(kept)
            left = sum(len(g) for g, keep in zip(groups, kept, strict=True) if not keep)
            if (left, buses_n) >= best:
                continue
            for entries in itertools.product(problem.fleet, repeat=buses_n):
                plan = []
                for g, entry in zip(
                    [g for g, k in zip(groups, kept, strict=True) if k], entries, strict=True
                ):
                    order = sorted(g, key=lambda k: problem.trips[k].base_start)
                    d = at[entry.depot]
                    base = one_bus(problem, [problem.trips[k].id for k in order]).days["L"].buses[0]
                    plan.append(
                        replace(
                            base,
                            id=f"B{len(plan)}",
                            depot=entry.depot,
                            vehicle=entry.id,
                            seats=entry.seats,
                            pull_out_s=int(depots.out_s[d, order[0]]),
                            pull_in_s=int(depots.in_s[order[-1], d]),
                        )
                    )
                out = [
                    Unassigned(problem.trips[k].id, "")
                    for g, keep in zip(groups, kept, strict=True)
                    if not keep
                    for k in g
                ]
                if not check(problem, Solution({"L": DayPlan("L", tuple(plan), tuple(out))})):
                    best = (left, buses_n)
                    break
    return best


@pytest.mark.parametrize("seed", range(6))
def test_bound_and_plan_against_exhaustive_search_with_depots_fleet_and_duty(seed: int) -> None:
    """Tiny problems with every rule on: bound <= the true optimum <= the plan; the plan
    leaves no more trips unassigned than the optimum and is optimal on buses when it does."""
    problem = parse_problem(random_ops(seed, 5))
    left, best = exhaustive_fewest_buses(problem)
    solution = solve(problem, FAST)
    plan = solution.days["L"]
    assert plan.stats is not None
    assert len(plan.unassigned) == left
    assert plan.stats.lower_bound <= best + left
    assert plan.stats.buses == best


def test_the_bound_on_unassigned_trips_counts_depot_places_without_a_fleet() -> None:
    """No fleet, and room for two buses at OP1's depot: of three overlapping OP1 trips one is
    left out, and that is proven the fewest."""
    data = ops_problem([op_trip("A", "08:00"), op_trip("B", "08:05"), op_trip("C", "08:10")])
    del data["fleet"]
    data["depots"][0]["max_buses"] = 2
    _, solution = solved(data)
    plan = solution.days["L"]
    assert plan.stats is not None
    assert len(plan.unassigned) == plan.stats.unassigned_bound == 1
    assert plan.unassigned[0].rule == "depot_capacity"


@pytest.mark.parametrize("fleet", [True, False])
def test_the_bound_on_unassigned_trips_sees_the_spread_of_a_whole_bus(fleet: bool) -> None:
    """One vehicle (or, without a fleet, room for one bus at the depot) and a 7-hour spread:
    trips at 07:00, 10:00 and 13:30 fit two by two but not all three on one bus, so one is
    left out; only whole chains prove it (the vehicle families, which see the spread pair by
    pair, prove nothing here)."""
    trips = [op_trip("A", "07:00"), op_trip("B", "10:00"), op_trip("C", "13:30")]
    data = ops_problem(trips, duty={"max_spread_min": 420})
    data["fleet"][0]["count"] = 1
    if not fleet:
        del data["fleet"]
        data["depots"][0]["max_buses"] = 1
    _, solution = solved(data)
    plan = solution.days["L"]
    assert plan.stats is not None
    assert len(plan.buses) == 1
    assert len(plan.unassigned) == plan.stats.unassigned_bound == 1


@pytest.mark.parametrize("seed", range(10))
def test_short_fleets_leave_the_fewest_trips_out_above_the_proven_bound(seed: int) -> None:
    """One vehicle of each size: the plan leaves out exactly as few trips as exhaustive search
    (seed 7 left one more when chains were chosen before vehicles: both its buses needed the
    one large vehicle), and the proven bound equals that, so the plan is proven the fewest
    (seed 5: vehicles run short; seeds 2 and 8: the spread of whole chains, which the
    vehicle families alone bound by 0)."""
    data = random_ops(seed, 5)
    for entry in data["fleet"]:
        entry["count"] = 1
    problem = parse_problem(data)
    left, _ = exhaustive_fewest_buses(problem)
    plan = solve(problem, FAST).days["L"]
    assert plan.stats is not None
    assert len(plan.unassigned) == left
    if left:
        assert plan.stats.unassigned_bound == left


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(3, 14))
@example(seed=425, n=11)  # a stranded bus id kept a trip's deadhead from a trip taken away
def test_every_plan_of_a_random_version_2_problem_passes_check(seed: int, n: int) -> None:
    """Whatever the rules, the solver's plan passes check (the solver checks it too)."""
    rng = random.Random(seed)
    data = random_ops(seed, n)
    for t in data["trips"]:
        t["days"] = rng.sample(["L", "M", "Mc"], rng.randint(1, 3))
    data["settings"]["stable_week"] = rng.random() < 0.7
    data["settings"]["duty"]["break_after_min"] = rng.choice([None, 240])
    data["settings"]["duty"]["break_min"] = data["settings"]["duty"]["break_after_min"] and 30
    problem = parse_problem(data)
    solution = solve(problem, SolveParams(time_limit=5, seed=seed % 100))
    assert check(problem, solution) == []
    assert solution.stability is not None and 0 < solution.stability <= 1
