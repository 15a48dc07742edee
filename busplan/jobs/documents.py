"""Problem documents as the service receives them: anything unreadable is a ProblemError."""

from __future__ import annotations

from typing import Any

from busplan.core import Problem
from busplan.io.problem_json import FieldError, ProblemError, parse_problem


def read_problem(document: Any) -> Problem:
    """Parse a problem document; a failure of any kind is reported as invalid input."""
    try:
        return parse_problem(document)
    except ProblemError:
        raise
    except (ValueError, ArithmeticError, TypeError) as exc:
        raise ProblemError([FieldError("$", f"cannot read the problem: {exc}")]) from exc
