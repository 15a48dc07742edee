"""The plain CP-SAT arc model: the reference busplan's wide-window solver is measured against.

One Boolean per possible connection (i -> j feasible for some shifts), one shift variable per
trip within its window, a chosen connection enforcing `shift[j] - shift[i] >= -slack[i, j]`, at
most one successor and one predecessor per trip, and, where trips carry seat ranges, one vehicle
size per trip (among the ranges' stabbing points) equal along every chosen connection.
Maximise connections (buses = trips - connections). Written with no help from busplan's stages:
it reuses only busplan's problem loader, travel times and slack matrix, so that both see the
same connections.

    python benchmarks/arc_model.py PROBLEM.json --day L --time-limit 120 --workers 2 -o OUT.json
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
from ortools.sat.python import cp_model

from busplan.core.connections import Connections
from busplan.core.flow import chains
from busplan.core.model import Problem
from busplan.core.rules import seat_interval
from busplan.core.seats import compatible_pairs
from busplan.core.solution import Bus, DayPlan, PlannedTrip, Solution
from busplan.core.travel import default_travel
from busplan.io.problem_json import load_problem
from busplan.io.solution_json import write_solution


def solve_day(
    problem: Problem, day: str, seconds: float, workers: int, seed: int = 0
) -> tuple[DayPlan, int, float]:
    """The day's plan, the model's proven bound on buses, and the seconds spent."""
    started = time.monotonic()
    trips = list(problem.trips_on(day))
    intervals = [seat_interval(problem, problem.trips[k]) for k in trips]
    travel = default_travel(problem).matrix(trips, trips)
    c = Connections.build(problem, trips, travel, compatible_pairs(intervals))
    n = len(trips)
    model = cp_model.CpModel()
    shift = [model.new_int_var(int(c.earliest[k]), int(c.latest[k]), "") for k in range(n)]
    size = _sizes(model, intervals)
    possible = c.optimistic()
    always = c.pessimistic()
    succ: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
    pred: list[list[cp_model.IntVar]] = [[] for _ in range(n)]
    arcs = []
    for i, j in zip(*np.nonzero(possible), strict=True):
        i, j = int(i), int(j)
        used = model.new_bool_var("")
        arcs.append((i, j, used))
        succ[i].append(used)
        pred[j].append(used)
        if not always[i, j]:
            model.add(shift[j] - shift[i] >= int(-c.slack[i, j])).only_enforce_if(used)
        if size is not None:
            model.add(size[i] == size[j]).only_enforce_if(used)
    for k in range(n):
        model.add_at_most_one(succ[k])
        model.add_at_most_one(pred[k])
    model.maximize(sum(u for _, _, u in arcs))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"no plan for {day} in {seconds} s")
    chosen = [(i, j) for i, j, u in arcs if solver.boolean_value(u)]
    shifts = [solver.value(s) for s in shift]
    buses = []
    for b, chain in enumerate(chains(n, chosen)):
        planned = []
        for pos, k in enumerate(chain):
            start = int(c.base_start[k] + shifts[k])
            deadhead = int(travel[chain[pos - 1], k]) if pos else 0
            planned.append(
                PlannedTrip(
                    problem.trips[trips[k]].id,
                    shifts[k],
                    start,
                    start + int(c.base_end[k] - c.base_start[k]),
                    deadhead,
                )
            )
        buses.append(Bus(f"B{b + 1:03d}", tuple(planned)))
    bound = n - math.floor(solver.best_objective_bound + 1e-6)
    return DayPlan(day, tuple(buses)), bound, time.monotonic() - started


def _sizes(
    model: cp_model.CpModel, intervals: list[tuple[int, float]]
) -> list[cp_model.IntVar] | None:
    """A vehicle size per trip among the stabbing points of the seat ranges (None: all equal)."""
    points = sorted(
        {int(h) for _, h in intervals if math.isfinite(h)} | {max(lo for lo, _ in intervals)}
    )
    if all(lo <= points[0] and not math.isfinite(h) for lo, h in intervals):
        return None
    out = []
    for lo, hi in intervals:
        allowed = [p for p in points if lo <= p <= hi] or [int(lo)]
        out.append(model.new_int_var_from_domain(cp_model.Domain.from_values(allowed), ""))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("problem")
    parser.add_argument("--day", default="L")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-o", "--output")
    args = parser.parse_args()
    problem = load_problem(args.problem)
    plan, bound, seconds = solve_day(problem, args.day, args.time_limit, args.workers)
    print(
        json.dumps(
            {
                "day": args.day,
                "buses": len(plan.buses),
                "bound": bound,
                "seconds": round(seconds, 1),
            }
        )
    )
    if args.output:
        write_solution(Solution({args.day: plan}, seconds), args.output)


if __name__ == "__main__":
    main()
