"""Choosing the next bell to move by the matching bound of the moved days.

With the narrow windows trips keep around a moved bell, the matching bound
(`bounds.fleet_lower_bound`) is nearly always the fleet the solver then finds (70 and 70 on
230 generated trips with no move), and it takes milliseconds. So the next move is searched
exhaustively: every movable unit not yet moved, at every allowed amount, scored by the busiest
day's bound, then by the bound summed over the days, then by the fewest minutes moved. Moves
already made stay, so the curve's moves nest (a planner can make them in order); once a unit is
added, the amounts of the moved units are tuned again one at a time.

A moved unit shifts every trip of it by the same amount, which changes only the slack of the
connections into and out of those trips; only the parts holding them are matched again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

from busplan.core.bounds import max_matching
from busplan.core.connections import NEVER, IntArray
from busplan.core.peak import PeakPart

Moves = dict[int, int]
"""Seconds each moved unit (by index) moves by."""
Score = tuple[int, int, int]
"""Busiest day's bound, the bounds summed over the days, minutes moved: lower is better."""


class MoveSearch:
    def __init__(self, parts: Sequence[PeakPart], amounts: Sequence[int]) -> None:
        self.parts = parts
        self.amounts = [a for a in amounts if a]
        self.days = sorted({p.day_set for p in parts})
        self.parts_by_day: dict[int, dict[int, list[int]]] = {}
        """Per unit, per day set, the parts holding its trips."""
        for n, part in enumerate(parts):
            for unit in sorted({u for u in part.units if u is not None}):
                self.parts_by_day.setdefault(unit, {}).setdefault(part.day_set, []).append(n)

    def score(self, moves: Mapping[int, int]) -> Score:
        return self._score(moves, [self._bound(n, moves) for n in range(len(self.parts))])

    def next_move(self, moves: Moves, deadline: float) -> Moves:
        """`moves` and one unit more, the best by `Score`, with every moved amount retuned;
        `moves` itself when no unit is left or none helps. By `deadline` (a safety net) it
        returns the best found so far."""
        bounds = [self._bound(n, moves) for n in range(len(self.parts))]
        best, score = dict(moves), self._score(moves, bounds)
        for unit in sorted(self.parts_by_day):
            if unit not in moves:
                best, score = self._best_amount(moves, unit, bounds, best, score)
            if time.monotonic() > deadline:
                return best
        for unit in sorted(best):  # retune the moved units one at a time
            bounds = [self._bound(n, best) for n in range(len(self.parts))]
            best, score = self._best_amount(best, unit, bounds, best, score)
            if time.monotonic() > deadline:
                break
        return best

    def _best_amount(
        self, moves: Moves, unit: int, bounds: list[int], best: Moves, score: Score
    ) -> tuple[Moves, Score]:
        """`best` or `moves` with `unit` at one of the allowed amounts, whichever scores lowest;
        `bounds` are the parts' bounds with `moves`."""
        for amount in self.amounts:
            trial = {**moves, unit: amount}
            changed = self._score_changed(trial, unit, bounds, score)
            if changed is not None and changed < score:
                best, score = trial, changed
        return best, score

    def _score_changed(
        self, moves: Mapping[int, int], unit: int, bounds: list[int], cutoff: Score
    ) -> Score | None:
        """The score with `unit`'s amount changed, matching only the parts that hold it; None
        as soon as it is sure to be worse than `cutoff` (the busiest day's bound above it):
        the days are matched from the busiest down, and most moves leave the busiest alone."""
        changed = list(bounds)
        per_day = self._per_day(bounds)
        touched = self.parts_by_day[unit]
        for day in sorted(touched, key=lambda d: (-per_day[d], d)):
            for n in touched[day]:
                changed[n] = self._bound(n, moves)
                per_day[day] += changed[n] - bounds[n]
            if max(per_day.values()) > cutoff[0]:
                return None
        return self._score(moves, changed)

    def _per_day(self, bounds: list[int]) -> dict[int, int]:
        per_day = dict.fromkeys(self.days, 0)
        for part, bound in zip(self.parts, bounds, strict=True):
            per_day[part.day_set] += bound
        return per_day

    def _score(self, moves: Mapping[int, int], bounds: list[int]) -> Score:
        per_day = self._per_day(bounds)
        minutes = sum(abs(a) for a in moves.values()) // 60
        return max(per_day.values(), default=0), sum(per_day.values()), minutes

    def _bound(self, n: int, moves: Mapping[int, int]) -> int:
        """The matching bound of part `n` with its trips moved with their units."""
        part = self.parts[n]
        c = part.connections
        shift: IntArray = np.array([moves.get(u, 0) if u is not None else 0 for u in part.units])
        slack = c.slack + shift[None, :] - shift[:, None]
        possible = (slack >= c.earliest[:, None] - c.latest[None, :]) & (c.slack > NEVER)
        return len(c) - max_matching(possible)
