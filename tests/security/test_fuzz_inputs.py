"""Arbitrary input to the problem loader and the workbook importer: clear errors, never a crash
or a hang."""

from __future__ import annotations

import copy
import datetime as dt
import io
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busplan.io.imports import ImportFailed, import_files
from busplan.io.problem_json import ProblemError, parse_problem
from tests.io.conftest import contract
from tests.service.harness import make_problem

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)

VALID = make_problem(6)
FIELDS = ["id", "kind", "time", "duration_min", "start", "end", "days", "seats", "school"]


def _parse(document: Any) -> None:
    try:
        parse_problem(document)
    except ProblemError as exc:
        assert exc.errors and all(e.reason for e in exc.errors)


@FUZZ
@given(json_values)
def test_arbitrary_json_gives_a_problem_error(document: Any) -> None:
    """Any JSON value is a problem or a ProblemError with reasons; nothing else is raised."""
    _parse(document)


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID["trips"]) - 1), st.sampled_from(FIELDS), json_values),
        min_size=1,
        max_size=4,
    ),
    st.dictionaries(st.sampled_from(["version", "name", "settings", "fleet"]), json_values),
)
def test_mutated_problems_give_a_problem_error(
    changes: list[tuple[int, str, Any]], top: dict[str, Any]
) -> None:
    """A valid problem with fields replaced by arbitrary JSON parses or fails with reasons."""
    document = copy.deepcopy(VALID) | top
    for n, name, value in changes:
        document["trips"][n][name] = value
    _parse(document)


cell_values = (
    st.none()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)
    | st.times()
    | st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1))
    | st.booleans()
)


def _import(path: Path) -> None:
    started = time.monotonic()
    try:
        import_files([path])
    except ImportFailed as exc:
        assert str(exc)
    assert time.monotonic() - started < 10


@FUZZ
@given(st.data())
def test_mutated_workbook_cells_give_import_errors(data: st.DataObject) -> None:
    """A contract workbook with arbitrary cell values imports or fails with an ImportFailed."""
    book = contract(routes=2)
    for _ in range(data.draw(st.integers(1, 6))):
        rows = book.sheets[data.draw(st.sampled_from(sorted(book.sheets)))]
        row = rows[data.draw(st.integers(0, len(rows) - 1))]
        row[data.draw(st.integers(0, len(row) - 1))] = data.draw(cell_values)
    with tempfile.TemporaryDirectory() as folder:
        _import(book.save(Path(folder) / "contract.xlsx"))


@pytest.fixture(scope="module")
def workbook_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return contract(routes=2).save(tmp_path_factory.mktemp("book") / "c.xlsx").read_bytes()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _pack(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@FUZZ
@given(st.data())
def test_mutated_workbook_bytes_give_import_errors(
    workbook_bytes: bytes, data: st.DataObject
) -> None:
    """Truncated, bit-flipped or XML-damaged workbooks fail with an ImportFailed, quickly."""
    how = data.draw(st.sampled_from(["truncate", "flip", "xml"]))
    if how == "truncate":
        mutated = workbook_bytes[: data.draw(st.integers(0, len(workbook_bytes) - 1))]
    elif how == "flip":
        mutated = bytearray(workbook_bytes)
        for _ in range(data.draw(st.integers(1, 20))):
            mutated[data.draw(st.integers(0, len(mutated) - 1))] ^= data.draw(st.integers(1, 255))
        mutated = bytes(mutated)
    else:
        members = _members(workbook_bytes)
        name = data.draw(st.sampled_from(sorted(n for n in members if n.endswith(".xml"))))
        content = members[name]
        start = data.draw(st.integers(0, len(content)))
        end = data.draw(st.integers(start, min(len(content), start + 200)))
        members[name] = content[:start] + data.draw(st.binary(max_size=50)) + content[end:]
        mutated = _pack(members)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contract.xlsx"
        path.write_bytes(mutated)
        _import(path)
