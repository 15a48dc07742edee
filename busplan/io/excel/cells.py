"""Cell values as openpyxl hands them over (text, numbers, times, dates, durations) to the
units of the problem format. Each reader either returns a value or raises `RowError` saying
what it found and what it expected; none falls back to a default.

The old importer read Excel time cells as minutes (08:30 became 00:21, a day fraction times
a day); here a time is only ever a time: a time cell, an `HH:MM[:SS]` text, or a bare day
fraction from a cell that lost its time format.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from busplan.core.units import SECONDS_PER_DAY, format_clock
from busplan.io.import_report import Reason, RowError

_CLOCK_TEXT = re.compile(r"^(\d{1,2})[:.hH](\d{2})(?::(\d{2}))?$")
_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")

MAX_ROUTE_MINUTES = 300
"""A school route longer than five hours is a typing error, not a route."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: Any) -> str:
    """A value as a person would quote it in an error message."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    return str(value)


def text(value: Any) -> str:
    """A name or code as text; numbers keep no trailing `.0` (a route code typed as 361703
    and one stored as text "361703" are the same code)."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def number(value: Any, column: str) -> float:
    """A number cell, or a number stored as text (`12`, `42,2312`)."""
    if isinstance(value, bool):
        raise RowError(Reason.UNREADABLE_VALUE, f"{value} is not a number", column)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise RowError(Reason.UNREADABLE_VALUE, f"{value} is not a number", column)
        return float(value)
    if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
        return float(value.strip().replace(",", "."))
    raise RowError(Reason.UNREADABLE_VALUE, f'"{shown(value)}" is not a number', column)


def whole(value: Any, column: str, *, blank: int | None = None) -> int:
    """A whole non-negative number; `blank` is the value of an empty cell (None: an error)."""
    if is_blank(value):
        if blank is None:
            raise RowError(Reason.UNREADABLE_VALUE, "empty, a whole number is needed", column)
        return blank
    n = number(value, column)
    if not n.is_integer() or n < 0:
        raise RowError(Reason.UNREADABLE_VALUE, f"{shown(value)} is not a whole number", column)
    return int(n)


def clock(value: Any, column: str) -> int:
    """A time of day in seconds since midnight."""
    if is_blank(value):
        raise RowError(Reason.MISSING_TIME, "no time given", column)
    seconds = _clock_seconds(value, column)
    if not 0 <= seconds < SECONDS_PER_DAY:
        raise RowError(
            Reason.TIME_OUT_OF_RANGE, f"{shown(value)} is not within a day (00:00 to 23:59)", column
        )
    return seconds


def _clock_seconds(value: Any, column: str) -> int:
    if isinstance(value, dt.datetime):
        # A time cell whose serial number is above 1 shows only its time of day in Excel.
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds())
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 0 <= value < 1:
            return round(value * SECONDS_PER_DAY)
        raise RowError(
            Reason.TIME_OUT_OF_RANGE,
            f"{shown(value)} is not a time of day (an Excel time is a fraction of a day, 0 to 1)",
            column,
        )
    if isinstance(value, str):
        m = _CLOCK_TEXT.match(value.strip())
        if m:
            hours, minutes, secs = int(m[1]), int(m[2]), int(m[3] or 0)
            if hours > 23 or minutes > 59 or secs > 59:
                raise RowError(Reason.TIME_OUT_OF_RANGE, f'"{value}" is not a time of day', column)
            return hours * 3600 + minutes * 60 + secs
    raise RowError(
        Reason.UNREADABLE_VALUE, f'"{shown(value)}" is not a time (expected HH:MM)', column
    )


def minutes(value: Any, column: str) -> int:
    """A duration in seconds, from minutes (`15`, `"15"`, `12,5`), `HH:MM[:SS]` text, a time
    cell or a duration cell. A bare number strictly between 0 and 1 is refused: it is either a
    fraction of a minute or a time cell that lost its format, and guessing would be wrong."""
    if is_blank(value):
        raise RowError(Reason.MISSING_TIME, "no time given", column)
    if isinstance(value, dt.datetime):
        raise RowError(
            Reason.UNREADABLE_VALUE,
            f"{value:%Y-%m-%d %H:%M} is a date, not minutes from the first stop",
            column,
        )
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
    elif isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
    elif isinstance(value, str) and (m := _CLOCK_TEXT.match(value.strip())) and ":" in value:
        seconds = int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0)
    else:
        n = number(value, column)
        if 0 < n < 1:
            raise RowError(
                Reason.UNREADABLE_VALUE,
                f"{shown(value)} is ambiguous: minutes, or a time cell without its time format? "
                "Write whole minutes or format the cell as a time",
                column,
            )
        seconds = round(n * 60)
    if not 0 <= seconds <= MAX_ROUTE_MINUTES * 60:
        raise RowError(
            Reason.TIME_OUT_OF_RANGE,
            f"{format_clock(seconds)} is not a time from the first stop "
            f"(0 to {MAX_ROUTE_MINUTES} minutes)",
            column,
        )
    return seconds
