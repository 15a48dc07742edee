"""Cutting a week into parts that can be solved apart, and gathering their plans into one.

The solver handles each set of weekdays with identical trips ("day set") on its own, and within
a day set each group of trips no bus can mix (vehicle-size components) on its own too, so a
part is one such component of one day set, solved as a problem of its own trips for that day
set's days. Problems under the week rules (`busplan.core.week.operational`: depots, fleet,
duty limits, stable week, operators) couple their days and stay whole.

A part gets the share of the job's time limit its trips have of the week's trips (day sets
counted once), which is what the solver in one process gives each group; the deterministic
effort limits normally end every search before its time does, so the gathered plan is the
one a single process finds. Gathering renumbers each day's buses in the solver's order
(first trip's start, then trip id) and adds up the parts' figures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from busplan.core import DAYS, Bus, DayPlan, PlannedTrip, Problem, Solution, Unassigned
from busplan.core.rules import seat_interval
from busplan.core.seats import components, fits
from busplan.core.stats import day_stats
from busplan.core.week import operational

MIN_PART_SECONDS = 1.0


@dataclass(frozen=True)
class Part:
    """One component of one day set: the trips (problem ids) and the days they are solved for."""

    index: int
    days: tuple[str, ...]
    trip_ids: tuple[str, ...]
    time_limit: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "days": list(self.days),
            "trip_ids": list(self.trip_ids),
            "time_limit": self.time_limit,
        }

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Part:
        return cls(
            int(raw["index"]),
            tuple(str(d) for d in raw["days"]),
            tuple(str(t) for t in raw["trip_ids"]),
            float(raw["time_limit"]),
        )


def plan_parts(problem: Problem, days: tuple[str, ...] | None, time_limit: float) -> list[Part]:
    """The parts of a problem, largest first; one part when it cannot be split."""
    wanted = [d for d in problem.days() if days is None or d in days]
    if operational(problem):
        return [Part(0, tuple(wanted), tuple(t.id for t in problem.trips), time_limit)]
    intervals = [seat_interval(problem, t) for t in problem.trips]
    by_trips: dict[tuple[int, ...], list[str]] = {}
    for day in wanted:
        by_trips.setdefault(problem.trips_on(day), []).append(day)
    pieces: list[tuple[tuple[str, ...], list[int]]] = []
    for trips, ds in by_trips.items():
        found = components([intervals[k] for k in trips])
        if not found:
            found = [[]]
        # trips no vehicle fits are reported unassigned by the part that holds them
        left_out = [p for p, k in enumerate(trips) if not fits(intervals[k])]
        found[0] = sorted(found[0] + left_out)
        pieces += [(tuple(ds), [trips[p] for p in c]) for c in found]
    total = sum(len(trips) for _, trips in pieces) or 1
    pieces.sort(key=lambda piece: (-len(piece[1]), DAYS.index(piece[0][0]), piece[1][0]))
    return [
        Part(
            n,
            ds,
            tuple(problem.trips[k].id for k in trips),
            max(time_limit * len(trips) / total, MIN_PART_SECONDS),
        )
        for n, (ds, trips) in enumerate(pieces)
    ]


def part_problem(problem: Problem, part: Part) -> Problem:
    """The problem of one part's trips alone (its travel matrix cut to them)."""
    wanted = set(part.trip_ids)
    keep = [k for k, t in enumerate(problem.trips) if t.id in wanted]
    if len(keep) != len(wanted):
        raise ValueError(f"part {part.index} names trips the problem does not have")
    travel = None if problem.travel_s is None else problem.travel_s[np.ix_(keep, keep)].copy()
    return replace(problem, trips=tuple(problem.trips[k] for k in keep), travel_s=travel)


# -- a part's plan, exactly (seconds, not the rounded minutes of the solution format) --------


def plan_to_dict(solution: Solution, part: Part) -> dict[str, Any]:
    """What gathering needs of a part's solution: its first day's plan and figures."""
    plan = solution.days[part.days[0]]
    stats = plan.stats
    assert stats is not None
    return {
        "buses": [
            [[p.trip_id, p.shift_s, p.start_s, p.end_s, p.deadhead_s] for p in bus.trips]
            for bus in plan.buses
        ],
        "unassigned": [[u.trip_id, u.reason, u.rule] for u in plan.unassigned],
        "trips": stats.trips,
        "lower_bound": stats.lower_bound,
        "deadhead_bound": stats.deadhead_bound_s,
        "unassigned_bound": stats.unassigned_bound,
        "seconds": stats.seconds,
        "extra": solution.extra,
    }


@dataclass(frozen=True)
class PartPlan:
    runs: tuple[tuple[PlannedTrip, ...], ...]
    unassigned: tuple[Unassigned, ...]
    trips: int
    lower_bound: int
    deadhead_bound: int | None
    seconds: float
    extra: dict[str, Any]
    unassigned_bound: int | None = None

    @classmethod
    def of(cls, raw: dict[str, Any]) -> PartPlan:
        runs = tuple(
            tuple(PlannedTrip(str(t), int(sh), int(s), int(e), int(d)) for t, sh, s, e, d in run)
            for run in raw["buses"]
        )
        unassigned = tuple(Unassigned(str(t), str(r), str(u)) for t, r, u in raw["unassigned"])
        bound, short = raw["deadhead_bound"], raw.get("unassigned_bound")
        return cls(
            runs,
            unassigned,
            int(raw["trips"]),
            int(raw["lower_bound"]),
            None if bound is None else int(bound),
            float(raw["seconds"]),
            dict(raw.get("extra") or {}),
            None if short is None else int(short),
        )


def gather(problem: Problem, parts: list[Part], plans: list[PartPlan], seconds: float) -> Solution:
    """One solution from the parts' plans, as the solver in one process numbers and counts it."""
    by_days: dict[tuple[str, ...], list[PartPlan]] = {}
    for part, plan in zip(parts, plans, strict=True):
        by_days.setdefault(part.days, []).append(plan)
    order = {t.id: k for k, t in enumerate(problem.trips)}
    days: dict[str, DayPlan] = {}
    for ds, found in by_days.items():
        runs = sorted(
            (r for p in found for r in p.runs), key=lambda r: (r[0].start_s, r[0].trip_id)
        )
        width = max(2, len(str(len(runs))))
        buses = tuple(Bus(f"B{n + 1:0{width}d}", r) for n, r in enumerate(runs))
        unassigned = tuple(
            sorted((u for p in found for u in p.unassigned), key=lambda u: order[u.trip_id])
        )
        bounds = [p.deadhead_bound for p in found]
        stats = day_stats(
            buses,
            sum(p.trips for p in found),
            sum(p.lower_bound for p in found),
            sum(p.seconds for p in found),
            unassigned=len(unassigned),
            deadhead_bound=None if None in bounds else sum(b or 0 for b in bounds),
            unassigned_bound=sum(p.unassigned_bound or 0 for p in found) if unassigned else None,
        )
        for day in ds:
            days[day] = DayPlan(day, buses, unassigned, stats, ds[0] if day != ds[0] else None)
    ordered = {d: days[d] for d in DAYS if d in days}
    return Solution(ordered, round(seconds, 3), extra=_extra(plans))


def _extra(plans: list[PartPlan]) -> dict[str, Any]:
    """The parts' extras (each part reports the same travel source); the first one's stands."""
    return dict(plans[0].extra) if plans else {}
