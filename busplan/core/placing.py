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

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from busplan.core.feasibility import Rules, check_bus
from busplan.core.model import Trip
from busplan.core.rules import bus_key
from busplan.core.solution import Bus, PlannedTrip
from busplan.core.travel import UNREACHABLE

STRETCH = 4
"""Longest stretch of trips moved to another bus to make room."""
SHIFT_STEP_S = 300
"""Shifts tried within a trip's window: this step, and the window's ends."""


def place(
    rules: Rules, day: str, trip: PlannedTrip, buses: list[Bus], deadline: float = float("inf")
) -> bool:
    """Put `trip` on one of `buses` (changed in place); False where no placing keeps the rules,
    or none was found by `deadline`. A gap of any bus is tried before making room."""
    base = _trip(rules, trip)
    window = rules.problem.window(base)
    steps = range(window.earliest, window.latest + 1, SHIFT_STEP_S)
    shifts = sorted({0, window.earliest, window.latest, *steps}, key=lambda s: (abs(s), s))
    moved = [
        PlannedTrip(trip.trip_id, s, base.base_start + s, base.base_end + s)
        for s in shifts
        if s in window
    ]
    key = bus_key(rules.problem, base)
    mates = [
        n for n, b in enumerate(buses) if bus_key(rules.problem, _trip(rules, b.trips[0])) == key
    ]
    placing = _Placing(rules, day, buses, mates)
    return any(
        time.monotonic() < deadline and placing.on(p, n, room)
        for room in (False, True)
        for p in moved
        for n in mates
    )


@dataclass
class _Placing:
    rules: Rules
    day: str
    buses: list[Bus]
    mates: list[int]
    """The buses that may share the trip's bus (same operator, and contract where apart)."""
    taken: dict[tuple[int, tuple[str, ...]], Bus | None] = field(default_factory=dict)
    """(bus, stretch) -> that bus with the stretch in a gap, or None (for every shift tried)."""

    def on(self, trip: PlannedTrip, n: int, room: bool) -> bool:
        """`trip` on bus `n`: in a gap, or (`room`) in the place of a stretch another bus takes."""
        bus = self.buses[n]
        for i in range(len(bus.trips) + 1):
            if i and bus.trips[i - 1].end_s >= trip.start_s:
                continue
            last = min(len(bus.trips), i + STRETCH) if room else i
            for j in range(i + 1 if room else i, last + 1):  # the stretch bus.trips[i:j] leaves
                if j < len(bus.trips) and bus.trips[j].start_s <= trip.end_s:
                    continue
                kept = (*bus.trips[:i], trip, *bus.trips[j:])
                if not _joined(self.rules, kept):
                    continue
                new = self.rules.with_trips(bus, kept)
                if check_bus(self.rules, self.day, new):
                    continue
                stretch = bus.trips[i:j]
                if not stretch:
                    self.buses[n] = new
                    return True
                for m in self.mates:
                    if m != n and (taker := self._taking(m, stretch)) is not None:
                        self.buses[n], self.buses[m] = new, taker
                        return True
        return False

    def _taking(self, m: int, stretch: tuple[PlannedTrip, ...]) -> Bus | None:
        """Bus `m` with `stretch` in one of its gaps, where every rule holds."""
        key = (m, tuple(p.trip_id for p in stretch))
        if key not in self.taken:
            self.taken[key] = _taking(self.rules, self.day, self.buses[m], stretch)
        return self.taken[key]


def _taking(rules: Rules, day: str, bus: Bus, stretch: Sequence[PlannedTrip]) -> Bus | None:
    """`bus` with `stretch` in one of its gaps, where every rule holds."""
    for q in range(len(bus.trips) + 1):
        if q and bus.trips[q - 1].end_s >= stretch[0].start_s:
            continue
        if q < len(bus.trips) and bus.trips[q].start_s <= stretch[-1].end_s:
            continue
        trips = (*bus.trips[:q], *stretch, *bus.trips[q:])
        if _joined(rules, trips):
            new = rules.with_trips(bus, trips)
            if not check_bus(rules, day, new):
                return new
    return None


def _trip(rules: Rules, p: PlannedTrip) -> Trip:
    return rules.problem.trips[rules.index[p.trip_id]]


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
