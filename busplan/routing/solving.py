"""Solving with configured travel times, by the rule `busplan optimize` follows (for jobs and
`POST /optimize`).

The problem's own matrix, else OSRM when the settings name a server (cache first, fallback only
when allowed), else the built-in estimate (`busplan.routing.prepare`). Road times are fetched
when the solver first asks for them, in its `travel_matrix` phase, so clients see that phase
while the server answers; the travel report is kept with the solution (`extra.travel`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from busplan.core import Problem, Solution, SolveParams, solve
from busplan.core.progress import ProgressCallback
from busplan.core.travel import Seconds
from busplan.routing.config import RoutingConfig
from busplan.routing.provider import Prepared, prepare
from busplan.routing.report import TravelReport


class RoadTravel:
    """`TravelTimes` prepared on first use."""

    def __init__(self, problem: Problem, config: RoutingConfig) -> None:
        self._problem = problem
        self._config = config
        self._prepared: Prepared | None = None

    def prepared(self) -> Prepared:
        if self._prepared is None:
            self._prepared = prepare(self._problem, self._config)
        return self._prepared

    def matrix(self, sources: Sequence[int], targets: Sequence[int]) -> Seconds:
        return self.prepared().travel.matrix(sources, targets)

    @property
    def report(self) -> TravelReport:
        return self.prepared().report


def solve_with_travel(
    problem: Problem,
    params: SolveParams,
    config: RoutingConfig,
    progress: ProgressCallback | None = None,
) -> Solution:
    """Solve `problem` with travel times as configured; raises `RoutingError` when they cannot
    be had (server unreachable without fallback, or refusing the input)."""
    road = RoadTravel(problem, config)
    if config.duration_source == "route":  # trip durations change the problem: first
        problem = road.prepared().problem
    solution = solve(problem, params, travel=road, progress=progress)
    return replace(solution, extra={**solution.extra, "travel": road.report.to_dict()})
