"""A plan as printable timetables, in Galician, Spanish or English.

Two parts. For planners, per day: a picture of the day (every bus as a row of bars on a time
axis, as in the web UI), then the figures and the table of buses. For drivers: one sheet per
bus for the whole week, every stop in order with its planned time and the pupils who board
there, the empty drives between trips, leaving and returning to the depot when the bus has
one; where the bus is not driven alike on every day, each way is printed with its days, and
the days that differ are marked plainly.

Drivers get paper, usually printed in black and white: nothing here relies on colour. Tight
connections are marked in words and bold type, and shading is grey only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from busplan.core.model import Kind, Problem
from busplan.core.solution import Solution
from busplan.i18n import Words, words
from busplan.io.timetable import (
    TIGHT_MARGIN_S,
    BusDay,
    BusWeek,
    DayTimetable,
    TimetableRow,
    Variant,
    bus_weeks,
    timetables,
    unassigned_words,
)

MARGIN = 12 * mm
STYLES = getSampleStyleSheet()
TITLE = ParagraphStyle("title", parent=STYLES["Title"], fontSize=16, leading=19, spaceAfter=4)
HEADING = ParagraphStyle("heading", parent=STYLES["Heading2"], fontSize=12, leading=14)
PART = ParagraphStyle("part", parent=STYLES["BodyText"], fontSize=8, textColor=colors.grey)
BODY = ParagraphStyle("body", parent=STYLES["BodyText"], fontSize=9.5, leading=12)
WARNING = ParagraphStyle(
    "warning",
    parent=BODY,
    fontName="Helvetica-Bold",
    borderWidth=1.5,
    borderColor=colors.black,
    borderPadding=4,
    spaceBefore=4,
    spaceAfter=6,
)
CELL = ParagraphStyle("cell", parent=STYLES["BodyText"], fontSize=8.5, leading=10.5)
CELL_BOLD = ParagraphStyle("cell-bold", parent=CELL, fontName="Helvetica-Bold")
HEAD_SMALL = ParagraphStyle("head-small", parent=CELL_BOLD, fontSize=7.5, leading=9)
"""Headers of the wide table of buses with depots, where columns are narrow."""
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
    ]
)
COMPACT = TableStyle(
    [
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
    ]
)
TRIP_SHADE = colors.Color(0.9, 0.9, 0.9)
COMPACT_ROWS = 22
"""Rows of the day's bus table per half, so that two halves side by side fit a page."""
SHEET_WIDTHS = [w * mm for w in (17, 103, 18, 48)]
"""186 mm: portrait A4 inside 12 mm margins."""


def export_pdf(
    problem: Problem,
    solution: Solution,
    bounds: Mapping[str, int] | None = None,
    lang: str = "en",
) -> bytes:
    """The timetables as PDF bytes (for a file or an HTTP response), in `lang`."""
    w = words(lang)
    days = timetables(problem, solution, bounds)
    title = w("pdf.title", name=problem.name).strip()
    out = BytesIO()
    doc = _document(out, title, w)
    story: list[Flowable] = []
    tight_after = problem.settings.buffer_s + TIGHT_MARGIN_S
    sections = [
        _planners_day(day, problem.name, tight_after, w, solution.stability) for day in days
    ]
    for n, section in enumerate(sections):
        story += section
        if n + 1 < len(sections):
            story.append(PageBreak())
    weeks = bus_weeks(days)
    if weeks:
        story += [NextPageTemplate("drivers"), PageBreak()]
        for n, week in enumerate(weeks):
            story += _driver_sheet(week, days, w)
            if n + 1 < len(weeks):
                story.append(PageBreak())
    doc.build(story or [Paragraph(escape(w("pdf.no_days")), TITLE)])
    return out.getvalue()


def _document(out: BytesIO, title: str, w: Words) -> BaseDocTemplate:
    """Landscape pages for the planners' part, portrait sheets for the drivers."""

    def footer(canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, _ = canvas._pagesize
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 6 * mm, title)
        canvas.drawRightString(width - MARGIN, 6 * mm, w("pdf.page", page=doc.page))
        canvas.restoreState()

    wide, tall = landscape(A4), A4
    doc = BaseDocTemplate(
        out,
        pagesize=wide,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        lang=w.lang,
    )
    doc.addPageTemplates(
        [
            PageTemplate(
                "planners",
                [Frame(MARGIN, MARGIN, wide[0] - 2 * MARGIN, wide[1] - 2 * MARGIN, id="wide")],
                onPage=footer,
                pagesize=wide,
            ),
            PageTemplate(
                "drivers",
                [Frame(MARGIN, MARGIN, tall[0] - 2 * MARGIN, tall[1] - 2 * MARGIN, id="tall")],
                onPage=footer,
                pagesize=tall,
            ),
        ]
    )
    return doc


def _p(text: str, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(rows: Sequence[Sequence[object]], widths: list[float], compact: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    if compact:
        table.setStyle(COMPACT)
    return table


# -- planners: the day as a picture, then its figures --------------------------------------------


def _planners_day(
    day: DayTimetable, name: str, tight_after: int, w: Words, stability: float | None = None
) -> list[Flowable]:
    day_name = w.day(day.day)
    title = (
        w("pdf.day_title_named", day=day_name, name=name)
        if name
        else w("pdf.day_title", day=day_name)
    )
    story: list[Flowable] = []
    height = landscape(A4)[1] - 2 * MARGIN - 26 * mm
    charts = Gantt.split(day, landscape(A4)[0] - 2 * MARGIN, height, w)
    for n, chart in enumerate(charts):
        heading = title
        if len(charts) > 1:
            heading += " · " + w("pdf.gantt_part", first=chart.first, last=chart.last)
        story += [_p(w("pdf.planners"), PART), _p(heading, TITLE), chart, _legend(w)]
        if n + 1 < len(charts):
            story.append(PageBreak())
    story.append(PageBreak())
    story += _summary(day, tight_after, w, stability)
    return story


def _summary(
    day: DayTimetable, tight_after: int, w: Words, stability: float | None = None
) -> list[Flowable]:
    bound = w("pdf.not_stated") if day.lower_bound is None else str(day.lower_bound)
    figures = [
        [w("pdf.fig_buses"), str(len(day.buses))],
        [w("pdf.fig_bound"), bound],
        [w("pdf.fig_trips"), str(day.trips)],
        [w("pdf.fig_unassigned"), str(len(day.unassigned))],
        *(
            [[w("pdf.fig_unassigned_bound"), str(day.unassigned_bound)]]
            if day.unassigned_bound is not None
            else []
        ),
        [w("pdf.fig_deadhead"), w.minutes(day.deadhead_s)],
        *(
            [[w("pdf.fig_deadhead_bound"), w.minutes(day.deadhead_bound_s)]]
            if day.deadhead_bound_s is not None
            else []
        ),
        [w("pdf.fig_moved"), w.minutes(day.abs_shift_s)],
        [w("pdf.fig_shifted"), str(day.shifted_trips)],
        [w("pdf.fig_tight", min=tight_after // 60), str(day.tight_connections)],
    ]
    with_depots = any(b.depot for b in day.buses)
    with_vehicles = any(b.plan is not None and b.plan.vehicle for b in day.buses)
    if with_depots:
        figures.append([w("pdf.fig_pull"), w.minutes(day.pull_s)])
    if with_vehicles:
        figures.append([w("pdf.fig_vehicles"), str(day.vehicles)])
    if day.same_as:
        figures.append([w("pdf.fig_same"), w.day(day.same_as)])
    if stability is not None:
        figures.append([w("pdf.fig_stability"), w.percent(stability)])
    story: list[Flowable] = [
        _p(w("pdf.planners"), PART),
        _p(w("pdf.summary_title", day=w.day(day.day)), TITLE),
        Spacer(1, 2 * mm),
        _figures_table([[w("pdf.figure"), w("pdf.value")], *figures]),
        Spacer(1, 6 * mm),
    ]
    if with_depots:
        story += _depot_bus_table(day, with_vehicles, w)
    else:
        head: list[object] = [w("pdf.col_bus")]
        head += [w("pdf.col_trips"), w("pdf.col_first"), w("pdf.col_last")]
        head += [w("pdf.col_deadhead"), w("pdf.col_tight")]
        rows: list[list[object]] = [head]
        for b in day.buses:
            row: list[object] = [b.bus]
            row += [str(len(b.rows)), w.clock(b.start_s), w.clock(b.end_s)]
            row += [w.minutes(b.deadhead_s), str(sum(1 for r in b.rows if r.tight) or "")]
            rows.append(row)
        story += _bus_tables(rows)
    if day.unassigned:
        story.append(Spacer(1, 6 * mm))
        story.append(_p(w("pdf.unassigned_title"), HEADING))
        unassigned: list[list[object]] = [[w("pdf.col_trip"), w("pdf.col_reason")]]
        unassigned += [[t.id, _p(unassigned_words(t, u, w))] for t, u in day.unassigned]
        story.append(_table(unassigned, [40 * mm, 200 * mm]))
    return story


def _figures_table(rows: Sequence[Sequence[object]]) -> Table:
    table = _table(rows, [95 * mm, 40 * mm], compact=True)
    table.hAlign = "LEFT"
    return table


def _depot_bus_table(day: DayTimetable, with_vehicles: bool, w: Words) -> list[Flowable]:
    """The day's buses with their depots: per bus its depot and vehicle (with seats), leaving
    the depot and the pull-out, its trips, the pull-in and back at the depot, the driver's
    spread and driving time, the empty driving between trips and the tight connections."""
    columns: list[tuple[str, float]] = [("pdf.col_bus", 15), ("pdf.col_depot", 26)]
    if with_vehicles:
        columns += [("pdf.col_vehicle", 23), ("pdf.col_seats", 14)]
    columns += [
        ("pdf.col_leaves", 17),
        ("pdf.col_pull_out", 16),
        ("pdf.col_trips", 20),
        ("pdf.col_first", 16),
        ("pdf.col_last", 14),
        ("pdf.col_pull_in", 16),
        ("pdf.col_returns", 17),
        ("pdf.col_spread", 19),
        ("pdf.col_drive", 19),
        ("pdf.col_deadhead", 18),
        ("pdf.col_tight", 15),
    ]
    rows: list[list[object]] = [[_p(w(key), HEAD_SMALL) for key, _ in columns]]
    for b in day.buses:
        plan = b.plan
        row: list[object] = [b.bus, _p(b.depot_name)]
        if with_vehicles:
            seats = plan.seats if plan is not None and plan.seats is not None else ""
            row += [_p(plan.vehicle if plan is not None else ""), str(seats)]
        row += [
            w.clock(b.leaves_s),
            w.minutes(plan.pull_out_s) if plan is not None else "",
            str(len(b.rows)),
            w.clock(b.start_s),
            w.clock(b.end_s),
            w.minutes(plan.pull_in_s) if plan is not None else "",
            w.clock(b.returns_s),
            w.minutes(b.spread_s),
            w.minutes(b.drive_s),
            w.minutes(b.deadhead_s),
            str(sum(1 for r in b.rows if r.tight) or ""),
        ]
        rows.append(row)
    return [_table(rows, [width * mm for _, width in columns])]


def _bus_tables(rows: list[list[object]]) -> list[Flowable]:
    """The table of buses without depots: it is narrow, so it is set in two halves side by
    side (in blocks that fit a page) to keep a day's figures on few pages."""
    widths = [16 * mm, 22 * mm, 26 * mm, 22 * mm, 23 * mm, 14 * mm]
    head, body = rows[0], rows[1:]
    block = 2 * COMPACT_ROWS
    story: list[Flowable] = []
    for start in range(0, len(body), block):
        part = body[start : start + block]
        half = -(-len(part) // 2)
        halves = [_table([head, *part[:half]], widths, compact=True)]
        if part[half:]:
            halves.append(_table([head, *part[half:]], widths, compact=True))
        pair = Table([halves], colWidths=[sum(widths) + 8 * mm] * len(halves), hAlign="LEFT")
        pair.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        story.append(pair)
    return story


class Gantt(Flowable):  # type: ignore[misc]
    """A day's buses as rows of bars on a time axis, drawn for black-and-white print: entries
    dark, exits light with an outline, empty drives as dashed lines, trips to and from the
    depot as thin lines, moved bells with their minutes, tight connections with a "!"."""

    LABEL = 16 * mm
    AXIS = 6 * mm
    MIN_ROW = 2.2 * mm
    MAX_ROW = 6 * mm

    def __init__(
        self, buses: Sequence[BusDay], span: tuple[int, int], width: float, row: float, w: Words
    ) -> None:
        super().__init__()
        self.buses = list(buses)
        self.span = span
        self.width = width
        self.row = row
        self.height = self.AXIS + row * len(self.buses)
        self.w = w
        self.first = self.buses[0].bus if self.buses else ""
        self.last = self.buses[-1].bus if self.buses else ""

    @classmethod
    def split(cls, day: DayTimetable, width: float, height: float, w: Words) -> list[Gantt]:
        """As many charts as it takes for every row to stay readable."""
        buses = list(day.buses)
        if not buses:
            return []
        start = min(b.leaves_s for b in buses) // 3600 * 3600
        end = -(-max(b.returns_s for b in buses) // 3600) * 3600
        per_page = max(1, int((height - cls.AXIS) // cls.MIN_ROW))
        pages = [buses[i : i + per_page] for i in range(0, len(buses), per_page)]
        row = min(cls.MAX_ROW, (height - cls.AXIS) / min(len(buses), per_page))
        return [cls(page, (start, max(end, start + 3600)), width, row, w) for page in pages]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def x(self, seconds: float) -> float:
        start, end = self.span
        return float(self.LABEL + (seconds - start) / (end - start) * (self.width - self.LABEL))

    def draw(self) -> None:
        c = self.canv
        start, end = self.span
        top = self.height - self.AXIS
        font = min(7.0, self.row / mm * 2.4)
        c.setFont("Helvetica", 7)
        for hour in range(start, end + 1, 3600):
            x = self.x(hour)
            c.setStrokeColor(colors.Color(0.8, 0.8, 0.8))
            c.setLineWidth(0.3)
            c.line(x, 0, x, top)
            c.setFillColor(colors.black)
            c.drawCentredString(x, top + 2 * mm, self.w.clock(hour))
        for n, bus in enumerate(self.buses):
            y = top - (n + 1) * self.row
            if n % 2:
                c.setFillColor(colors.Color(0.96, 0.96, 0.96))
                c.rect(0, y, self.width, self.row, stroke=0, fill=1)
            c.setFillColor(colors.black)
            c.setFont("Helvetica", font)
            c.drawString(1 * mm, y + self.row * 0.3, bus.bus)
            self._bus(bus, y, font)

    def _bus(self, bus: BusDay, y: float, font: float) -> None:
        c = self.canv
        mid = y + self.row / 2
        bar = self.row * 0.7
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.6)
        if bus.depot and bus.rows:
            c.line(self.x(bus.leaves_s), mid, self.x(bus.start_s), mid)
            c.line(self.x(bus.end_s), mid, self.x(bus.returns_s), mid)
        previous: TimetableRow | None = None
        for r in bus.rows:
            p = r.planned
            if p.deadhead_s:
                c.setDash(1.5, 1.2)
                c.line(self.x(p.start_s - p.deadhead_s), mid, self.x(p.start_s), mid)
                c.setDash()
            entry = r.trip.kind is Kind.ENTRY
            c.setFillColor(colors.Color(0.25, 0.25, 0.25) if entry else colors.white)
            c.setLineWidth(1.4 if previous is not None and previous.tight else 0.5)
            left, right = self.x(p.start_s), self.x(p.end_s)
            c.rect(left, mid - bar / 2, max(right - left, 0.8), bar, stroke=1, fill=1)
            if p.shift_s:
                c.setFillColor(colors.white if entry else colors.black)
                c.setFont("Helvetica-Bold", font * 0.9)
                text = f"{p.shift_s / 60:+g}"
                c.drawCentredString((left + right) / 2, mid - font * 0.3, text)
            if previous is not None and previous.tight:
                c.setFillColor(colors.black)
                c.setFont("Helvetica-Bold", font * 1.1)
                c.drawRightString(left - 0.4 * mm, mid - font * 0.35, "!")
            previous = r


def _legend(w: Words) -> Flowable:
    """The chart's key, as a row of drawn samples and words."""
    return _Legend(w)


class _Legend(Flowable):  # type: ignore[misc]
    def __init__(self, w: Words) -> None:
        super().__init__()
        self.w = w
        self.height = 8 * mm

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        c = self.canv
        y = 3 * mm
        x = 0.0
        c.setFont("Helvetica", 7.5)
        items = [
            ("entry", self.w("pdf.legend_entry")),
            ("exit", self.w("pdf.legend_exit")),
            ("deadhead", self.w("pdf.legend_deadhead")),
            ("shift", self.w("pdf.legend_shift")),
            ("tight", self.w("pdf.legend_tight")),
        ]
        for kind, text in items:
            c.setStrokeColor(colors.black)
            c.setLineWidth(0.5)
            if kind in ("entry", "exit", "shift"):
                grey = colors.Color(0.25, 0.25, 0.25) if kind != "exit" else colors.white
                c.setFillColor(grey)
                c.rect(x, y - 1.2 * mm, 8 * mm, 2.6 * mm, stroke=1, fill=1)
                if kind == "shift":
                    c.setFillColor(colors.white)
                    c.setFont("Helvetica-Bold", 6)
                    c.drawCentredString(x + 4 * mm, y - 0.6 * mm, "+5")
                    c.setFont("Helvetica", 7.5)
            elif kind == "deadhead":
                c.setDash(1.5, 1.2)
                c.line(x, y, x + 8 * mm, y)
                c.setDash()
            else:
                c.setFillColor(colors.black)
                c.setFont("Helvetica-Bold", 8)
                c.drawString(x + 3 * mm, y - 1 * mm, "!")
                c.setFont("Helvetica", 7.5)
            c.setFillColor(colors.black)
            c.drawString(x + 10 * mm, y - 1 * mm, text)
            x += 14 * mm + c.stringWidth(text, "Helvetica", 7.5)


# -- drivers: one sheet per bus for the week ------------------------------------------------------


def _driver_sheet(week: BusWeek, days: list[DayTimetable], w: Words) -> list[Flowable]:
    main = week.variants[0].bus
    facts = []
    if main.depot:
        facts.append(w("pdf.sheet_depot", depot=main.depot_name))
    plan = main.plan
    if plan is not None and plan.vehicle:
        facts.append(w("pdf.sheet_vehicle", vehicle=plan.vehicle))
    if plan is not None and plan.seats:
        facts.append(w("pdf.sheet_seats", count=plan.seats))
    story: list[Flowable] = [
        _p(w("pdf.drivers"), PART),
        _p(w("pdf.sheet_title", bus=week.bus), TITLE),
    ]
    if facts:
        story.append(_p(" · ".join(facts), BODY))
    runs = w("pdf.sheet_runs", days=w.days_in_text(week.days))
    if week.idle:
        runs += " · " + w("pdf.sheet_not_runs", days=w.days_in_text(week.idle))
    story.append(_p(runs, BODY))
    if len(week.variants) == 1:
        story.append(_p(w("pdf.sheet_same"), BODY))
    else:
        story.append(_p(w("pdf.sheet_differs"), WARNING))
    for n, variant in enumerate(week.variants):
        story += [CondPageBreak(70 * mm), Spacer(1, 3 * mm)]
        story += _variant_heading(variant, week.variants[0], n, w)
        story.append(_sheet_table(variant.bus, w))
    return story


def _variant_heading(variant: Variant, main: Variant, n: int, w: Words) -> list[Flowable]:
    if n == 0:
        return [_p(w("pdf.variant_days", days=w.days(variant.days)), HEADING)]
    mine = {r.trip.id: (r.planned.start_s, r.planned.end_s) for r in variant.bus.rows}
    theirs = {r.trip.id: (r.planned.start_s, r.planned.end_s) for r in main.bus.rows}
    changes = []
    missing = [t for t in theirs if t not in mine]
    extra = [t for t in mine if t not in theirs]
    moved = [t for t in mine if t in theirs and mine[t] != theirs[t]]
    if missing:
        changes.append(w("pdf.variant_missing", trips=", ".join(missing)))
    if extra:
        changes.append(w("pdf.variant_extra", trips=", ".join(extra)))
    if moved:
        changes.append(w("pdf.variant_times", trips=", ".join(moved)))
    heading = w("pdf.variant_other", days=w.days(variant.days).upper())
    story: list[Flowable] = [Spacer(1, 2 * mm), _p(heading, WARNING)]
    if changes:
        story.append(_p(" · ".join(changes), BODY))
    return story


def _sheet_table(bus: BusDay, w: Words) -> Table:
    """Every row a driver needs: depot, each trip's stops with times and pupils, the empty
    drives between trips with the time to spare, and back to the depot."""
    rows: list[list[object]] = [
        [w("pdf.col_time"), w("pdf.col_place"), w("pdf.col_pupils"), w("pdf.col_note")]
    ]
    styles: list[tuple[Any, ...]] = []
    plan = bus.plan
    first = bus.rows[0]
    if bus.depot and plan is not None:
        rows.append([w.clock(bus.leaves_s), _p(w("pdf.row_leave_depot", depot=bus.depot_name))])
        rows[-1] += ["", ""]
        to_first = w(
            "pdf.row_to_first", stop=_first_place(first, w), time=w.minutes(plan.pull_out_s)
        )
        rows.append(["", _p(to_first), "", ""])
    for n, r in enumerate(bus.rows):
        styles += [
            ("SPAN", (0, len(rows)), (-1, len(rows))),
            ("BACKGROUND", (0, len(rows)), (-1, len(rows)), TRIP_SHADE),
        ]
        rows.append([_p(_trip_heading(n + 1, r, w), CELL_BOLD), "", "", ""])
        rows += _stop_rows(r, w)
        following = bus.rows[n + 1] if n + 1 < len(bus.rows) else None
        if following is not None and r.slack_s is not None:
            drive = w(
                "pdf.row_empty",
                stop=_first_place(following, w),
                time=w.minutes(following.planned.deadhead_s),
            )
            spare = w.minutes(r.slack_s)
            note = w("pdf.row_tight", time=spare) if r.tight else w("pdf.row_spare", time=spare)
            if r.tight:
                styles += [
                    ("FONT", (0, len(rows)), (-1, len(rows)), "Helvetica-Bold", 8.5),
                    ("BOX", (0, len(rows)), (-1, len(rows)), 1.5, colors.black),
                ]
            style = CELL_BOLD if r.tight else CELL
            rows.append(["", _p(drive, style), "", _p(note, style)])
    last = bus.rows[-1]
    if bus.depot and plan is not None:
        back = w("pdf.row_back_depot", depot=bus.depot_name, time=w.minutes(plan.pull_in_s))
        rows.append([w.clock(bus.returns_s), _p(back, CELL_BOLD), "", ""])
    else:
        rows.append([w.clock(last.planned.end_s), _p(w("pdf.row_end"), CELL_BOLD), "", ""])
    table = _table(rows, SHEET_WIDTHS)
    table.setStyle(
        TableStyle(
            [
                ("ALIGN", (2, 1), (2, -1), "RIGHT"),
                ("FONT", (0, 1), (0, -1), "Helvetica-Bold", 9),
                *styles,
            ]
        )
    )
    return table


def _trip_heading(n: int, r: TimetableRow, w: Words) -> str:
    t, p = r.trip, r.planned
    school = t.school_name or t.school_id
    text = f"{n}. " + w("pdf.row_trip", trip=t.id, kind=w.kind(t.kind.value), school=school)
    key = "pdf.row_bell_entry" if t.kind is Kind.ENTRY else "pdf.row_bell_exit"
    text += " · " + w(key, bell=w.clock(r.bell_s))
    if p.shift_s:
        moved = w.signed_minutes(p.shift_s)
        text += " · " + w("pdf.row_moved", shift=moved, official=w.clock(t.time_s))
    if t.seats:
        text += " · " + w("pdf.trip_pupils", count=t.seats)
    return text


def _stop_rows(r: TimetableRow, w: Words) -> list[list[object]]:
    stops = r.stop_times()
    if not stops:
        return [
            [w.clock(r.planned.start_s), _p(w("pdf.trip_start")), "", ""],
            [w.clock(r.planned.end_s), _p(w("pdf.trip_end")), "", ""],
        ]
    school = r.school_stop()
    # An exit's pupils all board at school; a file that counts them only at their home stops
    # says so by giving no boarding at all: the trip's pupils are then shown at the school.
    boarding = [s.boarding for _, s in stops]
    if r.trip.kind is Kind.EXIT and not any(boarding) and school is not None:
        boarding[school] = r.trip.seats
    rows: list[list[object]] = []
    for k, (at, stop) in enumerate(stops):
        name = stop.name or w("map.stop")
        if k == school:
            name = w("pdf.row_school", stop=name)
        rows.append([w.clock(at), _p(name), str(boarding[k]) if boarding[k] else "", ""])
    return rows


def _first_place(r: TimetableRow, w: Words) -> str:
    return r.first_stop or w("pdf.trip_start")
