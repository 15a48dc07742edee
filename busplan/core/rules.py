"""The operators' rules of format version 2, in one place for `check`, the bounds and the solver.

Who may share a bus (same operator; same contract when contracts are kept apart), which depots
and vehicles may run a trip, the duty limits of one driver's day, and which trips may be left
unassigned and why. Each function answers for one bus or one trip; the solver and the checker
call the same ones, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from busplan.core.model import Duty, FleetEntry, Problem, Trip
from busplan.core.seats import fits
from busplan.core.travel import DepotTravel
from busplan.core.units import seconds_to_minutes


def bus_key(problem: Problem, trip: Trip) -> tuple[str, str]:
    """Trips with different keys never share a bus: operator, and contract when kept apart."""
    return trip.operator, trip.contract if problem.settings.contracts_apart else ""


def seat_interval(problem: Problem, trip: Trip) -> tuple[int, float]:
    """Vehicle sizes that may run the trip. With a fleet, the interval is narrowed to the seat
    counts the trip's operator actually owns, so that two trips' intervals overlap exactly when
    one owned vehicle size fits both (the ends are owned sizes, hence in both ranges)."""
    low, high = trip.seat_interval()
    if not problem.fleet:
        return low, high
    owned = [f.seats for f in entries_for(problem, trip) if low <= f.seats <= high]
    return (min(owned), max(owned)) if owned else (1, 0)


def entries_for(problem: Problem, trip: Trip) -> list[FleetEntry]:
    """Fleet entries of the trip's operator (all entries when the trip names none)."""
    return [f for f in problem.fleet if not trip.operator or f.operator == trip.operator]


def entry_fits(entry: FleetEntry, trips: Sequence[Trip]) -> bool:
    """One vehicle of `entry` can run all of `trips`."""
    return all(
        (not t.operator or t.operator == entry.operator)
        and t.seat_interval()[0] <= entry.seats <= t.seat_interval()[1]
        for t in trips
    )


def depots_for(problem: Problem, trip: Trip) -> list[int]:
    """Depots (indices) a bus running `trip` may be based at."""
    if problem.fleet:
        low, high = seat_interval(problem, trip)
        homes = {f.depot for f in entries_for(problem, trip) if low <= f.seats <= high}
        return [d for d, depot in enumerate(problem.depots) if depot.id in homes]
    return [
        d
        for d, depot in enumerate(problem.depots)
        if not depot.operator or not trip.operator or depot.operator == trip.operator
    ]


@dataclass(frozen=True, slots=True)
class Timed:
    """One trip as a bus runs it, for the duty rules: its times and the drive after it."""

    start_s: int
    end_s: int
    drive_after_s: int = 0
    """Deadhead to the next trip of the bus (0 for the last)."""


def duty_errors(duty: Duty, trips: Sequence[Timed], pull_out_s: int, pull_in_s: int) -> list[str]:
    """How one bus's day breaks the duty limits; empty when it keeps them."""
    if not trips or not duty.limited:
        return []
    errors = []
    begin, finish = trips[0].start_s - pull_out_s, trips[-1].end_s + pull_in_s
    spread = finish - begin
    if duty.max_spread_s is not None and spread > duty.max_spread_s:
        errors.append(
            f"spread {_m(spread)} min is over the limit of {_m(duty.max_spread_s)} (max_spread_min)"
        )
    drive = pull_out_s + pull_in_s + sum(t.end_s - t.start_s + t.drive_after_s for t in trips)
    if duty.max_drive_s is not None and drive > duty.max_drive_s:
        errors.append(
            f"driving {_m(drive)} min is over the limit of {_m(duty.max_drive_s)} (max_drive_min)"
        )
    after, pause = duty.break_after_s, duty.break_s
    if (
        after is not None
        and pause is not None
        and not _breaks_fit(trips, begin, finish, after, pause)
    ):
        errors.append(
            f"works more than {_m(after)} min without a {_m(pause)}-min break (break_after_min)"
        )
    return errors


def _breaks_fit(trips: Sequence[Timed], begin: int, finish: int, after: int, pause: int) -> bool:
    """Whether the waits of at least `pause` can split the day into stretches of at most
    `after`. Each such wait's deadhead may be driven before or after the pause, whichever
    serves; the starts of stretches still possible are carried from wait to wait."""
    starts = {begin}
    for a, b in pairwise(trips):
        idle = b.start_s - a.end_s - a.drive_after_s
        if idle < pause:
            continue
        options = ((a.end_s + a.drive_after_s, b.start_s), (a.end_s, b.start_s - a.drive_after_s))
        starts = {nxt for s in starts for end, nxt in options if end - s <= after}
        if not starts:
            return False
    return any(finish - s <= after for s in starts)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a trip cannot run at all: a rule code (see `Unassigned.rule`) and its words."""

    rule: str
    message: str


def alone_errors(problem: Problem, k: int, depots: DepotTravel) -> list[Refusal]:
    """Why trip `k` cannot run even on a bus of its own (empty when it can): no vehicle or
    depot for it, or a duty limit it breaks by itself from its nearest depot."""
    trip = problem.trips[k]
    low, high = seat_interval(problem, trip)
    if not fits((low, high)):
        if problem.fleet and fits(trip.seat_interval()):
            owner = trip.operator or "any operator"
            return [
                Refusal(
                    "fleet_size", f"no vehicle in the fleet of {owner} fits: needs {_seats(trip)}"
                )
            ]
        return [Refusal("vehicle_size", f"no vehicle fits: needs {_seats(trip)}")]
    homes = depots_for(problem, trip)
    if problem.depots and not homes:
        return [
            Refusal("no_depot", f"no depot of {trip.operator or 'any operator'} can base its bus")
        ]
    timed = [Timed(trip.base_start, trip.base_end)]  # a lone trip's duty does not depend on shifts
    pulls = [(int(depots.out_s[d, k]), int(depots.in_s[k, d])) for d in homes] or [(0, 0)]
    broken = [duty_errors(problem.settings.duty, timed, *pull) for pull in pulls]
    return [] if any(not e for e in broken) else [Refusal("duty", e) for e in broken[0]]


@dataclass(frozen=True, slots=True)
class LongRide:
    """A trip longer than the pupils' longest ride: a warning, never a refusal."""

    trip_id: str
    ride_s: int
    limit_s: int

    def __str__(self) -> str:
        ride, limit = _m(self.ride_s), _m(self.limit_s)
        return f"trip {self.trip_id}: ride of {ride} min is over {limit} (max_ride_min)"


def ride_warnings(problem: Problem) -> list[LongRide]:
    """Trips longer than `max_ride_min`."""
    limit = problem.settings.max_ride_s
    if limit is None:
        return []
    return [LongRide(t.id, t.duration_s, limit) for t in problem.trips if t.duration_s > limit]


def _seats(trip: Trip) -> str:
    lo, hi = trip.vehicle_seats.min, trip.vehicle_seats.max
    return f"{trip.seats} seats, contract allows {lo or 'any'} to {hi or 'any'}"


def _m(seconds: int) -> str:
    return f"{seconds_to_minutes(seconds):g}"
