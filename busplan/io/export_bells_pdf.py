"""The bells report as a one-page summary for a school board, in Galician, Spanish or English.

One portrait A4 page: the title with the problem's name and the date; the rules in plain
words; the curve as a table (at most K times moved: buses, buses saved, proven minimum, empty
driving) beside a bar chart of the buses; and the best few options with every moved time in a
sentence ("CEIP Castro (S001): entry time from 09:00 to 08:35 (25 min earlier, 3 trips)").
The whole page shrinks to fit when a report is long; the workbook has every row and move.

Printed in black and white: the bars are grey, the proven minimum is a black mark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepInFrame,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from busplan.i18n import Words, words
from busplan.io.bells_report import BellsReport, ReportRow, move_words, read_report, rules_words
from busplan.io.export_pdf import BODY, CELL, GRID, HEADING, MARGIN, PART, TITLE

BULLET = ParagraphStyle("bullet", parent=BODY, leftIndent=5 * mm, bulletIndent=1.5 * mm)
CHOICE = ParagraphStyle("choice", parent=BODY, fontName="Helvetica-Bold", spaceBefore=4)
NUMBER = ParagraphStyle("number", parent=CELL, alignment=2)
CHOICES = 3
"""Options printed with their moves: the best ones, so the page stays one page."""
MOVE_LINES = 24
"""Moved times printed under the options in all; the rest are counted (the workbook has them),
so a long report shrinks the page only a little and stays readable."""
TABLE_WIDTHS = [w * mm for w in (26, 20, 20, 22, 26)]
BAR_GREY = colors.Color(0.7, 0.7, 0.7)
FRAME_PADDING = 6
"""Points reportlab's page frame keeps free on each side: the page shrinks to what is left."""


def export_bells_pdf(
    report: Mapping[str, Any], lang: str = "en", made: dt.date | None = None
) -> bytes:
    """The one-page summary of a bells report (the JSON of `report_to_dict`) as PDF bytes, in
    `lang`, dated `made` (default today). Raises `ReportError` naming a field it cannot read."""
    w = words(lang)
    data = read_report(report)
    title = _title(data, w)
    width, height = A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        lang=w.lang,
    )

    def footer(canvas: Canvas, _: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 6 * mm, title)
        canvas.restoreState()

    story = _page(data, title, made or dt.date.today(), width, w)
    inside = 2 * FRAME_PADDING
    page = KeepInFrame(width - inside, height - inside, story, mode="shrink")
    doc.build([page], onFirstPage=footer)
    return out.getvalue()


def _title(data: BellsReport, w: Words) -> str:
    if data.problem.strip():
        return w("bells.pdf_title_named", name=data.problem.strip())
    return w("bells.pdf_title")


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _bullet(text: str) -> Paragraph:
    return Paragraph(escape(text), BULLET, bulletText="\u2013")


def _page(data: BellsReport, title: str, made: dt.date, width: float, w: Words) -> list[Flowable]:
    story: list[Flowable] = [
        _p(w("bells.pdf_for"), PART),
        _p(title, TITLE),
        _p(w("bells.pdf_made", date=made.strftime("%d/%m/%Y")), BODY),
        Spacer(1, 2 * mm),
        _p(w("bells.rules_title"), HEADING),
        *(_bullet(s) for s in rules_words(data, w)),
        _p(w("bells.reading"), BODY),
        _p(w("bells.pdf_curve"), HEADING),
    ]
    table = _curve_table(data, w)
    chart = Curve(data.rows, width - sum(TABLE_WIDTHS) - 8 * mm, w)
    side = Table([[table, chart]], colWidths=[sum(TABLE_WIDTHS) + 6 * mm, None], hAlign="LEFT")
    side.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    story.append(side)
    story.append(_p(w("bells.pdf_choices"), HEADING))
    choices = data.choices(CHOICES)
    if not choices:
        story.append(_p(w("bells.pdf_no_choice"), BODY))
    shown = max(2, MOVE_LINES // max(len(choices), 1))
    for row in choices:
        story.append(_p(_choice_words(data, row, w), CHOICE))
        story += [_bullet(move_words(m, w)) for m in row.moves[:shown]]
        if len(row.moves) > shown:
            story.append(_bullet(w("bells.pdf_more", count=len(row.moves) - shown)))
    return story


def _curve_table(data: BellsReport, w: Words) -> Table:
    head = [_p(w(f"bells.pdf_col_{c}"), CELL) for c in ("k", "buses", "saved", "bound", "deadhead")]
    rows: list[list[object]] = [head]
    for r in data.rows:
        saved = data.saved(r)
        rows.append(
            [
                _p(str(r.max_moves), NUMBER),
                _p(str(r.fleet), NUMBER),
                _p(str(saved) if saved else "", NUMBER),
                _p(str(r.bound), NUMBER),
                _p(w.minutes(_whole_minutes(r.deadhead_s)), NUMBER),
            ]
        )
    table = Table(rows, colWidths=TABLE_WIDTHS, repeatRows=1, hAlign="LEFT")
    table.setStyle(GRID)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5)]))
    return table


def _choice_words(data: BellsReport, row: ReportRow, w: Words) -> str:
    saved = data.saved(row)
    buses = w("count.buses", count=row.fleet)
    if saved > 0:
        result = w("bells.pdf_saves", buses=buses, count=saved)
    else:
        result = w(
            "bells.pdf_less_driving",
            buses=buses,
            time=w.minutes(_whole_minutes(data.rows[0].deadhead_s - row.deadhead_s)),
        )
    driving = w("bells.pdf_driving", time=w.minutes(_whole_minutes(row.deadhead_s)))
    return w("bells.pdf_choice", count=len(row.moves), result=result) + " · " + driving


def _whole_minutes(seconds: int) -> int:
    """Seconds to the nearest whole minute (half up): a board reads "1 h 51 min"."""
    return (seconds + 30) // 60 * 60


class Curve(Flowable):  # type: ignore[misc]
    """Buses against K as grey bars from zero, each with its number, and the proven minimum
    as a black mark across the bar: a board sees at a glance where moving more stops paying."""

    HEIGHT = 48 * mm
    AXIS = 9 * mm
    TOP = 8 * mm

    def __init__(self, rows: Sequence[ReportRow], width: float, w: Words) -> None:
        super().__init__()
        self.rows = list(rows)
        self.width = width
        self.height = self.HEIGHT
        self.w = w

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        top = max([r.fleet for r in self.rows] + [r.bound for r in self.rows] + [1])
        plot = self.height - self.AXIS - self.TOP
        step = self.width / max(len(self.rows), 1)
        bar = min(step * 0.6, 12 * mm)

        def y(buses: float) -> float:
            return float(self.AXIS + buses / top * plot)

        c.setStrokeColor(colors.black)
        c.setLineWidth(0.5)
        c.line(0, self.AXIS, self.width, self.AXIS)
        size = 7.0 if len(self.rows) <= 12 else 5.5
        for n, r in enumerate(self.rows):
            mid = (n + 0.5) * step
            c.setFillColor(BAR_GREY)
            c.rect(mid - bar / 2, self.AXIS, bar, y(r.fleet) - self.AXIS, stroke=1, fill=1)
            c.setFillColor(colors.black)
            c.setFont("Helvetica-Bold", size)
            c.drawCentredString(mid, y(r.fleet) + 1.5 * mm, str(r.fleet))
            c.setLineWidth(1.6)
            c.line(mid - bar / 2 - 1 * mm, y(r.bound), mid + bar / 2 + 1 * mm, y(r.bound))
            c.setLineWidth(0.5)
            c.setFont("Helvetica", size)
            c.drawCentredString(mid, self.AXIS - 3.5 * mm, str(r.max_moves))
        c.setFont("Helvetica", 6.5)
        c.drawCentredString(self.width / 2, 0.5 * mm, self.w("bells.pdf_axis"))
        c.setLineWidth(1.6)
        c.line(0, self.height - 2 * mm, 5 * mm, self.height - 2 * mm)
        c.drawString(6.5 * mm, self.height - 3 * mm, self.w("bells.pdf_mark"))
