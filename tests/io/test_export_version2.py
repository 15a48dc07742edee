"""Exports of a version 2 plan: per bus its depot, vehicle and seats, pull-out and pull-in,
the driver's spread and driving time, in the PDF's planners' table and the workbook's buses
sheet; the week's stability in the summaries; in each language."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from busplan.cli.optimize import summary
from busplan.core import Problem, Solution, SolveParams, solve
from busplan.i18n import LANGS, words
from busplan.io.contract_values import json_minutes
from busplan.io.export_pdf import export_pdf
from busplan.io.export_xlsx import export_xlsx
from busplan.io.problem_json import load_problem

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "version2-week.json"
"""48 trips, two operators, three depots and a fleet (see tests/web/test_week.py)."""


@pytest.fixture(scope="module")
def planned() -> tuple[Problem, Solution]:
    problem = load_problem(EXAMPLE)
    return problem, solve(problem, SolveParams(time_limit=5))


def seconds(value: Any) -> int:
    """An Excel time read back by openpyxl (a time of day, or a duration past 24 h)."""
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds())
    return round(float(value) * 86400)


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )


@pytest.mark.parametrize("lang", LANGS)
def test_xlsx_buses_sheet_reads_back_each_bus(planned: tuple[Problem, Solution], lang: str) -> None:
    """One row per bus and day with its depot, vehicle, seats, pull-out, pull-in, spread and
    driving time, equal to the solution's; the summary states pull minutes and stability."""
    problem, solution = planned
    w = words(lang)
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx(problem, solution, lang=lang)))
    sheet = book[w("xlsx.buses")]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    for code in ("depot", "vehicle", "vehicle_seats", "pull_out", "pull_in", "spread", "drive"):
        assert w(f"xlsx.col_{code}") in header, code
    col = {
        name: header.index(w(f"xlsx.col_{name}"))
        for name in (
            "day",
            "bus",
            "depot",
            "vehicle",
            "vehicle_seats",
            "leaves",
            "pull_out",
            "pull_in",
            "returns",
            "spread",
            "drive",
            "trips",
        )
    }
    found = {(r[col["day"]], r[col["bus"]]): r for r in rows[1:]}
    depots = {d.id: d.name or d.id for d in problem.depots}
    count = 0
    for day, plan in solution.days.items():
        for bus in plan.buses:
            row = found[(day, bus.id)]
            assert row[col["depot"]] == depots[bus.depot]
            assert row[col["vehicle"]] == bus.vehicle
            assert row[col["vehicle_seats"]] == bus.seats
            assert row[col["pull_out"]] == json_minutes(bus.pull_out_s)
            assert row[col["pull_in"]] == json_minutes(bus.pull_in_s)
            assert row[col["spread"]] == json_minutes(bus.spread_s)
            assert row[col["drive"]] == json_minutes(bus.drive_s)
            assert row[col["trips"]] == len(bus.trips)
            assert seconds(row[col["leaves"]]) == bus.leaves_s
            assert seconds(row[col["returns"]]) == bus.returns_s
            count += 1
    assert count == len(rows) - 1

    summary = list(book[w("xlsx.summary")].iter_rows(values_only=True))
    pull = summary[0].index(w("xlsx.col_pull"))
    by_day = {r[0]: r for r in summary[1:] if r and r[0] in solution.days}
    for day, plan in solution.days.items():
        expected = sum(b.pull_out_s + b.pull_in_s for b in plan.buses)
        assert by_day[day][pull] == json_minutes(expected)
    assert solution.stability is not None and solution.stability < 1
    assert (w("xlsx.stability"), solution.stability) in [tuple(r[:2]) for r in summary]


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_planners_table_has_vehicle_pulls_spread_and_drive(
    planned: tuple[Problem, Solution], lang: str
) -> None:
    """The planners' table of each day names each bus's vehicle and seats, its pull-out and
    pull-in, spread and driving time; the figures give the week's stability."""
    problem, solution = planned
    w = words(lang)
    text = pdf_text(export_pdf(problem, solution, lang=lang))
    joined = text.replace(" ", "")  # headers wrap inside their narrow columns
    for key in ("vehicle", "seats", "pull_out", "pull_in", "spread", "drive"):
        assert w(f"pdf.col_{key}").replace(" ", "") in joined, key
    assert solution.stability is not None
    assert f"{w('pdf.fig_stability')} {w.percent(solution.stability)}" in text
    depots = {d.id: d.name or d.id for d in problem.depots}
    plan = solution.days["L"]
    for bus in plan.buses:
        row = " ".join(
            [
                bus.id,
                depots[bus.depot],
                bus.vehicle,
                str(bus.seats),
                w.clock(bus.leaves_s),
                w.minutes(bus.pull_out_s),
                str(len(bus.trips)),
                w.clock(bus.trips[0].start_s),
                w.clock(bus.trips[-1].end_s),
                w.minutes(bus.pull_in_s),
                w.clock(bus.returns_s),
                w.minutes(bus.spread_s),
                w.minutes(bus.drive_s),
            ]
        )
        assert row in text, row


@pytest.mark.parametrize("lang", LANGS)
def test_exports_state_the_fewest_trips_any_plan_leaves_out(
    planned: tuple[Problem, Solution], lang: str
) -> None:
    """The example's fleet is one vehicle short every day: the workbook's summary and the
    PDF's figures give, beside the trips left without a bus, the proven fewest."""
    problem, solution = planned
    w = words(lang)
    bounds = {d: p.stats.unassigned_bound for d, p in solution.days.items() if p.stats}
    assert all(b is not None and b >= 1 for b in bounds.values())
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx(problem, solution, lang=lang)))
    summary = list(book[w("xlsx.summary")].iter_rows(values_only=True))
    column = summary[0].index(w("xlsx.col_unassigned_bound"))
    assert {r[0]: r[column] for r in summary[1:] if r[0] in bounds} == bounds
    text = pdf_text(export_pdf(problem, solution, lang=lang))
    for bound in set(bounds.values()):
        assert f"{w('pdf.fig_unassigned_bound')} {bound}" in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_command_line_summary_states_the_stability_as_the_exports_do(
    planned: tuple[Problem, Solution], lang: str
) -> None:
    """A percentage with one decimal, as the PDF and the web UI give it (not a share rounded
    to one decimal, which hid the difference between 0.90 and 0.95)."""
    _, solution = planned
    w = words(lang)
    assert solution.stability is not None
    assert w("cli.stability", value=w.percent(solution.stability)) in summary(solution, w)
