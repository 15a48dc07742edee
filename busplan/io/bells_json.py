"""Bell moves and bell reports as JSON, and a problem document with its bells moved.

A move is `{"school": "S001", "kind": "entry", "time": "09:00", "move_min": -10}`: the bell of
school S001 whose entries arrive at 09:00 moves ten minutes earlier. The same list is the API's
job parameter and a row of the `busplan bells` report.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from busplan.core.bells import BellKey, BellMoves, BellRules, bells_of
from busplan.core.model import Kind, Problem
from busplan.core.scenarios import Scenario
from busplan.core.units import format_clock, minutes_to_seconds, parse_clock, seconds_to_minutes
from busplan.io.contract_values import json_minutes
from busplan.io.problem_json import FieldError, ProblemError

REPORT_VERSION = 1


def parse_moves(raw: Any, path: str = "bell_moves") -> dict[BellKey, int]:
    """A JSON list of moves to {bell: seconds}; every error reported with its path."""
    errors: list[FieldError] = []
    if not isinstance(raw, list):
        raise ProblemError([FieldError(path, "must be a list of bell moves")])
    moves: dict[BellKey, int] = {}
    for n, item in enumerate(raw):
        here = f"{path}[{n}]"
        if not isinstance(item, dict):
            errors.append(FieldError(here, "must be an object with school, kind, time, move_min"))
            continue
        school = item.get("school")
        if not isinstance(school, str) or not school:
            errors.append(FieldError(f"{here}.school", "must be a school id"))
        kind = item.get("kind")
        if kind not in ("entry", "exit"):
            errors.append(FieldError(f"{here}.kind", 'must be "entry" or "exit"'))
        try:
            time = parse_clock(item.get("time"))  # type: ignore[arg-type]
        except (ValueError, TypeError) as exc:
            errors.append(FieldError(f"{here}.time", str(exc)))
            continue
        move = item.get("move_min")
        if isinstance(move, bool) or not isinstance(move, int | float):
            errors.append(FieldError(f"{here}.move_min", "must be a number of minutes"))
            continue
        if isinstance(school, str) and school and kind in ("entry", "exit"):
            key = (school, Kind(kind), time)
            if key in moves:
                errors.append(FieldError(here, "the same bell is moved twice"))
            moves[key] = minutes_to_seconds(move)
    if errors:
        raise ProblemError(errors)
    return moves


def moves_to_list(problem: Problem, moves: BellMoves) -> list[dict[str, Any]]:
    """Moves as JSON, in bell order, with each bell's new time and trips."""
    out = []
    for bell in bells_of(problem):
        amount = moves.get(bell.key, 0)
        if amount:
            out.append(
                {
                    "school": bell.school_id,
                    "school_name": bell.school_name,
                    "kind": bell.kind.value,
                    "time": format_clock(bell.time_s),
                    "move_min": json_minutes(amount),
                    "new_time": format_clock(bell.time_s + amount),
                    "trips": len(bell.trips),
                }
            )
    return out


def move_problem_document(
    document: dict[str, Any], problem: Problem, moves: BellMoves
) -> dict[str, Any]:
    """A copy of the problem document (`problem` parsed from it) with the moved bells' trips
    at their new times; everything else stays as written."""
    out = copy.deepcopy(document)
    for bell in bells_of(problem):
        amount = moves.get(bell.key, 0)
        for k in bell.trips if amount else ():
            out["trips"][k]["time"] = format_clock(problem.trips[k].time_s + amount)
    return out


def rules_to_dict(rules: BellRules) -> dict[str, Any]:
    return {
        "range_min": [json_minutes(rules.earliest_s), json_minutes(rules.latest_s)],
        "step_min": json_minutes(rules.step_s),
        "fixed": sorted(rules.fixed),
        "tied": sorted(rules.tied),
    }


def report_to_dict(problem: Problem, rules: BellRules, rows: Sequence[Scenario]) -> dict[str, Any]:
    """The bells report: the problem's bells, the rules, and one row per K."""
    return {
        "version": REPORT_VERSION,
        "problem": problem.name,
        "rules": rules_to_dict(rules),
        "bells": [
            {
                "school": b.school_id,
                "school_name": b.school_name,
                "kind": b.kind.value,
                "time": format_clock(b.time_s),
                "trips": len(b.trips),
                "fixed": b.school_id in rules.fixed,
                "tied": b.school_id in rules.tied,
            }
            for b in bells_of(problem)
        ],
        "rows": [
            {
                "max_moves": row.max_moves,
                "fleet": row.fleet,
                "bound": row.bound,
                "buses": row.buses,
                "deadhead_min": seconds_to_minutes(row.deadhead_s),
                "units_moved": row.units_moved,
                "moves": moves_to_list(problem, row.moves),
                "seconds": row.seconds,
            }
            for row in rows
        ],
    }
