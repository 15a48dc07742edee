"""Figures for a day's plan: the numbers operators compare plans by."""

from __future__ import annotations

import statistics

from busplan.core.solution import Bus, DayStats


def day_stats(buses: tuple[Bus, ...], trips: int, lower_bound: int, seconds: float) -> DayStats:
    planned = [p for bus in buses for p in bus.trips]
    per_bus = [len(bus.trips) for bus in buses] or [0]
    shifts = [abs(p.shift_s) for p in planned] or [0]
    return DayStats(
        trips=trips,
        buses=len(buses),
        lower_bound=lower_bound,
        deadhead_s=sum(p.deadhead_s for p in planned),
        abs_shift_s=sum(shifts),
        max_abs_shift_s=max(shifts),
        shifted_trips=sum(1 for s in shifts if s),
        trips_per_bus_min=min(per_bus),
        trips_per_bus_median=float(statistics.median(per_bus)),
        trips_per_bus_max=max(per_bus),
        seconds=round(seconds, 3),
        optimal=len(buses) == lower_bound,
    )
