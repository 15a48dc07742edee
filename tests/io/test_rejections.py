"""Every rejection reason: the row, the column and the reason the report gives for it."""

from __future__ import annotations

from typing import Any

import pytest

from busplan.io.import_report import Rejection
from busplan.io.imports import import_workbooks

TRIPS = "III. Expedicións"
STOPS = "II. Paradas"
ROUTES = "I. Rutas"


def rejections(workbooks: Any, book: Any) -> list[Rejection]:
    result = import_workbooks([workbooks.save(book)])
    return result.report.files[0].rejected


def only(workbooks: Any, book: Any) -> Rejection:
    found = rejections(workbooks, book)
    assert len(found) == 1, found
    return found[0]


def test_trip_row_without_route_code(workbooks: Any) -> None:
    """A trip row with no `Código Ruta` is rejected as missing_route_code."""
    book = workbooks.contract(2)
    book.trips[3][0] = "  "
    r = only(workbooks, book)
    assert (r.sheet, r.row, r.column, r.code) == (TRIPS, 4, "Código Ruta", "missing_route_code")


def test_stop_row_without_route_code(workbooks: Any) -> None:
    """A stop row with no route code is rejected on the stops sheet."""
    book = workbooks.contract(2)
    book.stops.append([None, 5, "Extra", 42.3, -8.7, 30, 1])
    r = only(workbooks, book)
    assert (r.sheet, r.row, r.code) == (STOPS, 10, "missing_route_code")


def test_trip_row_without_expedition_code(workbooks: Any) -> None:
    """A trip row with no `Código Expedición` cannot have an id: missing_expedition_code."""
    book = workbooks.contract(2)
    book.trips[2][1] = None
    r = only(workbooks, book)
    assert (r.row, r.column, r.code) == (3, "Código Expedición", "missing_expedition_code")


@pytest.mark.parametrize("value", ["Ida", "E", None])
def test_unknown_sentido(workbooks: Any, value: Any) -> None:
    """`Sentido` must be Entrada, Saída or Salida; anything else (or nothing) is rejected."""
    book = workbooks.contract(2)
    book.trips[1][2] = value
    r = only(workbooks, book)
    assert (r.row, r.column, r.code) == (2, "Sentido", "unknown_direction")


def test_sentido_contradicting_its_sheet(workbooks: Any) -> None:
    """A `Saída` row on an entries sheet is rejected, not silently moved."""
    book = workbooks.contract(1)
    book.sheets["III. Expedicións Entradas"] = book.sheets.pop(TRIPS)
    r = only(workbooks, book)
    assert (r.sheet, r.row, r.code) == ("III. Expedicións Entradas", 3, "unknown_direction")
    assert "Saída" in r.reason


def test_entry_without_arrival_time(workbooks: Any) -> None:
    """An entry needs `Hora Chegada`; an exit's departure column does not stand in for it."""
    book = workbooks.contract(2)
    book.trips[1][3] = None
    book.trips[1][4] = "14:00"
    r = only(workbooks, book)
    assert (r.row, r.column, r.code) == (2, "Hora Chegada", "missing_time")


def test_exit_without_departure_time(workbooks: Any) -> None:
    """An exit needs `Hora Saída`."""
    book = workbooks.contract(2)
    book.trips[2][4] = ""
    r = only(workbooks, book)
    assert (r.row, r.column, r.code) == (3, "Hora Saída", "missing_time")


@pytest.mark.parametrize("value", ["25:10", "08:75", 1.5, -0.1])
def test_time_out_of_range(workbooks: Any, value: Any) -> None:
    """Clock texts past 23:59 and numbers outside an Excel day (0 to 1) are out of range."""
    book = workbooks.contract(2)
    book.trips[1][3] = value
    r = only(workbooks, book)
    assert (r.row, r.column, r.code) == (2, "Hora Chegada", "time_out_of_range")


def test_trip_that_would_start_before_midnight(workbooks: Any) -> None:
    """An entry arriving at 00:10 on a 25-minute route does not fit in the day."""
    book = workbooks.contract(1)
    book.trips[1][3] = "00:10"
    r = only(workbooks, book)
    assert (r.row, r.code) == (2, "time_out_of_range")


def test_unreadable_time_text(workbooks: Any) -> None:
    """A time that is not a time at all is an unreadable value on its row."""
    book = workbooks.contract(1)
    book.trips[1][3] = "mañá cedo"
    r = only(workbooks, book)
    assert (r.row, r.column, r.code) == (2, "Hora Chegada", "unreadable_value")


def test_trip_of_a_route_not_on_the_routes_sheet(workbooks: Any) -> None:
    """A trip whose route code is not in `I. Rutas` is rejected as unknown_route."""
    book = workbooks.contract(2)
    book.trips.append(["999999", "01", "Entrada", "08:00", None, "LMMcXV"])
    r = only(workbooks, book)
    assert (r.row, r.code) == (6, "unknown_route")


def test_route_with_no_stops(workbooks: Any) -> None:
    """A route with no rows on the stops sheet gives its trips no stops: rejected."""
    book = workbooks.contract(2)
    book.sheets[STOPS] = [book.stops[0]] + [r for r in book.stops[1:] if r[0] != "361702"]
    found = rejections(workbooks, book)
    assert [(r.row, r.column, r.code) for r in found] == [
        (4, "Código Ruta", "route_without_stops"),
        (5, "Código Ruta", "route_without_stops"),
    ]


def test_stop_without_coordinates_rejects_the_stop_and_its_routes_trips(workbooks: Any) -> None:
    """A stop with no latitude is rejected; its route's trips are rejected pointing at it."""
    book = workbooks.contract(2)
    book.stops[6][3] = None
    found = rejections(workbooks, book)
    assert [(r.sheet, r.row, r.column, r.code) for r in found] == [
        (STOPS, 7, "Latitude", "stop_without_coordinates"),
        (TRIPS, 4, "Código Ruta", "route_with_bad_stops"),
        (TRIPS, 5, "Código Ruta", "route_with_bad_stops"),
    ]
    assert "row 7" in found[1].reason


@pytest.mark.parametrize("value", ["N/D", 0, 95.5])
def test_stop_with_unusable_coordinates(workbooks: Any, value: Any) -> None:
    """Text, 0 (the usual placeholder) and out-of-range degrees are not coordinates."""
    book = workbooks.contract(2)
    book.stops[2][3] = value
    r = rejections(workbooks, book)[0]
    assert (r.row, r.column, r.code) == (3, "Latitude", "stop_without_coordinates")


def test_stops_reached_backwards(workbooks: Any) -> None:
    """A stop reached before the one listed ahead of it is rejected, not reordered."""
    book = workbooks.contract(2)
    book.stops[3][5] = 5
    found = rejections(workbooks, book)
    assert (found[0].row, found[0].column, found[0].code) == (
        4,
        "Tempo a Orixe",
        "stops_out_of_order",
    )
    assert {r.code for r in found[1:]} == {"route_with_bad_stops"}


def test_ambiguous_fraction_in_tempo_a_orixe(workbooks: Any) -> None:
    """0.0104 in `Tempo a Orixe` could be a lost time format: rejected, not guessed."""
    book = workbooks.contract(2)
    book.stops[2][5] = 15 / 1440
    r = rejections(workbooks, book)[0]
    assert (r.row, r.column, r.code) == (3, "Tempo a Orixe", "unreadable_value")
    assert "ambiguous" in r.reason


@pytest.mark.parametrize("value", ["LMJV", "Diario", "LMXS"])
def test_unknown_day_code(workbooks: Any, value: str) -> None:
    """A frequency with a letter outside L M Mc X V is rejected, never read as every day."""
    book = workbooks.contract(2)
    book.trips[4][5] = value
    r = only(workbooks, book)
    assert (r.row, r.column, r.code) == (5, "Frecuencia Semanal", "unknown_day_code")


def test_empty_frequency(workbooks: Any) -> None:
    """An empty `Frecuencia Semanal` cell is rejected as missing_days."""
    book = workbooks.contract(2)
    book.trips[4][5] = None
    r = only(workbooks, book)
    assert (r.row, r.code) == (5, "missing_days")


def test_duplicate_trip_with_different_content(workbooks: Any) -> None:
    """The same expedition twice with different times: the second row is rejected."""
    book = workbooks.contract(2)
    again = list(book.trips[1])
    again[3] = "08:45"
    book.trips.append(again)
    r = only(workbooks, book)
    assert (r.row, r.code) == (6, "duplicate_conflict")
    assert "row 2" in r.reason and "time" in r.reason


def test_duplicate_route_with_different_content(workbooks: Any) -> None:
    """A route code listed twice with a different contract: the second row is rejected."""
    book = workbooks.contract(2)
    again = list(book.routes[1])
    again[4] = "UE9999"
    book.routes.append(again)
    r = only(workbooks, book)
    assert (r.sheet, r.row, r.code) == (ROUTES, 4, "duplicate_conflict")


def test_duplicate_stop_order_with_different_content(workbooks: Any) -> None:
    """Two different stops with the same order on one route: the second is rejected."""
    book = workbooks.contract(2)
    again = list(book.stops[2])
    again[2] = "Outra parada"
    book.stops.append(again)
    found = rejections(workbooks, book)
    assert (found[0].sheet, found[0].row, found[0].code) == (STOPS, 10, "duplicate_conflict")


@pytest.mark.parametrize("value", ["muchas", "38-26"])
def test_unreadable_seat_range(workbooks: Any, value: str) -> None:
    """A seat range that is not `26-38`, `26/38`, `>55`, `<25` or a number is rejected."""
    book = workbooks.contract(2)
    book.routes[1][5] = value
    found = rejections(workbooks, book)
    assert (found[0].sheet, found[0].row, found[0].column, found[0].code) == (
        ROUTES,
        2,
        "Prazas vehículo",
        "unreadable_value",
    )
    assert {r.code for r in found[1:]} == {"unknown_route"}
    assert 'its row was rejected (sheet "I. Rutas" row 2)' in found[1].reason


def test_pupils_that_are_not_a_whole_number(workbooks: Any) -> None:
    """`Usuarios Totais` of 2.5 is an unreadable value, not rounded."""
    book = workbooks.contract(2)
    book.stops[1][6] = 2.5
    r = rejections(workbooks, book)[0]
    assert (r.row, r.column, r.code) == (2, "Usuarios Totais", "unreadable_value")
