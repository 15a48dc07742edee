"""`busplan import`: files in, problem and report out, clear failure otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from busplan.cli import main
from busplan.io.problem_json import load_problem


def test_import_writes_a_problem_and_a_report(workbooks: Any, tmp_path: Path) -> None:
    """The problem file loads as a problem; the report lists the file with its counts."""
    book = workbooks.contract(2)
    book.trips[1][5] = "LMJ"
    source = workbooks.save(book)
    out, report = tmp_path / "problem.json", tmp_path / "report.json"
    code = main(["import", str(source), "-o", str(out), "--report", str(report)])
    assert code == 0
    assert len(load_problem(out).trips) == 3
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["ok"] is True
    assert data["totals"]["trips"] == 3 and data["totals"]["rejected"] == 1
    (rejected,) = data["files"][0]["rejected"]
    assert rejected == {
        "sheet": "III. Expedicións",
        "row": 2,
        "column": "Frecuencia Semanal",
        "code": "unknown_day_code",
        "reason": rejected["reason"],
    }
    assert data["files"][0]["sheets_used"] == ["I. Rutas", "II. Paradas", "III. Expedicións"]


def test_failed_import_writes_the_report_but_no_problem(tmp_path: Path, capsys: Any) -> None:
    """A corrupt file: exit code 2, the reason on stderr and in the report, no problem file."""
    source = tmp_path / "broken.xlsx"
    source.write_bytes(b"\x00" * 64)
    out, report = tmp_path / "problem.json", tmp_path / "report.json"
    assert main(["import", str(source), "-o", str(out), "--report", str(report)]) == 2
    assert not out.exists()
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["ok"] is False and "not a readable Excel workbook" in data["files"][0]["error"]
    assert "broken.xlsx" in capsys.readouterr().err
