"""Split and gather in one process: the parts of a week give the plan of the whole week."""

from __future__ import annotations

import json

import pytest

from busplan.core import SolveParams, solve
from busplan.core.model import Problem
from busplan.core.progress import PHASES
from busplan.core.solution import Solution
from busplan.io.problem_json import parse_problem
from busplan.io.solution_json import solution_to_dict
from busplan.jobs.split import PartPlan, gather, part_problem, plan_parts, plan_to_dict
from busplan.jobs.split_run import merge_progress
from tests.split.week import make_week

WEEK = make_week(60, seed=3)


def _without_seconds(doc: dict[str, object]) -> str:
    """The plan and its figures, without the run times (which differ from run to run)."""
    text = json.dumps(doc, sort_keys=True)
    out = json.loads(text)
    out["stats"].pop("seconds")
    for day in out["days"].values():
        day["stats"].pop("seconds")
    return json.dumps(out, sort_keys=True)


def _solved_whole_and_in_parts(problem: Problem, time_limit: float) -> tuple[Solution, Solution]:
    """The problem solved in one process, and its parts solved apart (each plan through the
    JSON a worker sends) and gathered."""
    whole = solve(problem, SolveParams(time_limit=time_limit, seed=4))
    parts = plan_parts(problem, None, time_limit)
    plans = []
    for part in parts:
        own = SolveParams(time_limit=part.time_limit, seed=4, days=part.days)
        solution = solve(part_problem(problem, part), own)
        plans.append(PartPlan.of(json.loads(json.dumps(plan_to_dict(solution, part)))))
    return whole, gather(problem, parts, plans, 1.0)


def test_parts_are_day_sets_and_vehicle_groups() -> None:
    problem = parse_problem(WEEK)
    parts = plan_parts(problem, None, 30.0)
    assert sorted({p.days for p in parts}) == [("L", "M"), ("Mc",), ("X", "V")]
    assert len(parts) == 6  # two vehicle sizes on each day set
    sizes = [len(p.trip_ids) for p in parts]
    assert sizes == sorted(sizes, reverse=True)  # largest first
    week = sum(len(problem.trips_on(ds[0])) for ds in {p.days for p in parts})
    assert sum(sizes) == week
    assert sum(p.time_limit for p in parts) == pytest.approx(30.0)


def test_gathered_parts_are_the_plan_of_one_process() -> None:
    problem = parse_problem(WEEK)
    whole, gathered = _solved_whole_and_in_parts(problem, 60.0)
    assert list(gathered.days) == list(whole.days)
    assert gathered.days["M"].same_as == "L"
    assert _without_seconds(solution_to_dict(gathered)) == _without_seconds(solution_to_dict(whole))


def test_a_trip_no_vehicle_fits_is_left_out_by_the_gathered_plan_as_by_one_process() -> None:
    """The part that holds it reports it unassigned, with the proven bound, as one process."""
    week = make_week(20, seed=3)
    week["trips"][0]["seats"] = 60  # more than any vehicle it may take (at most 25 seats)
    problem = parse_problem(week)
    whole, gathered = _solved_whole_and_in_parts(problem, 8.0)
    left = gathered.days["L"]
    assert [u.trip_id for u in left.unassigned] == [week["trips"][0]["id"]]
    assert left.stats is not None and left.stats.unassigned_bound == 1
    assert _without_seconds(solution_to_dict(gathered)) == _without_seconds(solution_to_dict(whole))


def test_requested_days_only() -> None:
    problem = parse_problem(WEEK)
    parts = plan_parts(problem, ("Mc", "V"), 10.0)
    assert {p.days for p in parts} == {("Mc",), ("V",)}


def test_a_problem_under_the_week_rules_stays_whole() -> None:
    doc = make_week(10) | {"version": 2}
    doc["settings"] = doc["settings"] | {"stable_week": True}
    problem = parse_problem(doc)
    (part,) = plan_parts(problem, None, 10.0)
    assert len(part.trip_ids) == len(problem.trips)


def test_merged_progress_follows_the_least_advanced_part() -> None:
    assert merge_progress([("local_search", 85.0), ("matching_blocks", 61.0)]) == (
        "matching_blocks",
        61.0,
    )
    # parts still queued keep the job in the phase of the split itself
    assert merge_progress([("starting", 0.0), ("local_search", 85.0)]) == (
        "preprocessing",
        float(PHASES["preprocessing"]),
    )
    # parts that have ended leave the job short of the gathering phase
    phase, value = merge_progress([("finalizing", 90.0), ("completed", 100.0)])
    assert phase == "local_search" and value < PHASES["finalizing"]
