"""Contract workbooks to a problem: layouts, messy rows, and the parse report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from busplan.core.model import Kind
from busplan.io.import_report import Reason
from busplan.io.imports import ImportFailed, ImportResult, import_workbooks

Workbooks = Any
Book = Any


def imported(workbooks: Workbooks, book: Book) -> ImportResult:
    return import_workbooks([workbooks.save(book)])


def test_galician_workbook_gives_one_trip_per_expedition_row(workbooks: Workbooks) -> None:
    """Each trip row becomes one trip with id route_expedition_E|S and the route's data."""
    result = imported(workbooks, workbooks.contract(3))
    ids = [t.id for t in result.problem.trips]
    assert ids == [f"3617{k:02d}_{e}" for k in (1, 2, 3) for e in ("01_E", "02_S")]
    entry = result.problem.trips[0]
    assert entry.kind is Kind.ENTRY
    assert entry.time_s == (8 * 60 + 31) * 60
    assert entry.duration_s == 25 * 60
    assert (entry.school_id, entry.school_name, entry.contract) == ("36000001", "CEIP 1", "UE3617")
    assert (entry.vehicle_seats.min, entry.vehicle_seats.max) == (26, 38)
    assert entry.days == {"L", "M", "Mc", "X", "V"}
    report = result.report.files[0]
    assert report.error is None and not report.rejected and not report.warnings
    assert [s.name for s in report.sheets if s.used] == [
        "I. Rutas",
        "II. Paradas",
        "III. Expedicións",
    ]
    assert report.rows_read == 3 + 12 + 6


def test_spanish_workbook_reads_the_same_as_the_galician_one(workbooks: Workbooks) -> None:
    """Spanish headers and sheet names give exactly the trips the Galician layout gives."""
    galician = imported(workbooks, workbooks.contract(3, "gl"))
    spanish = import_workbooks([workbooks.save(workbooks.contract(3, "es"), "es.xlsx")])
    assert spanish.document["trips"] == galician.document["trips"]


def test_entries_drive_the_stops_as_listed_and_exits_reversed(workbooks: Workbooks) -> None:
    """An entry ends at the school (listed last); an exit starts there, offsets mirrored."""
    entry, exit_ = imported(workbooks, workbooks.contract(1)).problem.trips
    assert [s.name for s in entry.stops] == ["Parada 1.1", "Parada 1.2", "Parada 1.3", "CEIP 1"]
    assert [s.offset_s // 60 for s in entry.stops] == [0, 8, 15, 25]
    assert [s.name for s in exit_.stops] == ["CEIP 1", "Parada 1.3", "Parada 1.2", "Parada 1.1"]
    assert [s.offset_s // 60 for s in exit_.stops] == [0, 10, 17, 25]
    assert exit_.kind is Kind.EXIT and exit_.time_s == 14 * 3600 + 60


def test_seats_are_the_peak_load_not_the_largest_stop(workbooks: Workbooks) -> None:
    """Seats needed = all pupils of the route's stops (on board together), not the max stop."""
    book = workbooks.contract(1)
    for row, pupils in zip(book.stops[1:4], (4, 9, 6), strict=True):
        row[6] = pupils
    entry, exit_ = imported(workbooks, book).problem.trips
    assert entry.seats == exit_.seats == 19
    assert [s.boarding for s in entry.stops] == [4, 9, 6, 0]
    assert [s.boarding for s in exit_.stops] == [19, 0, 0, 0]


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("26-38", (26, 38)),
        ("26/38", (26, 38)),
        (">55", (56, None)),
        ("<25", (None, 24)),
        ("30", (30, 30)),
        (" 39 - 55 ", (39, 55)),
    ],
)
def test_vehicle_seat_ranges_in_contract_notation(
    workbooks: Workbooks, text: str, bounds: tuple
) -> None:
    """`26-38`, `26/38`, `>55`, `<25` and a single number are vehicle seat ranges."""
    book = workbooks.contract(1)
    book.routes[1][5] = text
    trip = imported(workbooks, book).problem.trips[0]
    assert (trip.vehicle_seats.min, trip.vehicle_seats.max) == bounds


def test_seat_column_on_the_trips_sheet_overrides_the_route(workbooks: Workbooks) -> None:
    """A `Prazas vehículo` column on the trips sheet overrides the route's range for its row."""
    book = workbooks.contract(1)
    book.trips[0].append("Prazas vehículo")
    book.trips[1].append(">55")
    book.trips[2].append(None)
    entry, exit_ = imported(workbooks, book).problem.trips
    assert (entry.vehicle_seats.min, entry.vehicle_seats.max) == (56, None)
    assert (exit_.vehicle_seats.min, exit_.vehicle_seats.max) == (26, 38)


@pytest.mark.parametrize(
    ("code", "days"),
    [
        ("LMMcXV", {"L", "M", "Mc", "X", "V"}),
        ("LMXV", {"L", "M", "X", "V"}),
        ("McXV", {"Mc", "X", "V"}),
        ("L, X", {"L", "X"}),
        ("lmmcxv", {"L", "M", "Mc", "X", "V"}),
    ],
)
def test_weekly_frequency_codes(workbooks: Workbooks, code: str, days: set[str]) -> None:
    """L Mon, M Tue, Mc Wed, X Thu, V Fri; `Mc` is read before `M`."""
    book = workbooks.contract(1)
    book.trips[1][5] = code
    assert imported(workbooks, book).problem.trips[0].days == days


def test_messy_workbook_is_read_like_a_clean_one(workbooks: Workbooks) -> None:
    """Title rows, merged headers, blank lines, numbers as text and Excel serial times."""
    clean = imported(workbooks, workbooks.contract(2)).document["trips"]
    book = workbooks.contract(2)
    # A merged title above each header, and a header cell merged down over two rows.
    for name, rows in book.sheets.items():
        rows.insert(0, [f"Contrato UE3617 - {name}"])
        book.merges[name] = ["A1:F1"]
    book.trips.insert(2, [None] * 6)
    book.merges["III. Expedicións"].append("A2:A3")
    # Blank lines between data rows.
    book.stops.insert(4, [])
    book.stops.insert(6, [None, "  ", None])
    # Numbers stored as text, a numeric route code, decimal commas.
    book.routes[2][0] = 361701
    book.stops[2][1] = "1"
    book.stops[2][3] = str(book.stops[2][3]).replace(".", ",")
    book.stops[2][6] = " 11 "
    book.stops[3][5] = "0:08"
    # Excel serial times: a bare day fraction and a time cell; a text time.
    book.trips[3][3] = (8 * 60 + 31) / 1440
    book.trips[4][4] = "14:01"
    result = imported(workbooks, book)
    assert result.document["trips"] == clean
    report = result.report.files[0]
    assert not report.rejected
    sheets = {s.name: s for s in report.sheets}
    assert sheets["II. Paradas"].blank_rows == 2
    assert sheets["II. Paradas"].rows_read == 8


def test_more_complete_stops_variant_sheet_is_used_and_named(workbooks: Workbooks) -> None:
    """Of `II. Paradas` and `II. Paradas (2)` the more complete one is used, and said so."""
    book = workbooks.contract(2)
    partial = [row[:] for row in book.stops[:5]]
    book.sheets = {
        "I. Rutas": book.routes,
        "II. Paradas": partial,
        "II. Paradas (2)": book.stops,
        "III. Expedicións": book.trips,
    }
    result = imported(workbooks, book)
    report = result.report.files[0]
    assert len(result.problem.trips) == 4
    assert [s.name for s in report.sheets if s.used] == [
        "I. Rutas",
        "II. Paradas (2)",
        "III. Expedicións",
    ]
    assert any('"II. Paradas (2)"' in w.message and "usable" in w.message for w in report.warnings)


def test_routes_variant_sheet_adds_school_start(workbooks: Workbooks) -> None:
    """`I. Rutas (2)` adds `Horario Entrada Centro`; an entry arriving after it is a warning."""
    book = workbooks.contract(2)
    book.sheets["I. Rutas (2)"] = [
        ["Código Ruta", "Horario Entrada Centro"],
        ["361701", dt.time(9, 0)],
        ["361702", dt.time(8, 30)],
    ]
    result = imported(workbooks, book)
    report = result.report.files[0]
    assert len(result.problem.trips) == 4
    late = [w for w in report.warnings if "after the school starts" in w.message]
    assert len(late) == 1 and "361702_01_E" in late[0].message and late[0].row == 4
    assert "I. Rutas (2)" in [s.name for s in report.sheets if s.used]


def test_separate_entry_and_exit_sheets_take_direction_from_the_name(workbooks: Workbooks) -> None:
    """`III. Expedicións Entradas` / `Saídas` need no Sentido column."""
    book = workbooks.contract(2)
    header = [h for h in book.trips[0] if h != "Sentido"]
    entries = [header] + [r[:2] + r[3:] for r in book.trips[1:] if r[2] == "Entrada"]
    exits = [header] + [r[:2] + r[3:] for r in book.trips[1:] if r[2] != "Entrada"]
    del book.sheets["III. Expedicións"]
    book.sheets["III. Expedicións Entradas"] = entries
    book.sheets["III. Expedicións Saídas"] = exits
    trips = imported(workbooks, book).problem.trips
    assert sorted(t.id for t in trips if t.kind is Kind.ENTRY) == ["361701_01_E", "361702_01_E"]
    assert sorted(t.id for t in trips if t.kind is Kind.EXIT) == ["361701_02_S", "361702_02_S"]


def test_exact_duplicate_rows_are_collapsed_and_counted(workbooks: Workbooks) -> None:
    """A repeated trip row and a repeated stop row are one, and the report counts them."""
    book = workbooks.contract(2)
    book.trips.append(list(book.trips[1]))
    book.stops.append(list(book.stops[1]))
    result = imported(workbooks, book)
    assert len(result.problem.trips) == 4
    report = result.report.files[0]
    assert report.duplicates == 2 and not report.rejected


def test_n_valid_and_k_bad_rows_give_n_trips_and_k_rejections(workbooks: Workbooks) -> None:
    """N good trip rows and K bad ones: N trips, exactly K rejections at the right rows."""
    book = workbooks.contract(6)
    bad = {
        3: (2, "Mañá"),
        6: (5, "LMJV"),
        8: (0, None),
        11: (3, "27:00"),
    }
    for index, (column, value) in bad.items():
        book.trips[index][column] = value
    result = imported(workbooks, book)
    assert len(result.problem.trips) == 12 - len(bad)
    rejected = result.report.files[0].rejected
    assert sorted(r.row for r in rejected) == sorted(i + 1 for i in bad)
    assert {r.row: r.code for r in rejected} == {
        4: Reason.UNKNOWN_DIRECTION,
        7: Reason.UNKNOWN_DAY_CODE,
        9: Reason.MISSING_ROUTE_CODE,
        12: Reason.TIME_OUT_OF_RANGE,
    }
    assert result.report.totals()["rejected"] == len(bad)


def test_thousand_row_workbook_imports_every_trip(workbooks: Workbooks) -> None:
    """A 500-route contract (1000 trip rows, 2000 stop rows) imports completely."""
    result = imported(workbooks, workbooks.contract(500))
    assert len(result.problem.trips) == 1000
    assert result.report.files[0].rows_read == 500 + 2000 + 1000


def test_corrupt_file_is_one_clear_error(tmp_path: Path) -> None:
    """Bytes that are not a workbook fail with one message naming the file."""
    path = tmp_path / "contract.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(ImportFailed) as failure:
        import_workbooks([path])
    report = failure.value.report.files[0]
    assert report.error is not None and "not a readable Excel workbook" in report.error
    assert str(path) in str(failure.value)
    assert not report.rejected


def test_text_file_is_not_a_workbook(tmp_path: Path) -> None:
    """A CSV saved under another extension is refused, not parsed as something else."""
    path = tmp_path / "routes.csv"
    path.write_text("Código Ruta;Sentido\n361701;Entrada\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="not an Excel workbook"):
        import_workbooks([path])


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    """A path that does not exist is reported as such."""
    with pytest.raises(ImportFailed, match="file not found"):
        import_workbooks([tmp_path / "absent.xlsx"])


def test_workbook_without_a_stops_sheet_names_what_is_missing(workbooks: Workbooks) -> None:
    """A workbook lacking a required sheet fails, naming the sheet and the sheets found."""
    book = workbooks.contract(1)
    del book.sheets["II. Paradas"]
    with pytest.raises(ImportFailed, match=r'no usable stops sheet .*"II\. Paradas".*"I\. Rutas"'):
        imported(workbooks, book)


def test_workbook_with_no_usable_trips_is_an_error(workbooks: Workbooks) -> None:
    """If every trip row is rejected the import fails; it never yields an empty problem."""
    book = workbooks.contract(1)
    for row in book.trips[1:]:
        row[5] = "Diario"
    with pytest.raises(ImportFailed, match="no usable trips") as failure:
        imported(workbooks, book)
    assert len(failure.value.report.files[0].rejected) == 2


def test_several_workbooks_merge_into_one_problem(workbooks: Workbooks) -> None:
    """Two contracts become one problem; a trip met again unchanged is counted, not doubled."""
    first = workbooks.contract(2, contract_id="UE3617")
    second = workbooks.contract(3, contract_id="UE3618")
    for sheet in second.sheets.values():
        for row in sheet[1:]:
            row[0] = str(row[0]).replace("3617", "3618")
    second.trips.append(list(first.trips[1]))
    second.routes.append(list(first.routes[1]))
    second.stops.extend(list(r) for r in first.stops[1:5])
    result = import_workbooks([workbooks.save(first, "a.xlsx"), workbooks.save(second, "b.xlsx")])
    assert len(result.problem.trips) == 4 + 6
    assert result.report.files[1].duplicates == 1
    assert result.report.totals()["trips"] == 10
    assert result.problem.name == "a and 1 more"


def test_two_row_header_under_a_merged_group_cell(workbooks: Workbooks) -> None:
    """A `Hora` cell merged over `Chegada` and `Saída` reads as `Hora Chegada`/`Hora Saída`."""
    clean = imported(workbooks, workbooks.contract(2)).document["trips"]
    book = workbooks.contract(2)
    book.trips[0] = [
        "Código Ruta",
        "Código Expedición",
        "Sentido",
        "Hora",
        None,
        "Frecuencia Semanal",
    ]
    book.trips.insert(1, [None, None, None, "Chegada", "Saída", None])
    book.merges["III. Expedicións"] = ["A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2"]
    result = imported(workbooks, book)
    assert result.document["trips"] == clean
    assert not result.report.files[0].rejected


def test_route_code_merged_over_its_stop_rows(workbooks: Workbooks) -> None:
    """A route code merged down over its stops applies to every row it covers."""
    clean = imported(workbooks, workbooks.contract(2)).document["trips"]
    book = workbooks.contract(2)
    for row in (3, 4, 5, 7, 8, 9):
        book.stops[row - 1][0] = None
    book.merges["II. Paradas"] = ["A2:A5", "A6:A9"]
    assert imported(workbooks, book).document["trips"] == clean


def test_loosely_matched_header_is_read_and_reported(workbooks: Workbooks) -> None:
    """`Hora Saída Centro` stands in for `Hora Saída`, and the report says so."""
    book = workbooks.contract(1)
    book.trips[0][4] = "Hora Saída Centro"
    result = imported(workbooks, book)
    assert len(result.problem.trips) == 2
    (note,) = result.report.files[0].warnings
    assert note.message == 'column "Hora Saída Centro" read as "Hora Saída"' and note.row == 1


@pytest.mark.parametrize(
    "value", [15, 15.0, "15", "15,0", "0:15", "00:15:00", dt.time(0, 15), dt.timedelta(minutes=15)]
)
def test_tempo_a_orixe_in_any_written_form(workbooks: Workbooks, value: Any) -> None:
    """Minutes, minutes as text, HH:MM[:SS] text, a time cell and a duration cell all read."""
    book = workbooks.contract(1)
    book.stops[3][5] = value
    entry = imported(workbooks, book).problem.trips[0]
    assert entry.stops[2].offset_s == 15 * 60
