"""School bells: the official times that decide the fleet, and the rules for moving them.

A bell is one school's official time of one kind: its entries arriving at 09:00, or its exits
leaving at 14:00. Moving a bell moves every trip of that school and kind at that time by the
same amount; each trip keeps its own small tolerance (`shift_min`) on top. A *move unit* is what
a planner decides at once: one bell, or every bell of a school whose bells are tied (its
morning and afternoon bells move together). Trips with no school have no bell and never move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from busplan.core.model import Kind, Problem
from busplan.core.units import SECONDS_PER_DAY, format_clock, seconds_to_minutes

BellKey = tuple[str, Kind, int]
"""(school id, kind, official time in seconds)."""


@dataclass(frozen=True)
class Bell:
    school_id: str
    school_name: str
    kind: Kind
    time_s: int
    trips: tuple[int, ...]
    """Problem trip indices rung by this bell."""

    @property
    def key(self) -> BellKey:
        return (self.school_id, self.kind, self.time_s)

    @property
    def label(self) -> str:
        return f"{self.school_id} {self.kind.value} {format_clock(self.time_s)}"


@dataclass(frozen=True)
class BellRules:
    """Which moves a planner allows: a range and a step (seconds), fixed schools, tied schools."""

    earliest_s: int = -30 * 60
    latest_s: int = 30 * 60
    step_s: int = 5 * 60
    fixed: frozenset[str] = frozenset()
    """School ids whose bells stay where they are."""
    tied: frozenset[str] = frozenset()
    """School ids whose bells all move by the same amount (one move unit)."""

    def __post_init__(self) -> None:
        if self.step_s <= 0:
            raise ValueError("the step of a bell move must be positive")
        if not self.earliest_s <= 0 <= self.latest_s:
            raise ValueError("the range of bell moves must include 0 (earliest <= 0 <= latest)")
        if self.earliest_s % self.step_s or self.latest_s % self.step_s:
            raise ValueError(
                f"the range {seconds_to_minutes(self.earliest_s):g}..."
                f"{seconds_to_minutes(self.latest_s):g} min is not a multiple of the step "
                f"{seconds_to_minutes(self.step_s):g} min"
            )

    def amounts(self) -> list[int]:
        """Every allowed move, in seconds, 0 included."""
        return list(range(self.earliest_s, self.latest_s + 1, self.step_s))


@dataclass(frozen=True)
class MoveUnit:
    """Bells that move together: one decision, counted as one move."""

    bells: tuple[Bell, ...]

    @property
    def school_id(self) -> str:
        return self.bells[0].school_id

    @property
    def trips(self) -> tuple[int, ...]:
        return tuple(k for b in self.bells for k in b.trips)

    @property
    def label(self) -> str:
        return " + ".join(b.label for b in self.bells)


def bells_of(problem: Problem) -> list[Bell]:
    """Every bell of the problem, ordered by school, kind and time."""
    rung: dict[BellKey, list[int]] = {}
    names: dict[str, str] = {}
    for k, trip in enumerate(problem.trips):
        if trip.school_id:
            rung.setdefault((trip.school_id, trip.kind, trip.time_s), []).append(k)
            names.setdefault(trip.school_id, trip.school_name)
    return [
        Bell(school, names[school], kind, time, tuple(trips))
        for (school, kind, time), trips in sorted(rung.items())
    ]


def move_units(problem: Problem, rules: BellRules) -> list[MoveUnit]:
    """The decisions a scenario may take: each movable bell, or a tied school's bells as one.
    Fixed schools are left out. Unknown school ids in the rules are refused by name."""
    bells = bells_of(problem)
    schools = {b.school_id for b in bells}
    for name, ids in (("fixed", rules.fixed), ("tied", rules.tied)):
        unknown = sorted(ids - schools)
        if unknown:
            raise ValueError(f"{name} schools not in the problem: {', '.join(unknown)}")
    units: list[MoveUnit] = []
    tied: dict[str, list[Bell]] = {}
    for bell in bells:
        if bell.school_id in rules.fixed:
            continue
        if bell.school_id in rules.tied:
            tied.setdefault(bell.school_id, []).append(bell)
        else:
            units.append(MoveUnit((bell,)))
    units += [MoveUnit(tuple(bs)) for bs in tied.values()]
    return sorted(units, key=lambda u: (u.school_id, u.bells[0].kind, u.bells[0].time_s))


BellMoves = Mapping[BellKey, int]
"""Seconds each moved bell moves by (later is positive); bells not named stay."""


def validate_moves(problem: Problem, rules: BellRules, moves: BellMoves) -> None:
    """Refuse moves the rules do not allow, naming the bell and the reason."""
    bells = {b.key: b for b in bells_of(problem)}
    allowed = set(rules.amounts())
    for key, amount in moves.items():
        bell = bells.get(key)
        if bell is None:
            school, kind, time = key
            raise ValueError(f"no bell {school} {kind.value} {format_clock(time)} in the problem")
        if amount and bell.school_id in rules.fixed:
            raise ValueError(f"{bell.label}: school {bell.school_id} is fixed")
        if amount not in allowed:
            raise ValueError(
                f"{bell.label}: a move of {seconds_to_minutes(amount):g} min is not allowed "
                f"(range {seconds_to_minutes(rules.earliest_s):g}..."
                f"{seconds_to_minutes(rules.latest_s):g} min in steps of "
                f"{seconds_to_minutes(rules.step_s):g})"
            )
    for unit in move_units(problem, rules):
        amounts = {moves.get(b.key, 0) for b in unit.bells}
        if len(amounts) > 1:
            raise ValueError(f"tied bells {unit.label} must move by the same amount")


def move_bells(problem: Problem, moves: BellMoves) -> Problem:
    """The problem with the given bells moved: every trip they ring at its new official time.
    Travel times do not depend on the time of day, so the matrices stay as they are."""
    if not any(moves.values()):
        return problem
    moved = {}
    for bell in bells_of(problem):
        amount = moves.get(bell.key, 0)
        if amount and not 0 <= bell.time_s + amount < SECONDS_PER_DAY:
            raise ValueError(
                f"{bell.label}: moved by {seconds_to_minutes(amount):g} min it leaves the day"
            )
        moved.update({k: amount for k in bell.trips if amount})
    trips = tuple(
        replace(t, time_s=t.time_s + moved[k]) if k in moved else t
        for k, t in enumerate(problem.trips)
    )
    return replace(problem, trips=trips)


def moves_of_units(units: Iterable[MoveUnit], amounts: Iterable[int]) -> dict[BellKey, int]:
    """Unit decisions to per-bell moves (zeros left out)."""
    return {
        b.key: amount
        for unit, amount in zip(units, amounts, strict=True)
        if amount
        for b in unit.bells
    }
