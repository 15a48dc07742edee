"""`busplan bells`: the curve as a report, a scenario `busplan check` accepts, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from busplan.cli import main
from tests.conftest import random_problem
from tests.core.test_bells import schooled


@pytest.fixture
def problem_path(tmp_path: Path) -> Path:
    data = schooled(random_problem(7, n=10, window=2, span=90), list("AABBCCDDEE"))
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data))
    return path


def bells(problem: Path, out: Path, *extra: str) -> int:
    return main(["bells", str(problem), "-o", str(out), "--time-limit", "3", *extra])


def test_report_and_scenario_files(problem_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert bells(problem_path, out, "--max-moves", "2", "--scenario", "2") == 0
    report: dict[str, Any] = json.loads(out.read_text())
    assert [r["max_moves"] for r in report["rows"]] == [0, 1, 2]
    assert report["rows"][0]["moves"] == []
    assert {b["school"] for b in report["bells"]} == set("ABCDE")
    moved_problem = tmp_path / "report-2-problem.json"
    moved_solution = tmp_path / "report-2-solution.json"
    assert main(["check", str(moved_problem), str(moved_solution)]) == 0
    original = json.loads(problem_path.read_text())
    moved = json.loads(moved_problem.read_text())
    changed = {
        t["id"]: (a["time"], t["time"])
        for a, t in zip(original["trips"], moved["trips"], strict=True)
        if a["time"] != t["time"]
    }
    moves = report["rows"][2]["moves"]
    assert sum(m["trips"] for m in moves) == len(changed)
    for move in moves:
        assert move["new_time"] in {new for _, new in changed.values()}


@pytest.mark.parametrize(
    ("extra", "output", "needle"),
    [
        (["--range", "soon"], "r.json", "--range"),
        (["--range", "-30,30", "--step", "7"], "r.json", "multiple of the step"),
        (["--max-moves", "1", "--scenario", "3"], "r.json", "--scenario"),
        (["--fixed", "Z"], "r.json", "not in the problem: Z"),
        ([], "r.txt", "r.txt"),
    ],
)
def test_bad_options_are_refused_before_any_work(
    problem_path: Path,
    tmp_path: Path,
    extra: list[str],
    output: str,
    needle: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / output
    assert bells(problem_path, out, *extra) == 2
    assert needle in capsys.readouterr().err
    assert not out.exists()
