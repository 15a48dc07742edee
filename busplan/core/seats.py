"""Vehicle sizes: which trips may share a bus, given that one vehicle runs a bus's whole day.

A trip accepts vehicle sizes in the interval [max(seats, contract min), contract max]. A bus is
valid when one size fits all its trips, i.e. when their intervals share a point. On a line,
intervals that pairwise overlap share a point (Helly), so pairwise compatibility is exact for
any set of trips. Trips whose intervals are not connected by overlaps can never meet on a bus:
each such component is solved on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from busplan.core.connections import BoolArray

Interval = tuple[float, float]


def fits(interval: Interval) -> bool:
    return interval[0] <= interval[1]


def compatible_pairs(intervals: Sequence[Interval]) -> BoolArray:
    """`out[a, b]`: trips a and b can run with the same vehicle."""
    low = np.array([i[0] for i in intervals], float)
    high = np.array([i[1] for i in intervals], float)
    return np.asarray(
        np.maximum(low[:, None], low[None, :]) <= np.minimum(high[:, None], high[None, :])
    )


def components(intervals: Sequence[Interval]) -> list[list[int]]:
    """Groups of positions whose intervals are chained by overlaps; no bus spans two groups.

    Intervals that fit no vehicle at all are left out.
    """
    order = sorted((k for k, iv in enumerate(intervals) if fits(iv)), key=lambda k: intervals[k])
    groups: list[list[int]] = []
    reach = -math.inf
    for k in order:
        low, high = intervals[k]
        if not groups or low > reach:
            groups.append([])
            reach = high
        groups[-1].append(k)
        reach = max(reach, high)
    return [sorted(g) for g in groups]


def vehicle_classes(intervals: Sequence[Interval], group: Sequence[int]) -> list[list[int]]:
    """Split a component into classes that each share one vehicle size.

    A component whose intervals share a point is one class. Otherwise sizes are chosen by the
    greedy interval stabbing (fewest sizes) and each trip goes to the first size it accepts;
    trips are then solved per class, which can cost buses but never validity.
    """
    low = max(intervals[k][0] for k in group)
    high = min(intervals[k][1] for k in group)
    if low <= high:
        return [sorted(group)]
    classes: list[list[int]] = []
    point = -math.inf
    for k in sorted(group, key=lambda k: (intervals[k][1], intervals[k][0])):
        if intervals[k][0] > point:
            point = intervals[k][1]
            classes.append([])
        classes[-1].append(k)
    return [sorted(c) for c in classes]
