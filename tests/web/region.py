"""A whole region's week as a problem and a solution built directly, not solved: the size the
results page must stay usable at (thousands of buses a day), without minutes of solving.

Each bus drives `trips_per_bus` trips a day (entries in the morning, exits after noon) around
one school, out of one of a few depots, the same trips every day, so its week is stable; on
the last day the first trip of every tenth bus is driven by the next bus, so some weeks change
bus. The figures in the stats are the sums and counts of what the plan holds.
"""

from __future__ import annotations

import random
from typing import Any

DAYS = ["L", "M", "Mc", "X", "V"]
DEPOTS = 6


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def region_plan(
    buses: int = 2500, trips_per_bus: int = 4, seed: int = 1
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A version 2 problem of `buses * trips_per_bus` trips and its week's plan."""
    rng = random.Random(seed)
    depots = [
        {
            "id": f"D{d + 1}",
            "name": f"Depot {d + 1}",
            "lat": round(42.1 + 0.05 * d, 6),
            "lon": round(-8.9 + 0.06 * d, 6),
            "operator": f"OP{d % 2 + 1}",
        }
        for d in range(DEPOTS)
    ]
    trips: list[dict[str, Any]] = []
    schedule: list[dict[str, Any]] = []  # per bus: its trips' ids and planned times
    for b in range(buses):
        bus_id = f"B{b + 1:04d}"
        depot = depots[b % DEPOTS]
        school = {"id": f"S{b // 3 + 1:04d}", "name": f"School {b // 3 + 1}"}
        base = (42.0 + rng.random() * 0.6, -9.0 + rng.random() * 0.8)
        legs = []
        for n in range(trips_per_bus):
            entry = n < (trips_per_bus + 1) // 2
            start = (7 * 60 + 30 + 45 * n) if entry else (13 * 60 + 40 * (n - trips_per_bus // 2))
            start += rng.randrange(0, 20)
            duration = 20 + rng.randrange(0, 15)
            trip_id = f"{bus_id}T{n + 1}"
            stops = [
                {
                    "name": f"{trip_id}-P{k}",
                    "lat": round(base[0] + 0.004 * k + 0.002 * n, 6),
                    "lon": round(base[1] + 0.003 * k, 6),
                    "offset_min": round(duration * k / 4),
                    "boarding": 0 if k == 4 else 3,
                }
                for k in range(5)
            ]
            if not entry:
                stops.reverse()
            trips.append(
                {
                    "id": trip_id,
                    "kind": "entry" if entry else "exit",
                    "time": clock(start + duration if entry else start),
                    "duration_min": duration,
                    "stops": stops,
                    "school": school,
                    "seats": 30,
                    "vehicle_seats": [26, 55],
                    "days": DAYS,
                    "operator": depot["operator"],
                }
            )
            legs.append({"id": trip_id, "start": start, "end": start + duration})
        schedule.append({"id": bus_id, "depot": depot["id"], "legs": legs})
    problem = {
        "version": 2,
        "name": f"region-{buses}-buses",
        "trips": trips,
        "settings": {"buffer_min": 5, "days": DAYS},
        "depots": depots,
        "fleet": [
            {
                "id": f"{d['operator']}-{d['id']}-55",
                "operator": d["operator"],
                "depot": d["id"],
                "seats": 55,
                "count": buses // DEPOTS + 1,
            }
            for d in depots
        ],
    }
    days = {day: _day(schedule, moved=day == DAYS[-1]) for day in DAYS}
    deadhead = sum(d["stats"]["deadhead_min"] for d in days.values())
    solution = {
        "version": 2,
        "status": "completed",
        "days": days,
        "stats": {
            "seconds": 0.0,
            "buses_max": buses,
            "deadhead_min": deadhead,
            "abs_shift_min": 0.0,
            "optimal_days": len(DAYS),
            "stability": 0.99,
        },
        "extra": {},
    }
    return problem, solution


def _day(schedule: list[dict[str, Any]], moved: bool) -> dict[str, Any]:
    """One day's buses; with `moved`, every tenth bus's first trip goes to the next bus."""
    own: list[list[dict[str, Any]]] = [list(bus["legs"]) for bus in schedule]
    if moved:
        for b in range(0, len(schedule) - 1, 10):
            own[b + 1].append(own[b].pop(0))
            own[b + 1].sort(key=lambda leg: leg["start"])
    buses = []
    deadhead_total = 0.0
    for bus, legs in zip(schedule, own, strict=True):
        planned = []
        previous_end = None
        for leg in legs:
            deadhead = 0.0 if previous_end is None else 6.0
            deadhead_total += deadhead
            planned.append(
                {
                    "id": leg["id"],
                    "start": clock(leg["start"]),
                    "end": clock(leg["end"]),
                    "shift_min": 0.0,
                    "deadhead_min": deadhead,
                }
            )
            previous_end = leg["end"]
        first, last = legs[0], legs[-1]
        buses.append(
            {
                "id": bus["id"],
                "first_start": clock(first["start"]),
                "last_end": clock(last["end"]),
                "trips": planned,
                "depot": bus["depot"],
                "vehicle": f"{bus['id']}-V",
                "seats": 55,
                "pull_out_min": 12.0,
                "pull_in_min": 12.0,
                "spread_min": float(last["end"] - first["start"] + 24),
                "drive_min": float(sum(leg["end"] - leg["start"] for leg in legs) + 24),
            }
        )
    trips = sum(len(legs) for legs in own)
    counts = sorted(len(legs) for legs in own)
    return {
        "buses": buses,
        "unassigned": [],
        "stats": {
            "trips": trips,
            "buses": len(buses),
            "lower_bound": len(buses),
            "gap": 0,
            "optimal": True,
            "deadhead_min": deadhead_total,
            "abs_shift_min": 0.0,
            "max_abs_shift_min": 0.0,
            "shifted_trips": 0,
            "trips_per_bus": {
                "min": counts[0],
                "median": float(counts[len(counts) // 2]),
                "max": counts[-1],
            },
            "pull_min": 24.0 * len(buses),
            "fleet_used": {},
        },
    }
