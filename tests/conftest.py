"""Shared fixtures: small problems built in code, and the bundled example."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "busplan" / "examples" / "school-day-230.json"


def trip(
    trip_id: str,
    kind: str,
    time: str,
    duration: float,
    start: tuple[float, float] = (42.20, -8.70),
    end: tuple[float, float] = (42.21, -8.71),
    **extra: Any,
) -> dict[str, Any]:
    """A trip in the problem JSON format."""
    return {
        "id": trip_id,
        "kind": kind,
        "time": time,
        "duration_min": duration,
        "start": list(start),
        "end": list(end),
        **extra,
    }


def random_problem(seed: int, n: int, window: int = 2, span: int = 120) -> dict[str, Any]:
    """A small random problem with whole-minute times, windows [-window, window] and an explicit
    travel matrix, dense enough in time that shifts and deadhead both matter."""
    rng = random.Random(seed)
    trips = []
    for k in range(n):
        minute = 7 * 60 + rng.randrange(span)
        kind = rng.choice(["entry", "exit"])
        trips.append(
            trip(
                f"T{k}",
                kind,
                f"{minute // 60:02d}:{minute % 60:02d}",
                rng.randint(10, 30),
                seats=rng.choice([10, 30]),
                vehicle_seats=rng.choice([[None, None], [20, 40]]),
            )
        )
    matrix = [[0 if i == j else rng.randint(1, 15) for j in range(n)] for i in range(n)]
    return {
        "version": 1,
        "trips": trips,
        "settings": {
            "entry_shift_min": [-window, window],
            "exit_shift_min": [-window, window],
            "buffer_min": rng.choice([0, 2, 5]),
        },
        "travel": {"minutes": matrix},
    }


@pytest.fixture
def example_path() -> Path:
    return EXAMPLE
