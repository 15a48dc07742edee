"""A trip left without a vehicle, placed on one of the day's buses after all.

The week's vehicles are chosen per bus id, and a bus id that got none leaves its trips to buses
of their own, where a vehicle is still free that day. Where none is, a trip may still fit on a
bus that runs: in a gap between two of its trips, or in the place of a stretch of its trips
that moves whole into a gap of another bus. Each trip is tried at the shifts its window allows,
least moved first; a placing is kept only where both buses keep every rule
(`feasibility.check_bus`). Such gaps remain because the depot stage's flow, which also tries
to run these trips, sees only each trip's nearest and tightest successors and forbids chains
that break a duty limit a few rounds at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from busplan.core.feasibility import Rules, check_bus
from busplan.core.solution import Bus, PlannedTrip
from busplan.core.travel import UNREACHABLE

STRETCH = 4
"""Longest stretch of trips moved to another bus to make room."""
SHIFT_STEP_S = 300
"""Shifts tried within a trip's window: this step, and the window's ends."""


def place(rules: Rules, day: str, trip: PlannedTrip, buses: list[Bus]) -> bool:
    """Put `trip` on one of `buses` (changed in place); False where no placing keeps the rules.
    A gap of any bus is tried before making room."""
    k = rules.index[trip.trip_id]
    base = rules.problem.trips[k]
    window = rules.problem.window(base)
    steps = range(window.earliest, window.latest + 1, SHIFT_STEP_S)
    shifts = sorted({0, window.earliest, window.latest, *steps}, key=lambda s: (abs(s), s))
    moved = [
        PlannedTrip(trip.trip_id, s, base.base_start + s, base.base_end + s)
        for s in shifts
        if s in window
    ]
    return any(
        _placed(rules, day, p, n, buses, room)
        for room in (False, True)
        for p in moved
        for n in range(len(buses))
    )


def _placed(
    rules: Rules, day: str, trip: PlannedTrip, n: int, buses: list[Bus], room: bool
) -> bool:
    """`trip` on bus `n`: in a gap, or (`room`) in the place of a stretch another bus takes."""
    bus = buses[n]
    for i in range(len(bus.trips) + 1):
        for j in range(i + room, min(len(bus.trips), i + STRETCH) + 1 if room else i + 1):
            kept = (*bus.trips[:i], trip, *bus.trips[j:])
            if not _joined(rules, kept):
                continue
            new = rules.with_trips(bus, kept)
            if check_bus(rules, day, new):
                continue
            stretch = bus.trips[i:j]
            if not stretch:
                buses[n] = new
                return True
            for m, other in enumerate(buses):
                if m != n and (taker := _taking(rules, day, other, stretch)) is not None:
                    buses[n], buses[m] = new, taker
                    return True
    return False


def _taking(rules: Rules, day: str, bus: Bus, stretch: Sequence[PlannedTrip]) -> Bus | None:
    """`bus` with `stretch` in one of its gaps, where every rule holds."""
    for q in range(len(bus.trips) + 1):
        trips = (*bus.trips[:q], *stretch, *bus.trips[q:])
        if _joined(rules, trips):
            new = rules.with_trips(bus, trips)
            if not check_bus(rules, day, new):
                return new
    return None


def _joined(rules: Rules, trips: Sequence[PlannedTrip]) -> bool:
    """Whether each trip leaves time to drive to the next (a quick test before the full check)."""
    if any(b.start_s <= a.end_s for a, b in pairwise(trips)):
        return False
    ks = [rules.index[p.trip_id] for p in trips]
    drive = rules.travel.matrix(ks, ks)
    buffer = rules.problem.settings.buffer_s
    return all(
        drive[n, n + 1] < UNREACHABLE and b.start_s - a.end_s >= drive[n, n + 1] + buffer
        for n, (a, b) in enumerate(pairwise(trips))
    )
