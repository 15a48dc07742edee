"""A plan as printable timetables: a summary page per day, then one page per bus.

Drivers get paper, usually printed in black and white: nothing here relies on colour. Tight
connections are marked with the word TIGHT and bold type, and shading is light grey only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from busplan.core.model import DAY_NAMES, Kind, Problem
from busplan.core.solution import Solution
from busplan.core.units import format_clock
from busplan.io.timetable import TIGHT_MARGIN_S, BusDay, DayTimetable, TimetableRow, timetables

STYLES = getSampleStyleSheet()
CELL = ParagraphStyle("cell", parent=STYLES["BodyText"], fontSize=8, leading=9.5)
CELL_BOLD = ParagraphStyle("cell-bold", parent=CELL, fontName="Helvetica-Bold")
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
    ]
)
BUS_COLUMNS = [
    "#",
    "Trip",
    "Kind",
    "Official",
    "Planned",
    "Shift",
    "School",
    "First stop",
    "Last stop",
    "Deadhead",
    "Slack to next",
]
BUS_WIDTHS = [w * mm for w in (8, 30, 12, 24, 24, 14, 42, 38, 38, 17, 24)]
"""271 mm: the width of landscape A4 inside 12 mm margins, less a little."""


def export_pdf(
    problem: Problem, solution: Solution, bounds: Mapping[str, int] | None = None
) -> bytes:
    """The timetables as PDF bytes (for a file or an HTTP response)."""
    days = timetables(problem, solution, bounds)
    story: list[Flowable] = []
    tight_after = problem.settings.buffer_s + TIGHT_MARGIN_S
    for day in days:
        story += _summary_page(day, problem.name, tight_after)
        for bus in day.buses:
            story += _bus_page(day, bus)
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Bus timetables {problem.name}".strip(),
    )
    doc.build(story or [Paragraph("No days in this plan.", STYLES["Title"])])
    return out.getvalue()


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:g} min"


def _signed(seconds: int) -> str:
    return "0" if seconds == 0 else f"{seconds / 60:+g} min"


def _summary_page(day: DayTimetable, name: str, tight_after: int) -> list[Flowable]:
    title = f"{day.name}: summary" + (f" ({escape(name)})" if name else "")
    bound = "not stated" if day.lower_bound is None else str(day.lower_bound)
    figures = [
        ["Buses", str(len(day.buses))],
        ["Lower bound on buses", bound],
        ["Trips", str(day.trips)],
        ["Unassigned trips", str(len(day.unassigned))],
        ["Deadhead", _minutes(day.deadhead_s)],
        ["Moved bells (total |shift|)", _minutes(day.abs_shift_s)],
        ["Shifted trips", str(day.shifted_trips)],
        [f"Tight connections (slack under {tight_after // 60} min)", str(day.tight_connections)],
    ]
    if day.same_as:
        figures.append(["Same trips as", DAY_NAMES.get(day.same_as, day.same_as)])
    story: list[Flowable] = [
        Paragraph(title, STYLES["Title"]),
        _table([["Figure", "Value"], *figures], [80 * mm, 40 * mm]),
        Spacer(1, 6 * mm),
    ]
    buses = [["Bus", "Trips", "First start", "Last end", "Deadhead", "Tight"]]
    buses += [
        [
            b.bus,
            str(len(b.rows)),
            format_clock(b.start_s),
            format_clock(b.end_s),
            _minutes(b.deadhead_s),
            str(sum(1 for r in b.rows if r.tight) or ""),
        ]
        for b in day.buses
    ]
    story.append(_table(buses, [25 * mm, 18 * mm, 25 * mm, 25 * mm, 25 * mm, 18 * mm]))
    if day.unassigned:
        story.append(Spacer(1, 6 * mm))
        story.append(Paragraph("Unassigned trips", STYLES["Heading3"]))
        rows = [["Trip", "Reason"]] + [
            [t.id, Paragraph(escape(u.reason), CELL)] for t, u in day.unassigned
        ]
        story.append(_table(rows, [40 * mm, 200 * mm]))
    story.append(PageBreak())
    return story


def _bus_page(day: DayTimetable, bus: BusDay) -> list[Flowable]:
    heading = (
        f"{day.name}: bus {escape(bus.bus)}, {len(bus.rows)} trips, "
        f"{format_clock(bus.start_s)} to {format_clock(bus.end_s)}"
    )
    rows: list[list[object]] = [list(BUS_COLUMNS)]
    rows += [_bus_row(r) for r in bus.rows]
    table = _table(rows, BUS_WIDTHS)
    for n, r in enumerate(bus.rows, start=1):
        if r.tight:
            table.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, n), (-1, n), "Helvetica-Bold", 8),
                        ("BOX", (0, n), (-1, n), 1.5, colors.black),
                    ]
                )
            )
    return [Paragraph(heading, STYLES["Heading2"]), table, PageBreak()]


def _bus_row(r: TimetableRow) -> list[object]:
    t, p = r.trip, r.planned
    style = CELL_BOLD if r.tight else CELL
    if r.slack_s is None:
        slack = "last trip"
    else:
        slack = _minutes(r.slack_s) + (" TIGHT" if r.tight else "")
    return [
        str(r.position),
        t.id,
        "entry" if t.kind is Kind.ENTRY else "exit",
        f"{format_clock(t.base_start)}-{format_clock(t.base_end)}",
        f"{format_clock(p.start_s)}-{format_clock(p.end_s)}",
        _signed(p.shift_s),
        Paragraph(escape(t.school_name or t.school_id), style),
        Paragraph(escape(r.first_stop), style),
        Paragraph(escape(r.last_stop), style),
        _minutes(p.deadhead_s),
        slack,
    ]


def _table(rows: Sequence[Sequence[object]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    return table
