"""Unit conversions between the edge (minutes, "HH:MM") and the core (integer seconds).

The core works in whole seconds so that every comparison is exact; the formats speak minutes.
These are the only functions that cross that line.
"""

from __future__ import annotations

import math
import re

SECONDS_PER_MINUTE = 60
SECONDS_PER_DAY = 24 * 3600

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def minutes_to_seconds(minutes: float) -> int:
    """Minutes (possibly fractional) to whole seconds, rounded to the nearest second."""
    return round(minutes * SECONDS_PER_MINUTE)


def seconds_to_minutes(seconds: int) -> float:
    """Seconds to minutes, exact to the second (at most 4 decimals)."""
    return round(seconds / SECONDS_PER_MINUTE, 4)


def parse_clock(value: str | int | float) -> int:
    """A time of day ("HH:MM", "HH:MM:SS" or minutes since midnight) to seconds since midnight.

    Raises ValueError with a short reason when the value is not a time of day.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time of day")
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 0 <= value < 24 * 60:
            raise ValueError(f"{value!r} is not a time of day (minutes since midnight, 0 to 1439)")
        return minutes_to_seconds(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time of day")
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError(f'"{value}" is not a time of day (expected HH:MM or HH:MM:SS)')
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f'"{value}" is not a time of day')
    return hours * 3600 + minutes * 60 + seconds


_TIMELINE = re.compile(r"^\s*(-?)(\d{2,}):(\d{2})(?::(\d{2}))?\s*$")


def parse_timeline(value: str) -> int:
    """The inverse of `format_clock`: a planned time, which may lie before midnight ("-00:10")
    or past it ("24:10") when a trip is shifted across the day's edge."""
    match = _TIMELINE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a planned time (expected HH:MM or HH:MM:SS)")
    sign, *parts = match.groups()
    hours, minutes, seconds = (int(g) if g else 0 for g in parts)
    if minutes > 59 or seconds > 59 or hours > 47:
        raise ValueError(f'"{value}" is not a planned time')
    total = hours * 3600 + minutes * 60 + seconds
    return -total if sign else total


def format_clock(seconds: int) -> str:
    """Seconds since midnight to "HH:MM", or "HH:MM:SS" when not on a whole minute.

    Times before midnight or past 24:00 (a shifted trip near the day's edge) keep counting
    hours rather than wrapping, so that the order of events is never lost.
    """
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{secs:02d}" if secs else text
