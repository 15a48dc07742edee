"""Exhaustive reference answers for tiny problems, to hold the solver and the bound to."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from busplan.core.bells import BellRules, move_bells, move_units, moves_of_units
from busplan.core.connections import Connections
from busplan.core.flow import min_cost_cover
from busplan.core.model import Problem
from busplan.core.seats import compatible_pairs
from busplan.core.travel import default_travel


def partitions(n: int) -> Iterator[list[list[int]]]:
    """Every partition of positions 0..n-1 into groups, each once (groups in order of their
    first member)."""
    for labels in itertools.product(range(n), repeat=n):
        if any(labels[k] > max(labels[:k], default=-1) + 1 for k in range(n)):
            continue  # one labelling per partition
        yield [[k for k in range(n) if labels[k] == g] for g in range(max(labels) + 1)]


def connections(problem: Problem) -> Connections:
    trips = list(range(len(problem.trips)))
    travel = default_travel(problem).matrix(trips, trips)
    seats = compatible_pairs([t.seat_interval() for t in problem.trips])
    return Connections.build(problem, trips, travel, seats)


def best_buses_and_deadhead(problem: Problem) -> tuple[int, int]:
    """Fewest buses, then least deadhead, over every whole-minute shift of every trip.

    With whole-minute data the connection constraints are differences of integers, so some
    optimal plan has whole-minute shifts: trying them all gives the true optimum.
    """
    c = connections(problem)
    choices = [range(int(lo), int(hi) + 1, 60) for lo, hi in zip(c.earliest, c.latest, strict=True)]
    best = (len(c) + 1, 0)
    for shifts in itertools.product(*choices):
        s = np.array(shifts, np.int64)
        arcs = min_cost_cover(c.feasible(s), c.travel)
        best = min(best, (len(c) - len(arcs), sum(int(c.travel[i, j]) for i, j in arcs)))
    return best


def schooled(data: dict[str, Any], schools: list[str]) -> dict[str, Any]:
    """The problem with trip k at school schools[k]; trips of a school and kind share its first
    such trip's official time, so that they ring one bell."""
    first: dict[tuple[str, str], str] = {}
    for trip, school in zip(data["trips"], schools, strict=True):
        if school:
            trip["school"] = {"id": school, "name": f"School {school}"}
            trip["time"] = first.setdefault((school, trip["kind"]), trip["time"])
    return data


def best_with_moves(problem: Problem, rules: BellRules, max_moves: int) -> int:
    """Fewest buses over every choice of at most `max_moves` unit moves (and every own shift)."""
    units = move_units(problem, rules)
    best = len(problem.trips)
    for amounts in itertools.product(rules.amounts(), repeat=len(units)):
        if sum(1 for a in amounts if a) > max_moves:
            continue
        moved = move_bells(problem, moves_of_units(units, amounts))
        best = min(best, best_buses_and_deadhead(moved)[0])
    return best
