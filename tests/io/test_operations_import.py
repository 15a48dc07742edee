"""Operators from the contract workbooks, depots and fleet from an operations file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from busplan.io.imports import ImportFailed, import_files

OPERATIONS = {
    "depots": [{"id": "D1", "operator": "Autos Vigo", "lat": 42.22, "lon": -8.75}],
    "fleet": [{"id": "AV-38", "operator": "Autos Vigo", "depot": "D1", "seats": 38, "count": 3}],
    "settings": {"max_ride_min": 20, "duty": {"max_spread_min": 720}},
}


def with_company(workbooks: Any, header: str, company: str) -> Path:
    book = workbooks.contract(routes=2)
    book.routes[0].append(header)
    for row in book.routes[1:]:
        row.append(company)
    return workbooks.save(book)


@pytest.mark.parametrize("header", ["Empresa", "Empresa adxudicataria", "Adjudicataria"])
def test_company_column_fills_the_operator(workbooks: Any, header: str) -> None:
    """The routes sheet's company column names the operator of every trip of the route."""
    result = import_files([with_company(workbooks, header, "Autos Vigo")])
    assert {t.operator for t in result.problem.trips} == {"Autos Vigo"}
    assert result.document["version"] == 2
    assert all(t["operator"] == "Autos Vigo" for t in result.document["trips"])


def test_without_company_or_operations_the_problem_stays_version_1(workbooks: Any) -> None:
    """A workbook with nothing of version 2 imports as before."""
    result = import_files([workbooks.save(workbooks.contract(routes=2))])
    assert result.document["version"] == 1
    assert not result.problem.settings.stable_week


def test_operations_file_adds_depots_fleet_settings_and_ride_warnings(
    workbooks: Any, tmp_path: Path
) -> None:
    """Depots, fleet and duty come from the operations file; rides over max_ride_min warn."""
    ops = tmp_path / "operations.json"
    ops.write_text(json.dumps(OPERATIONS))
    result = import_files([with_company(workbooks, "Empresa", "Autos Vigo")], operations=ops)
    problem = result.problem
    assert [d.id for d in problem.depots] == ["D1"] and problem.fleet[0].count == 3
    assert problem.settings.duty.max_spread_s == 720 * 60 and problem.settings.stable_week
    warnings = [w.message for f in result.report.files for w in f.warnings]
    assert sum("max_ride_min" in w for w in warnings) == len(problem.trips)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"depots": [], "trips": []}', "must be an object with only depots, fleet, settings"),
        (
            json.dumps({**OPERATIONS, "fleet": [{**OPERATIONS["fleet"][0], "depot": "D9"}]}),
            'fleet[0].depot: "D9" is not one of the depots',
        ),
    ],
)
def test_a_bad_operations_file_fails_the_import_naming_why(
    workbooks: Any, tmp_path: Path, content: str, expected: str
) -> None:
    """Unreadable or invalid operations files fail the import with the reason."""
    ops = tmp_path / "operations.json"
    ops.write_text(content)
    with pytest.raises(ImportFailed) as caught:
        import_files([workbooks.save(workbooks.contract(routes=1))], operations=ops)
    assert expected in str(caught.value)
