"""Figures for a day's plan: the numbers operators compare plans by."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence

from busplan.core.solution import Bus, DayPlan, DayStats


def day_stats(
    buses: tuple[Bus, ...],
    trips: int,
    lower_bound: int,
    seconds: float,
    *,
    unassigned: int = 0,
    fleet: Sequence[str] = (),
    deadhead_bound: int | None = None,
    unassigned_bound: int | None = None,
) -> DayStats:
    """`fleet`: the fleet entry ids, in order, to count buses per entry."""
    planned = [p for bus in buses for p in bus.trips]
    pull = sum(b.pull_out_s + b.pull_in_s for b in buses)
    used = Counter(b.vehicle for b in buses)
    per_bus = [len(bus.trips) for bus in buses] or [0]
    shifts = [abs(p.shift_s) for p in planned] or [0]
    return DayStats(
        trips=trips,
        buses=len(buses),
        lower_bound=lower_bound,
        deadhead_s=sum(p.deadhead_s for p in planned) + pull,
        abs_shift_s=sum(shifts),
        max_abs_shift_s=max(shifts),
        shifted_trips=sum(1 for s in shifts if s),
        trips_per_bus_min=min(per_bus),
        trips_per_bus_median=float(statistics.median(per_bus)),
        trips_per_bus_max=max(per_bus),
        seconds=round(seconds, 3),
        optimal=len(buses) == lower_bound,
        pull_s=pull,
        unassigned=unassigned,
        fleet_used=tuple((f, used[f]) for f in fleet),
        deadhead_bound_s=deadhead_bound,
        unassigned_bound=unassigned_bound,
    )


def stability(days: Mapping[str, DayPlan]) -> float:
    """Of all (trip, day) pairs, the share whose bus is that trip's most frequent bus."""
    where: dict[str, Counter[str]] = {}
    for plan in days.values():
        for bus in plan.buses:
            for p in bus.trips:
                where.setdefault(p.trip_id, Counter())[bus.id] += 1
    total = sum(c.total() for c in where.values())
    same = sum(max(c.values()) for c in where.values())
    return same / total if total else 1.0
