"""`busplan travel`: the matrix embedded in the problem file, exact to the second."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pytest

from busplan.cli import main
from busplan.io.problem_json import load_problem
from tests.routing.fake_osrm import FakeOsrm, expected_seconds, school_problem


def write_problem(path: Path, trips: int = 12) -> Path:
    """The synthetic problem as problem JSON (format version 1)."""
    problem = school_problem(trips, schools=2, seed=31)
    data = {
        "version": 1,
        "name": problem.name,
        "trips": [
            {
                "id": t.id,
                "kind": t.kind.value,
                "time": t.time_s / 60,
                "duration_min": t.duration_s / 60,
                "start": [t.start.lat, t.start.lon] if t.start else None,
                "end": [t.end.lat, t.end.lon] if t.end else None,
                "days": sorted(t.days),
            }
            for t in problem.trips
        ],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No OSRM or Redis settings leak in from the environment; the cache lives in tmp."""
    for name in ("OSRM_URL", "OSRM_FALLBACK", "OSRM_DURATIONS", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OSRM_CACHE", str(tmp_path / "travel.sqlite"))


def test_travel_embeds_the_road_matrix(
    osrm: FakeOsrm, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The written problem loads with the exact road seconds and names its source."""
    src = write_problem(tmp_path / "p.json")
    out = tmp_path / "with-matrix.json"
    assert main(["travel", str(src), "-o", str(out), "--osrm-url", osrm.url]) == 0
    problem = load_problem(out)
    assert problem.travel_s is not None
    np.testing.assert_array_equal(problem.travel_s, expected_seconds(load_problem(src)))
    source = json.loads(out.read_text())["travel"]["source"]
    assert source["kind"] == "osrm" and source["data_version"] == "osm-2026-11-01"
    assert "travel times from OSRM" in capsys.readouterr().err


def test_travel_reads_osrm_url_from_the_environment(
    osrm: FakeOsrm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OSRM_URL works like --osrm-url."""
    monkeypatch.setenv("OSRM_URL", osrm.url)
    src = write_problem(tmp_path / "p.json")
    assert main(["travel", str(src), "-o", str(tmp_path / "out.json")]) == 0
    assert osrm.count("table") >= 1


def test_travel_without_a_server_embeds_the_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No server configured: the estimate, and the summary says so."""
    src = write_problem(tmp_path / "p.json")
    assert main(["travel", str(src), "-o", str(tmp_path / "out.json")]) == 0
    assert "straight-line estimate (no OSRM server configured)" in capsys.readouterr().err


def test_travel_fails_clearly_or_warns_when_the_server_is_down(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unreachable server: exit 1 with the reason, or with --allow-fallback a warning."""
    monkeypatch.setenv("OSRM_RETRIES", "0")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    src = write_problem(tmp_path / "p.json")
    out = tmp_path / "out.json"
    args = ["travel", str(src), "-o", str(out), "--osrm-url", url]
    assert main(args) == 1 and not out.exists()
    assert "fallback to the straight-line estimate is disabled" in capsys.readouterr().err
    assert main([*args, "--allow-fallback"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "connections use the straight-line estimate" in err
    assert json.loads(out.read_text())["travel"]["source"]["estimated_connections"] > 0
