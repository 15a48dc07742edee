"""Bell moves of a request: read, checked against the rules, applied to a problem document.

Every refusal is a 422 naming the path of the move in the request body (`bell_moves[2]`), and
it comes before anything is stored: a scenario job is made whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from busplan.api.errors import ApiError
from busplan.api.schemas import BellRulesRequest, OptimizeRequest
from busplan.core import Problem
from busplan.core.bells import (
    Bell,
    BellKey,
    BellMoves,
    BellRules,
    bells_of,
    move_bells,
    move_units,
    validate_moves,
)
from busplan.core.units import minutes_to_seconds
from busplan.io.bells_json import move_problem_document, moves_to_list, parse_moves
from busplan.io.problem_json import ProblemError
from busplan.jobs.documents import read_problem

MOVES = "bell_moves"


@dataclass(frozen=True)
class MovedProblem:
    document: dict[str, Any]
    """The problem document with the moved bells' trips at their new times."""
    moves: list[dict[str, Any]] | None
    """The moves as stored with the job (each with its bell's new time and trips); None when
    the request moved no bells."""


def bell_rules(request: BellRulesRequest | None) -> BellRules:
    """The rules a request asks for, in seconds; the defaults without any."""
    if request is None:
        return BellRules()
    earliest, latest = request.range_min
    try:
        return BellRules(
            earliest_s=minutes_to_seconds(earliest),
            latest_s=minutes_to_seconds(latest),
            step_s=minutes_to_seconds(request.step_min),
            fixed=frozenset(request.fixed),
            tied=frozenset(request.tied),
        )
    except ValueError as exc:
        raise invalid("INVALID_REQUEST", [("bell_rules", str(exc))]) from None


def move_document(document: dict[str, Any], raw: Any, rules: BellRules) -> MovedProblem:
    """The problem `document` with the bells of `raw` (the request's `bell_moves`) moved."""
    problem = read_problem(document)
    try:
        moves = parse_moves(raw, MOVES)
    except ProblemError as exc:
        raise invalid("INVALID_BELL_MOVES", [(e.path, e.reason) for e in exc.errors]) from None
    try:
        move_units(problem, rules)
    except ValueError as exc:  # fixed or tied schools the problem does not have
        raise invalid("INVALID_REQUEST", [("bell_rules", str(exc))]) from None
    check_moves(problem, rules, moves)
    moved = move_problem_document(document, problem, moves)
    try:
        read_problem(moved)
    except ProblemError as exc:
        reasons = "; ".join(f"{e.path}: {e.reason}" for e in exc.errors[:5])
        reason = f"the moved problem is invalid: {reasons}"
        raise invalid("INVALID_BELL_MOVES", [(MOVES, reason)]) from None
    return MovedProblem(moved, moves_to_list(problem, moves))


def requested_moves(request: OptimizeRequest) -> MovedProblem:
    """The problem of an optimization request, with its `bell_moves` (if any) applied."""
    if request.bell_moves is None:
        return MovedProblem(request.problem, None)
    return move_document(request.problem, request.bell_moves, bell_rules(request.bell_rules))


def check_moves(problem: Problem, rules: BellRules, moves: BellMoves) -> None:
    """422 for moves the rules refuse: each move on its own first, so that the error names
    the move (`bell_moves[n]`), then all together for what only they can break (tied bells
    moved apart), named `bell_moves`."""
    bells = {b.key: b for b in bells_of(problem)}
    errors = []
    for n, (key, amount) in enumerate(moves.items()):
        reason = _refusal(problem, bells.get(key), rules, key, amount)
        if reason:
            errors.append((f"{MOVES}[{n}]", reason))
    if not errors:
        try:
            validate_moves(problem, rules, moves)
        except ValueError as exc:
            errors.append((MOVES, str(exc)))
    if errors:
        raise invalid("INVALID_BELL_MOVES", errors)


def _refusal(
    problem: Problem, bell: Bell | None, rules: BellRules, key: BellKey, amount: int
) -> str | None:
    """Why the core refuses this one move, checked on a problem of that bell's first trip
    alone (bells and their rules are all a move's validity depends on), so that checking
    every move of a large problem stays linear."""
    trip = problem.trips[bell.trips[0]] if bell else problem.trips[0]
    alone = Problem(trips=(trip,), name=problem.name)
    own = replace(rules, fixed=rules.fixed & {trip.school_id}, tied=frozenset())
    try:
        validate_moves(alone, own, {key: amount})
        move_bells(alone, {key: amount})
    except ValueError as exc:
        return str(exc)
    return None


def invalid(code: str, errors: list[tuple[str, str]]) -> ApiError:
    detail = f"{len(errors)} error(s) in the bell moves; see errors"
    if code != "INVALID_BELL_MOVES":
        detail = "the request is not valid; see errors"
    return ApiError(
        422, code, detail, errors=[{"path": path, "reason": reason} for path, reason in errors]
    )
