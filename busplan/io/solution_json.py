"""Solution JSON (format version 1): written by the solver, read back for checking and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from busplan.core.solution import Bus, DayPlan, DayStats, PlannedTrip, Solution, Unassigned
from busplan.core.units import format_clock, minutes_to_seconds, parse_clock, seconds_to_minutes
from busplan.io.problem_json import FORMAT_VERSION, FieldError, ProblemError


class SolutionError(ProblemError):
    """The document is not a readable solution; `errors` lists each reason with its path."""


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    days = {day: _day_to_dict(plan) for day, plan in solution.days.items()}
    totals = [p.stats for p in solution.days.values() if p.stats]
    stats: dict[str, Any] = {"seconds": solution.seconds}
    if totals:
        stats |= {
            "buses_max": max(s.buses for s in totals),
            "deadhead_min": seconds_to_minutes(sum(s.deadhead_s for s in totals)),
            "abs_shift_min": seconds_to_minutes(sum(s.abs_shift_s for s in totals)),
            "optimal_days": sum(1 for s in totals if s.optimal),
        }
    out: dict[str, Any] = {"version": FORMAT_VERSION, "status": solution.status, "days": days}
    out["stats"] = stats
    if solution.extra:
        out["extra"] = solution.extra
    return out


def _day_to_dict(plan: DayPlan) -> dict[str, Any]:
    out: dict[str, Any] = {
        "buses": [
            {
                "id": bus.id,
                "first_start": format_clock(bus.trips[0].start_s),
                "last_end": format_clock(bus.trips[-1].end_s),
                "trips": [
                    {
                        "id": p.trip_id,
                        "start": format_clock(p.start_s),
                        "end": format_clock(p.end_s),
                        "shift_min": seconds_to_minutes(p.shift_s),
                        "deadhead_min": seconds_to_minutes(p.deadhead_s),
                    }
                    for p in bus.trips
                ],
            }
            for bus in plan.buses
        ],
        "unassigned": [{"id": u.trip_id, "reason": u.reason} for u in plan.unassigned],
    }
    if plan.stats:
        out["stats"] = stats_to_dict(plan.stats)
    if plan.same_as:
        out["same_as"] = plan.same_as
    return out


def stats_to_dict(s: DayStats) -> dict[str, Any]:
    return {
        "trips": s.trips,
        "buses": s.buses,
        "lower_bound": s.lower_bound,
        "gap": s.gap,
        "optimal": s.optimal,
        "deadhead_min": seconds_to_minutes(s.deadhead_s),
        "abs_shift_min": seconds_to_minutes(s.abs_shift_s),
        "max_abs_shift_min": seconds_to_minutes(s.max_abs_shift_s),
        "shifted_trips": s.shifted_trips,
        "trips_per_bus": {
            "min": s.trips_per_bus_min,
            "median": s.trips_per_bus_median,
            "max": s.trips_per_bus_max,
        },
        "seconds": s.seconds,
    }


def write_solution(solution: Solution, path: str | Path) -> None:
    """Write atomically: a reader never sees a half-written file."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(json.dumps(solution_to_dict(solution), indent=1) + "\n", encoding="utf-8")
    temporary.replace(target)


def load_solution(path: str | Path) -> Solution:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SolutionError(
            [FieldError("$", f"cannot read file: {exc.strerror}")], str(path)
        ) from exc
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        raise SolutionError([FieldError("$", reason)], str(path)) from exc
    try:
        return parse_solution(data)
    except SolutionError as exc:
        raise SolutionError(exc.errors, str(path)) from None


def parse_solution(data: Any) -> Solution:
    """Read the plan part of a solution (buses and their timed trips); stats are recomputed."""
    errors: list[FieldError] = []
    days_raw = data.get("days") if isinstance(data, dict) else None
    if not isinstance(days_raw, dict):
        raise SolutionError([FieldError("days", "a solution has a days object")])
    days = {}
    for day, raw in days_raw.items():
        plan = _day(day, raw, f"days.{day}", errors)
        if plan is not None:
            days[day] = plan
    if errors:
        raise SolutionError(errors)
    return Solution(days)


def _day(day: str, raw: Any, path: str, errors: list[FieldError]) -> DayPlan | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("buses", []), list):
        errors.append(FieldError(path, "a day has a list of buses"))
        return None
    buses = []
    for b, bus in enumerate(raw.get("buses", [])):
        where = f"{path}.buses[{b}]"
        if not isinstance(bus, dict) or not isinstance(bus.get("trips"), list):
            errors.append(FieldError(where, "a bus has an id and a list of trips"))
            continue
        trips = [_planned(t, f"{where}.trips[{n}]", errors) for n, t in enumerate(bus["trips"])]
        buses.append(Bus(str(bus.get("id", f"#{b + 1}")), tuple(t for t in trips if t)))
    unassigned = []
    for n, u in enumerate(raw.get("unassigned", [])):
        trip_id = u.get("id") if isinstance(u, dict) else u
        if not isinstance(trip_id, str):
            errors.append(FieldError(f"{path}.unassigned[{n}]", "must be a trip id"))
            continue
        reason = u.get("reason", "") if isinstance(u, dict) else ""
        unassigned.append(Unassigned(trip_id, str(reason)))
    return DayPlan(day, tuple(buses), tuple(unassigned))


def _planned(raw: Any, path: str, errors: list[FieldError]) -> PlannedTrip | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        errors.append(FieldError(path, "a planned trip has an id"))
        return None
    try:
        start = parse_clock(raw["start"])
        end = parse_clock(raw["end"])
    except (KeyError, ValueError) as exc:
        errors.append(FieldError(path, f"start and end must be times of day ({exc})"))
        return None
    numbers = {}
    for key in ("shift_min", "deadhead_min"):
        value = raw.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append(FieldError(f"{path}.{key}", f"{json.dumps(value)} is not a number"))
            return None
        numbers[key] = minutes_to_seconds(value)
    return PlannedTrip(raw["id"], numbers["shift_min"], start, end, numbers["deadhead_min"])
