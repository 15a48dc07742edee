"""Pure optimization: problem model, feasibility rules, bounds, solver and statistics.

Nothing here does I/O or imports web, database, queue or HTTP libraries.
"""

from busplan.core.feasibility import Violation, check
from busplan.core.model import DAYS, Kind, Problem, Settings, Trip, Window
from busplan.core.progress import PHASES, Cancelled, ProgressCallback
from busplan.core.solution import Bus, DayPlan, DayStats, PlannedTrip, Solution, Unassigned
from busplan.core.solve import SolveParams, solve

__all__ = [
    "DAYS",
    "PHASES",
    "Bus",
    "Cancelled",
    "DayPlan",
    "DayStats",
    "Kind",
    "PlannedTrip",
    "Problem",
    "ProgressCallback",
    "Settings",
    "Solution",
    "SolveParams",
    "Trip",
    "Unassigned",
    "Violation",
    "Window",
    "check",
    "solve",
]
