"""Solution JSON (format versions 1 and 2): written by the solver, read back for checking and
export. A plan of a version 2 problem (depots, fleet, week) is written as version 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from busplan.core.solution import Bus, DayPlan, DayStats, PlannedTrip, Solution, Unassigned
from busplan.core.stats import day_stats
from busplan.core.units import format_clock, minutes_to_seconds, parse_timeline, seconds_to_minutes
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
    if solution.stability is not None:
        stats["stability"] = round(solution.stability, 4)
    version = FORMAT_VERSION if _operational(solution) else 1
    out: dict[str, Any] = {"version": version, "status": solution.status, "days": days}
    out["stats"] = stats
    if solution.extra:
        out["extra"] = solution.extra
    return out


def _operational(solution: Solution) -> bool:
    """Whether the plan carries format version 2 figures (depots, vehicles, the week)."""
    buses = (b for p in solution.days.values() for b in p.buses)
    return solution.stability is not None or any(b.depot or b.vehicle for b in buses)


def _bus_to_dict(bus: Bus) -> dict[str, Any]:
    out: dict[str, Any] = {"id": bus.id}
    if bus.depot:
        out["depot"] = bus.depot
    if bus.vehicle:
        out |= {"vehicle": bus.vehicle, "seats": bus.seats}
    out |= {
        "first_start": format_clock(bus.trips[0].start_s),
        "last_end": format_clock(bus.trips[-1].end_s),
    }
    if bus.depot:
        out |= {
            "pull_out_min": seconds_to_minutes(bus.pull_out_s),
            "pull_in_min": seconds_to_minutes(bus.pull_in_s),
            "spread_min": seconds_to_minutes(bus.spread_s),
            "drive_min": seconds_to_minutes(bus.drive_s),
        }
    out["trips"] = [
        {
            "id": p.trip_id,
            "start": format_clock(p.start_s),
            "end": format_clock(p.end_s),
            "shift_min": seconds_to_minutes(p.shift_s),
            "deadhead_min": seconds_to_minutes(p.deadhead_s),
        }
        for p in bus.trips
    ]
    return out


def _day_to_dict(plan: DayPlan) -> dict[str, Any]:
    out: dict[str, Any] = {
        "buses": [_bus_to_dict(bus) for bus in plan.buses],
        "unassigned": [
            {"id": u.trip_id, "reason": u.reason, **({"rule": u.rule} if u.rule else {})}
            for u in plan.unassigned
        ],
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
        **(
            {"deadhead_lower_bound_min": seconds_to_minutes(s.deadhead_bound_s)}
            if s.deadhead_bound_s is not None
            else {}
        ),
        "abs_shift_min": seconds_to_minutes(s.abs_shift_s),
        "max_abs_shift_min": seconds_to_minutes(s.max_abs_shift_s),
        "shifted_trips": s.shifted_trips,
        **({"pull_min": seconds_to_minutes(s.pull_s)} if s.pull_s else {}),
        **({"unassigned": s.unassigned} if s.unassigned else {}),
        **(
            {"unassigned_lower_bound": s.unassigned_bound} if s.unassigned_bound is not None else {}
        ),
        **({"fleet_used": dict(s.fleet_used)} if s.fleet_used else {}),
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
    """Read a solution. Day stats are recomputed from the buses; only what the buses cannot
    tell (the lower bound, the solve time) is taken from the file's stats."""
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
    stats: dict[str, Any] = data["stats"] if isinstance(data.get("stats"), dict) else {}
    seconds = stats.get("seconds", 0.0)
    stability: Any = stats.get("stability")
    return Solution(
        days,
        float(seconds) if _is_number(seconds) else 0.0,
        str(data.get("status", "completed")),
        stability=float(stability) if _is_number(stability) else None,
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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
        buses.append(_bus(bus, b, tuple(t for t in trips if t), where, errors))
    unassigned = []
    for n, u in enumerate(raw.get("unassigned", [])):
        trip_id = u.get("id") if isinstance(u, dict) else u
        if not isinstance(trip_id, str):
            errors.append(FieldError(f"{path}.unassigned[{n}]", "must be a trip id"))
            continue
        reason = u.get("reason", "") if isinstance(u, dict) else ""
        rule = u.get("rule", "") if isinstance(u, dict) else ""
        unassigned.append(Unassigned(trip_id, str(reason), str(rule)))
    return DayPlan(
        day,
        tuple(buses),
        tuple(unassigned),
        _stats(raw.get("stats"), tuple(buses), len(unassigned)),
        raw.get("same_as") if isinstance(raw.get("same_as"), str) else None,
    )


def _stats(raw: Any, buses: tuple[Bus, ...], unassigned: int) -> DayStats | None:
    """The day's figures from its buses, with the bound and time the file states."""
    if not isinstance(raw, dict) or not _is_number(raw.get("lower_bound")):
        return None
    trips = sum(len(b.trips) for b in buses) + unassigned
    seconds = raw.get("seconds", 0.0)
    fleet = list(raw["fleet_used"]) if isinstance(raw.get("fleet_used"), dict) else []
    bound: Any = raw.get("deadhead_lower_bound_min")
    short: Any = raw.get("unassigned_lower_bound")
    return day_stats(
        buses,
        trips,
        int(raw["lower_bound"]),
        float(seconds) if _is_number(seconds) else 0.0,
        unassigned=unassigned,
        fleet=fleet,
        deadhead_bound=minutes_to_seconds(bound) if _is_number(bound) else None,
        unassigned_bound=int(short) if _is_number(short) and unassigned else None,
    )


def _bus(
    raw: dict[str, Any], n: int, trips: tuple[PlannedTrip, ...], path: str, errors: list[FieldError]
) -> Bus:
    pulls = []
    for key in ("pull_out_min", "pull_in_min"):
        value = raw.get(key, 0)
        if not _is_number(value):
            errors.append(FieldError(f"{path}.{key}", f"{json.dumps(value)} is not a number"))
            value = 0
        pulls.append(minutes_to_seconds(value))
    seats = raw.get("seats")
    return Bus(
        str(raw.get("id", f"#{n + 1}")),
        trips,
        depot=str(raw.get("depot") or ""),
        vehicle=str(raw.get("vehicle") or ""),
        seats=seats if isinstance(seats, int) and not isinstance(seats, bool) else None,
        pull_out_s=pulls[0],
        pull_in_s=pulls[1],
    )


def _planned(raw: Any, path: str, errors: list[FieldError]) -> PlannedTrip | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        errors.append(FieldError(path, "a planned trip has an id"))
        return None
    try:
        start = parse_timeline(raw["start"])
        end = parse_timeline(raw["end"])
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
