"""Values written the way contracts write them: vehicle seat ranges and weekly frequencies.

Shared by the workbook and route-list importers so both read `26-38` or `LMMcXV` the same way.
Anything that does not fit the grammar is an error, never a default.
"""

from __future__ import annotations

import re

from busplan.core.model import DAYS
from busplan.core.units import seconds_to_minutes
from busplan.io.import_report import Reason, RowError

_RANGE = re.compile(r"^(\d+)\s*[-/–]\s*(\d+)$")
_BOUND = re.compile(r"^(<=|>=|≤|≥|<|>)\s*(\d+)$")
_SINGLE = re.compile(r"^\d+$")
_DAY_TOKEN = re.compile(r"mc|[lmxv]", re.IGNORECASE)
_DAY_SEPARATORS = re.compile(r"[\s,;/\-.]+")


def seat_range(text: str, column: str = "") -> tuple[int | None, int | None]:
    """`26-38` or `26/38` -> (26, 38); `>55` -> (56, None); `<25` -> (None, 24);
    `>=55`/`≥55` and `<=25`/`≤25` include the bound; a single number `30` -> (30, 30).

    `>` and `<` are strict, as written: a contract for vehicles of more than 55 seats does not
    admit a 55-seat vehicle.
    """
    value = text.strip().replace(" ", "")
    if m := _RANGE.match(value):
        low, high = int(m[1]), int(m[2])
        if low > high:
            raise RowError(
                Reason.UNREADABLE_VALUE, f'seat range "{text}": {low} is above {high}', column
            )
        return low, high
    if m := _BOUND.match(value):
        bound = int(m[2])
        op = m[1]
        if op in (">", ">=", "≥"):
            return (bound + 1 if op == ">" else bound), None
        return None, (bound - 1 if op == "<" else bound)
    if _SINGLE.match(value):
        return int(value), int(value)
    raise RowError(
        Reason.UNREADABLE_VALUE,
        f'"{text}" is not a seat range (expected 26-38, 26/38, >55, <25 or a number)',
        column,
    )


def day_codes(text: str, column: str = "") -> list[str]:
    """`LMMcXV` -> every weekday; `McXV` -> Wednesday to Friday. Separators are allowed
    (`L, M, X`); any other letter is an unknown day code, and the whole value is rejected."""
    compact = _DAY_SEPARATORS.sub("", text)
    if not compact:
        raise RowError(Reason.MISSING_DAYS, "no weekly frequency given", column)
    days: set[str] = set()
    pos = 0
    for m in _DAY_TOKEN.finditer(compact):
        if m.start() != pos:
            break
        token = m[0]
        days.add("Mc" if token.lower() == "mc" else token.upper())
        pos = m.end()
    if pos != len(compact):
        raise RowError(
            Reason.UNKNOWN_DAY_CODE,
            f'"{text}" has an unknown day code at "{compact[pos:]}" '
            f"(codes: L Mon, M Tue, Mc Wed, X Thu, V Fri)",
            column,
        )
    return [d for d in DAYS if d in days]


def json_minutes(seconds: int) -> int | float:
    """Seconds as minutes for a JSON document: `25`, not `25.0`; fractions where they exist."""
    value = seconds_to_minutes(seconds)
    return int(value) if value.is_integer() else value
