"""The busplan command: optimize, check, and clear failures with exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from busplan.cli import main, optimize
from busplan.core import solve
from busplan.core.solve import MIN_SOLVE_SECONDS
from busplan.io.problem_json import load_problem

DOCS = Path(__file__).resolve().parents[2] / "docs" / "examples"


def without_timing(data: dict[str, Any]) -> dict[str, Any]:
    data["stats"].pop("seconds")
    for day in data["days"].values():
        day["stats"].pop("seconds")
    return data


def test_golden_example(tmp_path: Path) -> None:
    """The documented example solves to exactly the documented solution."""
    out = tmp_path / "solution.json"
    assert main(["optimize", str(DOCS / "tiny.problem.json"), "-o", str(out)]) == 0
    expected = json.loads((DOCS / "tiny.solution.json").read_text())
    assert without_timing(json.loads(out.read_text())) == without_timing(expected)


def test_optimize_then_check(tmp_path: Path, example_path: Path) -> None:
    """A solution written by optimize passes check; the summary goes to stderr."""
    out = tmp_path / "solution.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "busplan",
            "optimize",
            str(example_path),
            "-o",
            str(out),
            "--days",
            "L",
            "--time-limit",
            "20",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Monday" in run.stderr and "gap" in run.stderr
    assert list(json.loads(out.read_text())["days"]) == ["L"]
    checked = subprocess.run(
        [sys.executable, "-m", "busplan", "check", str(example_path), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    # Only Monday was planned, so the other days are reported missing.
    assert checked.returncode == 1
    assert "M: day missing from the solution" in checked.stdout


def test_check_lists_each_violation(tmp_path: Path, capsys: Any) -> None:
    """A hand-edited plan that breaks rules is listed violation by violation, exit 1."""
    solution = json.loads((DOCS / "tiny.solution.json").read_text())
    first_bus = solution["days"]["L"]["buses"][0]
    first_bus["trips"][0]["shift_min"] = 30
    solution["days"]["L"]["buses"].pop()
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(solution))
    assert main(["check", str(DOCS / "tiny.problem.json"), str(edited)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any("shift 30.0 min outside [-5.0, 5.0]" in line for line in out)
    assert any("runs this day but is on no bus" in line for line in out)


def test_invalid_problem_exit_2(tmp_path: Path, capsys: Any) -> None:
    """An invalid problem is refused with its paths and reasons, and nothing is written."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 1, "trips": [{"id": "A", "kind": "bus", "time": "8"}]}))
    out = tmp_path / "solution.json"
    assert main(["optimize", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert 'trips[0].kind: "bus" is not "entry" or "exit"' in err
    assert 'trips[0].time: "8" is not a time of day' in err
    assert not out.exists()


def test_bad_options(tmp_path: Path, capsys: Any) -> None:
    """Unknown day codes, non-positive time limits and out-of-range seeds are refused."""
    problem = str(DOCS / "tiny.problem.json")
    assert main(["optimize", problem, "--days", "L,Sa"]) == 2
    assert "unknown day codes ['Sa']" in capsys.readouterr().err
    assert main(["optimize", problem, "--time-limit", "0"]) == 2
    assert "time limit must be positive" in capsys.readouterr().err
    assert main(["optimize", problem, "--seed", str(2**31)]) == 2
    assert "seed must be between 0 and 2147483647" in capsys.readouterr().err


def test_time_limit_covers_reading_the_problem(tmp_path: Path, monkeypatch: Any) -> None:
    """`--time-limit` is for the whole command: the seconds spent reading the problem are taken
    from what the solver gets, and the solver always gets some."""
    given: list[float] = []

    def slow_load(path: str) -> Any:
        time.sleep(0.5)
        return load_problem(path)

    def recording_solve(problem: Any, params: Any, **kwargs: Any) -> Any:
        given.append(params.time_limit)
        return solve(problem, params, **kwargs)

    monkeypatch.setattr(optimize, "load_problem", slow_load)
    monkeypatch.setattr(optimize, "solve", recording_solve)
    tiny = str(DOCS / "tiny.problem.json")
    assert main(["optimize", tiny, "-o", str(tmp_path / "a.json"), "--time-limit", "10"]) == 0
    assert main(["optimize", tiny, "-o", str(tmp_path / "b.json"), "--time-limit", "0.2"]) == 0
    assert 9.0 < given[0] <= 9.5
    assert given[1] == MIN_SOLVE_SECONDS
