"""Timetables in Galician, Spanish and English, read back from the files; drivers' sheets with
every stop, the depot and the days that differ."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from busplan.cli import main
from busplan.core.model import Depot, Kind, Point, Problem, Stop, Trip
from busplan.core.solution import Bus, DayPlan, PlannedTrip, Solution
from busplan.i18n import LANGS, catalogue, words
from busplan.io.export_pdf import export_pdf
from busplan.io.export_xlsx import export_xlsx
from busplan.io.timetable import bus_weeks, timetables

WORD = re.compile(r"[^\W\d_]{3,}")
H = 3600


def stops(names: list[str], offsets_min: list[int], boarding: list[int]) -> tuple[Stop, ...]:
    return tuple(
        Stop(name, Point(42.2 + n / 100, -8.7), minutes * 60, pupils)
        for n, (name, minutes, pupils) in enumerate(zip(names, offsets_min, boarding, strict=True))
    )


def week_problem() -> Problem:
    """Two trips of one route (morning entry, afternoon exit) and a Wednesday-only entry."""
    return Problem(
        (
            Trip(
                "R1_E",
                Kind.ENTRY,
                8 * H + 10 * 60,
                20 * 60,
                stops=stops(["Praza", "Igrexa", "CEIP Castro"], [0, 12, 20], [6, 9, 0]),
                school_id="S1",
                school_name="CEIP Castro",
                seats=15,
            ),
            Trip(
                "R1_S",
                Kind.EXIT,
                14 * H,
                20 * 60,
                stops=stops(["CEIP Castro", "Igrexa", "Praza"], [0, 8, 20], [0, 0, 0]),
                school_id="S1",
                school_name="CEIP Castro",
                seats=15,
            ),
            Trip(
                "R2_E",
                Kind.ENTRY,
                9 * H,
                15 * 60,
                stops=stops(["Ponte", "IES Val"], [0, 15], [11, 0]),
                school_id="S2",
                school_name="IES Val",
                seats=11,
                days=frozenset({"Mc"}),
            ),
        ),
        name="Castro",
        depots=(Depot("D1", Point(42.19, -8.71), name="Cocheira do Porto"),),
    )


def week_solution(depot: str = "D1") -> Solution:
    """Bus B1 from its depot every day; on Wednesday it also runs R2_E, with a 5-minute move."""
    morning = PlannedTrip("R1_E", 0, 7 * H + 50 * 60, 8 * H + 10 * 60)
    afternoon = PlannedTrip("R1_S", 0, 14 * H, 14 * H + 20 * 60, 1500)
    extra = PlannedTrip("R2_E", 300, 8 * H + 50 * 60, 9 * H + 5 * 60, 1200)

    def bus(*trips: PlannedTrip) -> Bus:
        return Bus("B1", trips, depot=depot, vehicle="F1", seats=35, pull_out_s=900, pull_in_s=600)

    days = {d: DayPlan(d, (bus(morning, afternoon),)) for d in ("L", "M", "X", "V")}
    days["Mc"] = DayPlan("Mc", (bus(morning, extra, afternoon),))
    order = ("L", "M", "Mc", "X", "V")
    return Solution({d: days[d] for d in order})


def pdf_text(content: bytes) -> str:
    """The PDF's words in reading order, one space between them (table cells included)."""
    return " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )


def test_a_bus_driven_alike_on_four_days_and_otherwise_on_one() -> None:
    """The week of a bus: the way of the most days first, the other day apart."""
    (week,) = bus_weeks(timetables(week_problem(), week_solution()))
    assert [v.days for v in week.variants] == [("L", "M", "X", "V"), ("Mc",)]
    assert week.idle == ()


def test_drivers_sheet_lists_every_stop_with_its_time_and_pupils() -> None:
    """Each stop in order at the trip's planned start plus its offset, pupils boarding,
    the school marked, the empty drive between trips with the time to spare."""
    text = pdf_text(export_pdf(week_problem(), week_solution()))
    sheet = text[text.index("Bus B1: driver's sheet") :]
    expected = [
        ("07:50", "Praza", "6"),
        ("08:02", "Igrexa", "9"),
        ("08:10", "CEIP Castro (school)", ""),
        ("14:00", "CEIP Castro (school)", "15"),
        ("14:08", "Igrexa", ""),
        ("14:20", "Praza", ""),
    ]
    position = 0
    for time, stop, pupils in expected:
        line = f"{time} {stop} {pupils}".strip()
        found = sheet.find(line, position)
        assert found >= 0, (line, sheet)
        position = found
    assert "Trip R1_E · Entry · CEIP Castro · arrive at school by 08:10" in sheet
    assert "Empty drive to CEIP Castro (25 min)" in sheet
    assert "5 h 25 min spare" in sheet


def test_drivers_sheet_leaves_and_returns_to_the_depot() -> None:
    """A bus with a depot leaves it at leaves_s and is back at returns_s, with the drives."""
    solution = week_solution()
    bus = solution.days["L"].buses[0]
    text = pdf_text(export_pdf(week_problem(), solution))
    assert f"{bus.leaves_s // H:02d}:{bus.leaves_s % H // 60:02d}" == "07:35"
    assert "07:35 Leave the depot Cocheira do Porto" in text
    assert "Drive to Praza (15 min)" in text
    assert "14:30 Back at the depot Cocheira do Porto (10 min drive)" in text
    assert "Depot: Cocheira do Porto · Vehicle: F1 · 35 seats" in text


def test_the_day_that_differs_is_marked_plainly() -> None:
    """Wednesday's extra trip: the sheet says it is not the same every day, and prints
    Wednesday apart with what changes."""
    text = pdf_text(export_pdf(week_problem(), week_solution()))
    assert "NOT THE SAME EVERY DAY" in text
    assert "Monday, Tuesday, Thursday, Friday" in text
    wednesday = text[text.index("DIFFERENT ON WEDNESDAY") :]
    assert "added: R2_E" in wednesday
    assert "bell moved +5 min (official 09:00)" in wednesday
    same = pdf_text(
        export_pdf(
            week_problem(),
            Solution({d: p for d, p in week_solution().days.items() if d != "Mc"}),
        )
    )
    assert "The same every day it runs." in same and "DIFFERENT" not in same


def test_without_a_depot_the_day_starts_at_the_first_stop() -> None:
    """No depot, no depot rows: the sheet ends with the last trip."""
    text = pdf_text(export_pdf(week_problem(), week_solution(depot="")))
    assert "depot" not in text.lower()
    assert "14:20 End of the day" in text


def english_words(lang: str, data: str) -> set[str]:
    def words_of(cat: dict[str, object]) -> set[str]:
        out: set[str] = set()
        for value in cat.values():
            for text in value.values() if isinstance(value, dict) else [value]:
                out |= {w.lower() for w in WORD.findall(str(text))}
        return out

    data_words = {w.lower() for w in WORD.findall(data)}
    return words_of(catalogue("en")) - words_of(catalogue(lang)) - data_words


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_reads_back_in_each_language(lang: str) -> None:
    """Day names, headings and sheet words in the chosen language; no English in gl or es."""
    w = words(lang)
    text = pdf_text(export_pdf(week_problem(), week_solution(), lang=lang))
    for code in ("L", "M", "Mc", "X", "V"):
        assert w.day(code) in text
    assert w("pdf.sheet_title", bus="B1") in text
    assert w("pdf.row_leave_depot", depot="Cocheira do Porto") in text
    assert w("pdf.variant_other", days=w.day("Mc").upper()) in text
    if lang != "en":
        data = "Castro Praza Igrexa CEIP IES Val Ponte Cocheira do Porto"
        left = {x.lower() for x in WORD.findall(text)} & english_words(lang, data)
        assert not left, left


def test_pdf_in_galician_and_spanish_uses_their_words() -> None:
    gl = pdf_text(export_pdf(week_problem(), week_solution(), lang="gl"))
    assert "Autobús B1: folla do condutor" in gl
    assert "Saír da cocheira Cocheira do Porto" in gl
    assert "DISTINTO O MÉRCORES" in gl
    assert "Circula: luns, martes, mércores, xoves, venres" in gl
    es = pdf_text(export_pdf(week_problem(), week_solution(), lang="es"))
    assert "Autobús B1: hoja del conductor" in es
    assert "En vacío hasta CEIP Castro (25 min)" in es
    assert "DISTINTO EL MIÉRCOLES" in es


@pytest.mark.parametrize("lang", LANGS)
def test_xlsx_sheet_names_headers_and_days_in_each_language(lang: str) -> None:
    w = words(lang)
    book = openpyxl.load_workbook(
        io.BytesIO(export_xlsx(week_problem(), week_solution(), lang=lang))
    )
    days = [w.day(d) for d in ("L", "M", "Mc", "X", "V")]
    assert book.sheetnames == [w("xlsx.summary"), w("xlsx.buses"), *days, w("xlsx.trips")]
    monday = book[w.day("L")]
    header = [c.value for c in monday[1]]
    assert header[:3] == [w("xlsx.col_bus"), w("xlsx.col_n"), w("xlsx.col_trip")]
    assert header[-3:] == [w("xlsx.col_depot"), w("xlsx.col_leaves"), w("xlsx.col_returns")]
    first = [c.value for c in monday[2]]
    assert first[3] == w("xlsx.kind_entry")
    assert first[-3] == "Cocheira do Porto"
    summary = [c.value for c in book[w("xlsx.summary")][2]]
    assert summary[:2] == ["L", w.day("L")]


def test_cli_export_in_galician(tmp_path: Path) -> None:
    """`busplan export --lang gl` writes Galician files and says so in Galician."""
    problem, solution = tmp_path / "problem.json", tmp_path / "solution.json"
    source = Path(__file__).resolve().parents[2] / "busplan" / "examples" / "school-day-230.json"
    document = json.loads(source.read_text())
    document["trips"] = document["trips"][:12]
    problem.write_text(json.dumps(document))
    assert main(["optimize", str(problem), "-o", str(solution), "--time-limit", "2"]) == 0
    pdf, xlsx = tmp_path / "plan.pdf", tmp_path / "plan.xlsx"
    args = ["export", str(solution), "--problem", str(problem), "--pdf", str(pdf)]
    assert main([*args, "--xlsx", str(xlsx), "--lang", "gl"]) == 0
    assert "folla do condutor" in pdf_text(pdf.read_bytes())
    assert openpyxl.load_workbook(xlsx).sheetnames[0] == "Resumo"


def test_cli_follows_lang_option_then_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The optimize summary in Spanish from LANG, in Galician from --lang; errors too."""
    source = Path(__file__).resolve().parents[2] / "busplan" / "examples" / "school-day-230.json"
    document = json.loads(source.read_text())
    document["trips"] = document["trips"][:12]
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(document))
    monkeypatch.setenv("LANG", "es_ES.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert (
        main(["optimize", str(problem), "-o", str(tmp_path / "s.json"), "--time-limit", "1"]) == 0
    )
    err = capsys.readouterr().err
    assert "resuelto en" in err and "Lunes" in err
    assert (
        main(
            [
                "optimize",
                str(problem),
                "-o",
                str(tmp_path / "s.json"),
                "--lang",
                "gl",
                "--time-limit",
                "1",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "resolto en" in err and "Luns" in err
    assert main(["export", "s.json", "--problem", "p.json"]) == 2
    assert "la exportación necesita" in capsys.readouterr().err
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(["export", "s.json", "--problem", "p.json"]) == 2
    assert "export needs --pdf" in capsys.readouterr().err


def test_cli_import_report_in_spanish(workbooks: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """`busplan import --lang es`: the totals and each rejected row in Spanish."""
    book = workbooks.contract(3)
    book.trips.append(["361701", "09", "Entrada", "08:00", None, "LMJV"])
    source = workbooks.save(book)
    out = source.with_name("problem.json")
    assert main(["import", str(source), "-o", str(out), "--lang", "es"]) == 0
    err = capsys.readouterr().err
    assert "6 expediciones, 1 rechazadas" in err
    assert "Un código de día no es ninguno de L, M, Mc, X, V." in err
    assert "se escribieron 6 expediciones" in err
