"""The bells report as a workbook and a one-page PDF, read back, in Galician, Spanish and English;
`busplan bells -o` by suffix."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from busplan.cli import main
from busplan.i18n import LANGS, catalogue, words
from busplan.io.bells_report import ReportError, read_report
from busplan.io.export_bells_pdf import export_bells_pdf
from busplan.io.export_bells_xlsx import export_bells_xlsx

DAY = dt.date(2026, 11, 30)
WORD = re.compile(r"[^\W\d_]{3,}")
EXAMPLE = Path(__file__).resolve().parents[2] / "busplan" / "examples" / "school-day-230.json"


def move(school: str, name: str, kind: str, time: str, minutes: int, new: str, trips: int) -> Any:
    return {
        "school": school,
        "school_name": name,
        "kind": kind,
        "time": time,
        "move_min": minutes,
        "new_time": new,
        "trips": trips,
    }


def row(k: int, fleet: int, bound: int, deadhead: float, moves: list[Any]) -> Any:
    return {
        "max_moves": k,
        "fleet": fleet,
        "bound": bound,
        "buses": {"L": fleet, "Mc": fleet - 1},
        "deadhead_min": deadhead,
        "units_moved": len({m["school"] for m in moves}),
        "moves": moves,
        "seconds": 1.0,
    }


EARLIER = move("S1", "CEIP Castro", "entry", "09:00", -25, "08:35", 2)
TIED = [
    move("S2", "IES Val", "entry", "08:30", 10, "08:40", 3),
    move("S2", "IES Val", "exit", "14:00", 10, "14:10", 3),
]


def bells_report() -> dict[str, Any]:
    """Five buses today; moving CEIP Castro's entry saves one; K = 2 finds nothing better and
    repeats it; K = 3 also moves IES Val (tied: entry and exit together) for less driving."""
    fields = ["school", "school_name", "kind", "time", "trips", "fixed", "tied"]
    bells = [
        ("S1", "CEIP Castro", "entry", "09:00", 2, False, False),
        ("S2", "IES Val", "entry", "08:30", 3, False, True),
        ("S2", "IES Val", "exit", "14:00", 3, False, True),
        ("S3", "CPI Ponte", "entry", "09:15", 1, True, False),
    ]
    return {
        "version": 1,
        "problem": "Castro",
        "rules": {"range_min": [-30, 30], "step_min": 5, "fixed": ["S3"], "tied": ["S2"]},
        "bells": [dict(zip(fields, b, strict=True)) for b in bells],
        "rows": [
            row(0, 5, 4, 130.0, []),
            row(1, 4, 4, 150.0, [EARLIER]),
            row(2, 4, 4, 150.0, [EARLIER]),
            row(3, 4, 4, 110.5, [EARLIER, *TIED]),
        ],
    }


def pdf_text(content: bytes) -> str:
    """The PDF's words in reading order, one space between them."""
    return " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )


def english_left(lang: str, text: str, data: str) -> set[str]:
    """Words of the text that only the English catalogue has (the report's own names aside)."""

    def words_of(cat: dict[str, object]) -> set[str]:
        out: set[str] = set()
        for value in cat.values():
            for part in value.values() if isinstance(value, dict) else [value]:
                out |= {x.lower() for x in WORD.findall(str(part))}
        return out

    english = words_of(catalogue("en")) - words_of(catalogue(lang))
    english -= {x.lower() for x in WORD.findall(data)}
    return {x.lower() for x in WORD.findall(text)} & english


# -- workbook --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["gl", "en"])
def test_workbook_has_the_curve_the_moves_and_the_bells(lang: str) -> None:
    """One row per K with buses, proven minimum, buses saved, deadhead, buses per day and the
    moves in words; one row per moved bell per K; every bell with its fixed and tied flags."""
    w = words(lang)
    book = openpyxl.load_workbook(io.BytesIO(export_bells_xlsx(bells_report(), lang)))
    assert book.sheetnames == [
        w("bells.sheet_summary"),
        w("bells.sheet_moves"),
        w("bells.sheet_bells"),
    ]
    summary = book[w("bells.sheet_summary")]
    head = [c.value for c in summary[1]]
    assert head[:5] == [w(f"bells.col_{c}") for c in ("k", "buses", "bound", "saved", "deadhead")]
    assert head[6:8] == [w.day("L"), w.day("Mc")]
    values = [[c.value for c in summary[r]] for r in range(2, 6)]
    assert [v[:7] for v in values] == [
        [0, 5, 4, 0, 130, 0, 5],
        [1, 4, 4, 1, 150, 1, 4],
        [2, 4, 4, 1, 150, 1, 4],
        [3, 4, 4, 1, 110.5, 2, 4],
    ]
    assert values[0][-1] == w("bells.no_moves")
    assert w.clock(9 * 3600) in values[1][-1] and w.clock(8 * 3600 + 35 * 60) in values[1][-1]
    assert values[3][-1].count(";") == 2
    assert summary.freeze_panes == "A2" and summary.auto_filter.ref == "A1:I5"
    rules = [summary.cell(r, 1).value for r in range(7, summary.max_row + 1)]
    assert w("bells.rules_title") in rules
    assert any(isinstance(r, str) and "IES Val (S2)" in r for r in rules)

    moves = book[w("bells.sheet_moves")]
    assert [c.value for c in moves[2]] == [
        1,
        "S1",
        "CEIP Castro",
        w("xlsx.kind_entry"),
        dt.time(9, 0),
        -25,
        dt.time(8, 35),
        2,
    ]
    assert moves["E2"].number_format == "hh:mm" and moves["G2"].number_format == "hh:mm"
    assert moves.max_row == 1 + 1 + 1 + 3 and moves.freeze_panes == "A2"
    assert [moves.cell(r, 4).value for r in (5, 6)] == [w("xlsx.kind_entry"), w("xlsx.kind_exit")]

    bells = book[w("bells.sheet_bells")]
    flags = [[c.value for c in r][-2:] for r in bells.iter_rows(min_row=2)]
    assert flags == [[False, False], [False, True], [False, True], [True, False]]
    assert bells["D5"].value == dt.time(9, 15) and bells.freeze_panes == "A2"


# -- one-page summary ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_is_one_page_with_title_rules_curve_and_options(lang: str) -> None:
    """Title with the name and date, the rules in words, the curve and the best options with
    every moved time in a sentence; in gl and es no English word is left."""
    w = words(lang)
    content = export_bells_pdf(bells_report(), lang, made=DAY)
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    text = pdf_text(content)
    assert w("bells.pdf_title_named", name="Castro") in text
    assert w("bells.pdf_made", date="30/11/2026") in text
    assert w("bells.rules_both", earlier="30 min", later="30 min", step="5 min") in text
    assert w("bells.rules_fixed", schools="CPI Ponte (S3)") in text
    assert w("bells.pdf_col_bound") in text
    assert "3 4 1 4 1 h 51 min" in text, "empty driving to the nearest minute"
    saves = w("bells.pdf_saves", buses=w("count.buses", count=4), count=1)
    assert w("bells.pdf_choice", count=1, result=saves) in text
    assert w("bells.pdf_choice", count=3, result=saves) in text
    assert text.count(w("bells.pdf_choice", count=1, result=saves)) == 1, "K = 2 repeats K = 1"
    if lang != "en":
        data = "Castro CEIP IES Val CPI Ponte"
        assert not english_left(lang, text, data)


def test_pdf_says_each_move_in_galician_and_spanish() -> None:
    """Moves as a board reads them: which school, entry or exit, from when to when."""
    gl = pdf_text(export_bells_pdf(bells_report(), "gl", made=DAY))
    assert "Horarios dos centros e autobuses: Castro" in gl
    assert "CEIP Castro (S1): horario de entrada das 09:00 ás 08:35 (25 min antes" in gl
    assert "IES Val (S2): horario de saída das 14:00 ás 14:10 (10 min máis tarde" in gl
    assert "Elaborado o 30/11/2026" in gl
    es = pdf_text(export_bells_pdf(bells_report(), "es", made=DAY))
    assert "CEIP Castro (S1): horario de entrada de las 09:00 a las 08:35 (25 min antes" in es
    assert "1 menos que con los horarios actuales" in es
    en = pdf_text(export_bells_pdf(bells_report(), "en", made=DAY))
    assert "CEIP Castro (S1): entry time from 09:00 to 08:35 (25 min earlier, 2 trips)" in en
    assert "3 times changed: 4 buses, 1 fewer than with today's times · empty driving 1 h 51" in en


def test_pdf_without_a_better_row_says_so() -> None:
    """When no allowed move saves a bus or empty driving, there is no option to print."""
    report = bells_report()
    report["rows"] = [row(k, 5, 4, 130.0, []) for k in range(3)]
    report["problem"] = ""
    report["rules"] = {"range_min": [0, 20], "step_min": 10, "fixed": [], "tied": []}
    text = pdf_text(export_bells_pdf(report, "en", made=DAY))
    assert "School times and buses Made on 30/11/2026" in text
    assert "may move up to 20 min later (never earlier), in steps of 10 min" in text
    assert words("en")("bells.pdf_no_choice") in text


def test_an_option_that_saves_only_empty_driving_says_how_much() -> None:
    """As many buses as today but less driving: the option says the minutes it saves."""
    report = bells_report()
    report["rows"] = [row(0, 5, 4, 130.0, []), row(1, 5, 4, 110.0, [EARLIER])]
    text = pdf_text(export_bells_pdf(report, "es", made=DAY))
    assert (
        "1 horario cambiado: 5 autobuses, los mismos que con los horarios actuales, "
        "y 20 min menos de recorrido en vacío · recorrido en vacío 1 h 50 min"
    ) in text


def test_a_long_report_still_fits_one_page() -> None:
    """Twenty rows with many moves each shrink to one page; the workbook has them all."""
    report = bells_report()
    many = [
        move(f"S{n:03d}", f"Escola {n}", "entry", "09:00", -5 * (n % 6 + 1), "08:30", 4)
        for n in range(20)
    ]
    report["rows"] = [row(0, 30, 20, 900.0, [])] + [
        row(k, 30 - k, 20, 900.0 - k, many[:k]) for k in range(1, 21)
    ]
    content = export_bells_pdf(report, "gl", made=DAY)
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    text = pdf_text(content)
    assert "e 10 horarios cambiados máis: véxase o libro de Excel" in text
    assert "Escola 7 (S007)" in text and "Escola 19" not in text
    book = openpyxl.load_workbook(io.BytesIO(export_bells_xlsx(report, "gl")))
    assert book["Cambios"].max_row == 1 + sum(range(1, 21))


# -- reading a stored report -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.update(version=7), "version"),
        (lambda r: r["rows"][1].pop("fleet"), "rows[1].fleet"),
        (lambda r: r["rows"][3]["moves"][2].update(time="25:00"), "rows[3].moves[2].time"),
        (lambda r: r["bells"][0].update(kind="both"), "bells[0].kind"),
        (lambda r: r["rules"].update(range_min=[-30]), "rules.range_min"),
        (lambda r: r.update(rows=[]), "rows"),
    ],
)
def test_a_report_the_exports_cannot_read_is_refused_by_field(change: Any, field: str) -> None:
    report = copy.deepcopy(bells_report())
    change(report)
    with pytest.raises(ReportError, match=re.escape(field)):
        read_report(report)
    with pytest.raises(ReportError):
        export_bells_pdf(report)


# -- command line ----------------------------------------------------------------------------------


def test_cli_writes_json_workbook_and_pdf_from_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-o` by suffix and more than once: the three files tell the same curve, in Galician."""
    document = json.loads(EXAMPLE.read_text())
    document["trips"] = document["trips"][:12]
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(document))
    out = [tmp_path / f"report.{s}" for s in ("json", "xlsx", "pdf")]
    args = ["bells", str(problem), "--max-moves", "1", "--time-limit", "1", "--lang", "gl"]
    assert main([*args, *(a for p in out for a in ("-o", str(p)))]) == 0
    assert capsys.readouterr().err.count("report.") >= 3
    report = json.loads(out[0].read_text())
    fleets = [r["fleet"] for r in report["rows"]]
    book = openpyxl.load_workbook(out[1])
    assert book.sheetnames[0] == "Escenarios"
    assert [book["Escenarios"].cell(r, 2).value for r in (2, 3)] == fleets
    text = pdf_text(out[2].read_bytes())
    assert f"Horarios dos centros e autobuses: {document['name']}" in text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_cli_refuses_an_unknown_report_suffix_before_solving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    report = tmp_path / "report.txt"
    code = main(["bells", str(EXAMPLE), "-o", str(report), "--lang", lang])
    assert code == 2 and not report.exists()
    err = capsys.readouterr().err
    assert words(lang)("bells.error_output", path=report) in err
    assert ".json, .xlsx" in err
