"""PDF and XLSX timetables: everything the plan says, readable back from the files."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from busplan.cli import main
from busplan.core import Problem, Solution, SolveParams, solve
from busplan.core.model import DAY_NAMES
from busplan.core.solution import Bus, DayPlan, PlannedTrip, Unassigned
from busplan.i18n import words
from busplan.io.export_pdf import export_pdf
from busplan.io.export_xlsx import export_xlsx
from busplan.io.imports import import_workbooks
from busplan.io.problem_json import parse_problem
from busplan.io.timetable import ExportError, timetables

ENTRY_TIMES = ["07:40", "08:25", "09:10"]
EXIT_TIMES = ["14:00", "14:45", "15:30"]


def fleet_book(workbooks: Any, routes: int = 9) -> Any:
    """A contract whose trips can chain: three entry waves, three exit waves, two calendars."""
    book = workbooks.contract(routes)
    for n, row in enumerate(book.trips[1:]):
        k = n // 2
        if row[2] == "Entrada":
            row[3] = ENTRY_TIMES[k % 3]
        else:
            row[4] = EXIT_TIMES[k % 3]
        row[5] = "LMMcXV" if k % 4 else "LMXV"
    return book


@pytest.fixture(scope="module")
def planned(module_workbooks: Any) -> tuple[Problem, Solution]:
    """Import -> optimize once for the module (the solver is the slow part)."""
    workbooks = module_workbooks
    result = import_workbooks([workbooks.save(fleet_book(workbooks))])
    return result.problem, solve(result.problem, SolveParams(time_limit=5))


def assignments(solution: Solution) -> dict[str, dict[str, str]]:
    return {
        day: {p.trip_id: bus.id for bus in plan.buses for p in bus.trips}
        | {u.trip_id: "unassigned" for u in plan.unassigned}
        for day, plan in solution.days.items()
    }


def test_xlsx_round_trip_gives_the_same_assignments(planned: tuple[Problem, Solution]) -> None:
    """Import -> optimize -> export: the XLSX trips sheet has each trip's bus on every day."""
    problem, solution = planned
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx(problem, solution)))
    assert book.sheetnames == [
        "Summary",
        "Buses",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Trips",
    ]
    rows = list(book["Trips"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    days = {"Monday": "L", "Tuesday": "M", "Wednesday": "Mc", "Thursday": "X", "Friday": "V"}
    read: dict[str, dict[str, str]] = {d: {} for d in solution.days}
    for row in body:
        for name, code in days.items():
            bus = row[header.index(name)]
            if bus is not None:
                read[code][row[0]] = bus
    assert read == assignments(solution)
    assert len(body) == len(problem.trips)


def test_xlsx_day_sheets_list_every_trip_grouped_by_bus(planned: tuple[Problem, Solution]) -> None:
    """A day sheet has one row per trip, a bus's trips together and in order, real times."""
    problem, solution = planned
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx(problem, solution)))
    ws = book["Monday"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    plan = solution.days["L"]
    expected = [(b.id, n + 1, p.trip_id) for b in plan.buses for n, p in enumerate(b.trips)]
    assert [(r[0], r[1], r[2]) for r in rows if r[0] != "unassigned"] == expected
    first = plan.buses[0].trips[0]
    start = ws.cell(2, 6)
    assert start.is_date and isinstance(start.value, dt.time)
    assert start.value.hour * 3600 + start.value.minute * 60 == first.start_s
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")


def test_xlsx_summary_has_a_row_per_day(planned: tuple[Problem, Solution]) -> None:
    """The summary sheet states buses, lower bound and trips for every day, and the deadhead
    beside its proven bound."""
    problem, solution = planned
    ws = openpyxl.load_workbook(io.BytesIO(export_xlsx(problem, solution)))["Summary"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    for day, plan in solution.days.items():
        s = plan.stats
        assert s is not None and s.deadhead_bound_s is not None
        assert rows[day][2:5] == (len(plan.buses), s.lower_bound, s.trips)
        assert rows[day][6:8] == (s.deadhead_s / 60, s.deadhead_bound_s / 60)
        assert rows[day][7] <= rows[day][6]


def pdf_pages(content: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(content)).pages]


def test_pdf_has_each_days_figures_then_a_sheet_per_bus(planned: tuple[Problem, Solution]) -> None:
    """Planners' pages for every day (chart, then figures), then one driver's sheet per bus
    listing each of its trips in order on every day it runs."""
    problem, solution = planned
    text = "\n".join(pdf_pages(export_pdf(problem, solution)))
    for plan in solution.days.values():
        assert f"{DAY_NAMES[plan.day]}: the day's buses" in text
        assert f"{DAY_NAMES[plan.day]}: figures and buses" in text
        assert f"Buses\n{len(plan.buses)}" in text
    buses = {b.id for plan in solution.days.values() for b in plan.buses}
    assert text.count("driver's sheet") == len(buses)
    for plan in solution.days.values():
        for bus in plan.buses:
            part = sheet_part(driver_sheet(text, bus.id), DAY_NAMES[plan.day])
            positions = [part.index(f"Trip {p.trip_id} ") for p in bus.trips]
            assert positions == sorted(positions), (plan.day, bus.id)


def driver_sheet(text: str, bus: str) -> str:
    """One bus's sheet out of the whole PDF's text."""
    start = text.index(f"Bus {bus}: driver's sheet")
    end = text.find("driver's sheet", start + 20)
    return text[start : end if end > 0 else len(text)]


def sheet_part(sheet: str, day: str) -> str:
    """The part of a driver's sheet for `day`: the one marked DIFFERENT ON that day, or the
    first when none is."""
    parts = sheet.split("DIFFERENT ON ")
    for part in parts[1:]:
        if day.upper() in part.splitlines()[0]:
            return part
    return parts[0]


def two_trip_plan(gap_min: int) -> tuple[Problem, Solution]:
    """Two trips on one bus, `gap_min` minutes to spare after a 10-minute drive; a third
    trip left unassigned."""
    problem = parse_problem(
        {
            "trips": [
                {
                    "id": "A",
                    "kind": "entry",
                    "time": "08:00",
                    "duration_min": 20,
                    "start": [42.2, -8.7],
                    "end": [42.3, -8.7],
                    "school": {"id": "1", "name": "CEIP Á"},
                },
                {
                    "id": "B",
                    "kind": "entry",
                    "time": f"08:{30 + gap_min:02d}",
                    "duration_min": 20,
                    "start": [42.2, -8.8],
                    "end": [42.3, -8.8],
                    "school": {"id": "2", "name": "IES B"},
                },
                {
                    "id": "C",
                    "kind": "exit",
                    "time": "14:00",
                    "duration_min": 20,
                    "start": [42.2, -8.8],
                    "end": [42.3, -8.8],
                    "days": ["L"],
                },
            ],
            "travel": {"minutes": [[0, 10, 10], [10, 0, 10], [10, 10, 0]]},
        }
    )
    b_start = (8 * 60 + 10 + gap_min) * 60
    plan = DayPlan(
        "L",
        (
            Bus(
                "B01",
                (
                    PlannedTrip("A", 0, 7 * 3600 + 40 * 60, 8 * 3600, 0),
                    PlannedTrip("B", 0, b_start, b_start + 1200, 600),
                ),
            ),
        ),
        (Unassigned("C", "no vehicle fits"),),
    )
    return problem, Solution({"L": plan})


@pytest.mark.parametrize(("gap", "tight"), [(8, True), (10, False)])
def test_tight_connections_are_marked(gap: int, tight: bool) -> None:
    """Slack under buffer + 5 min is marked TIGHT in the PDF and "tight" in the XLSX."""
    problem, solution = two_trip_plan(gap)
    (day,) = timetables(problem, solution)
    first = day.buses[0].rows[0]
    assert first.slack_s == gap * 60 and first.tight is tight
    pdf = "\n".join(pdf_pages(export_pdf(problem, solution)))
    assert ("TIGHT" in pdf) is tight
    ws = openpyxl.load_workbook(io.BytesIO(export_xlsx(problem, solution)))["Monday"]
    assert (ws.cell(2, 11).value == "tight") is tight


def test_unassigned_trips_are_listed_with_their_reason() -> None:
    """A trip no bus runs appears on the day's summary and sheet, with why."""
    problem, solution = two_trip_plan(20)
    summary = "\n".join(pdf_pages(export_pdf(problem, solution)))
    assert "Unassigned trips" in summary and "no vehicle fits" in summary
    ws = openpyxl.load_workbook(io.BytesIO(export_xlsx(problem, solution)))["Monday"]
    last = [c.value for c in ws[ws.max_row]]
    assert last[0] == "unassigned" and last[2] == "C" and last[-1] == "no vehicle fits"


def test_solution_for_another_problem_is_refused() -> None:
    """A trip id the problem does not have is an error naming the trip, not a blank row."""
    problem, _ = two_trip_plan(20)
    stranger = Solution({"L": DayPlan("L", (Bus("B01", (PlannedTrip("Z", 0, 0, 60, 0),)),))})
    with pytest.raises(ExportError, match="trip Z"):
        export_pdf(problem, stranger)


def test_cli_import_optimize_export(workbooks: Any, tmp_path: Path) -> None:
    """The three commands chain: the exported files exist and state the solver's bound."""
    source = workbooks.save(workbooks.contract(3))
    problem, solution = tmp_path / "problem.json", tmp_path / "solution.json"
    pdf, xlsx = tmp_path / "plan.pdf", tmp_path / "plan.xlsx"
    assert main(["import", str(source), "-o", str(problem)]) == 0
    assert main(["optimize", str(problem), "-o", str(solution), "--time-limit", "5"]) == 0
    args = ["export", str(solution), "--problem", str(problem), "--pdf", str(pdf)]
    assert main([*args, "--xlsx", str(xlsx)]) == 0
    bound = json.loads(solution.read_text())["days"]["L"]["stats"]["lower_bound"]
    summary = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert f"Lower bound on buses\n{bound}" in summary
    assert openpyxl.load_workbook(xlsx)["Summary"].cell(2, 4).value == bound


def test_cli_export_needs_an_output(tmp_path: Path) -> None:
    """Without --pdf or --xlsx the export command says what it needs."""
    assert main(["export", "s.json", "--problem", "p.json"]) == 2


def test_pdf_figures_state_the_proven_least_deadhead(planned: tuple[Problem, Solution]) -> None:
    """Each day's figures give the deadhead bound the solver proved for that fleet."""
    problem, solution = planned
    text = "\n".join(pdf_pages(export_pdf(problem, solution)))
    for plan in solution.days.values():
        assert plan.stats is not None and plan.stats.deadhead_bound_s is not None
        minutes = words("en").minutes(plan.stats.deadhead_bound_s)
        assert f"Least possible empty driving, depot drives included (proven)\n{minutes}" in text
