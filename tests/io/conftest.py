"""Contract workbooks built in code, in the regional layout, Galician or Spanish."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest

HEADERS = {
    "gl": {
        "I. Rutas": [
            "Código Ruta",
            "Código Centro",
            "Nome Centro",
            "Nome Ruta",
            "Contrato",
            "Prazas vehículo",
        ],
        "II. Paradas": [
            "Código Ruta",
            "Orde Parada",
            "Nome Parada",
            "Latitude",
            "Lonxitude",
            "Tempo a Orixe",
            "Usuarios Totais",
        ],
        "III. Expedicións": [
            "Código Ruta",
            "Código Expedición",
            "Sentido",
            "Hora Chegada",
            "Hora Saída",
            "Frecuencia Semanal",
        ],
    },
    "es": {
        "I. Rutas": [
            "Código Ruta",
            "Código Centro",
            "Nombre Centro",
            "Nombre Ruta",
            "Contrato",
            "Plazas vehículo",
        ],
        "II. Paradas": [
            "Código Ruta",
            "Orden Parada",
            "Nombre Parada",
            "Latitud",
            "Longitud",
            "Tiempo a origen",
            "Usuarios",
        ],
        "III. Expediciones": [
            "Código Ruta",
            "Código Expedición",
            "Sentido",
            "Hora Llegada",
            "Hora Salida",
            "Frecuencia Semanal",
        ],
    },
}
EXIT_WORD = {"gl": "Saída", "es": "Salida"}


@dataclass
class Book:
    """A workbook as sheet name -> list of rows (the first row is the header)."""

    sheets: dict[str, list[list[Any]]]
    merges: dict[str, list[str]] = field(default_factory=dict)
    lang: str = "gl"

    @property
    def routes(self) -> list[list[Any]]:
        return self.sheets["I. Rutas"]

    @property
    def stops(self) -> list[list[Any]]:
        return self.sheets["II. Paradas"]

    @property
    def trips(self) -> list[list[Any]]:
        return next(rows for name, rows in self.sheets.items() if name.startswith("III."))

    def save(self, path: Path) -> Path:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, rows in self.sheets.items():
            ws = wb.create_sheet(name)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row, start=1):
                    cell = ws.cell(r, c, value)
                    if isinstance(value, dt.time):
                        cell.number_format = "hh:mm"
            for merged in self.merges.get(name, []):
                ws.merge_cells(merged)
        wb.save(path)
        return path


def contract(routes: int = 3, lang: str = "gl", contract_id: str = "UE3617") -> Book:
    """`routes` routes of three stops and a school, each with a morning entry and an
    afternoon exit on school days. Route k: code 3617kk, 8 to 11 pupils per stop."""
    names = list(HEADERS[lang])
    sheets: dict[str, list[list[Any]]] = {n: [list(HEADERS[lang][n])] for n in names}
    for k in range(1, routes + 1):
        code = f"3617{k:02d}"
        school = f"CEIP {k}"
        sheets[names[0]].append([code, f"360{k:05d}", school, f"Ruta {k}", contract_id, "26-38"])
        for order, minutes in enumerate((0, 8, 15, 25), start=1):
            is_school = order == 4
            sheets[names[1]].append(
                [
                    code,
                    order,
                    school if is_school else f"Parada {k}.{order}",
                    42.20 + 0.01 * k + 0.002 * order,
                    -8.70 - 0.002 * order,
                    minutes,
                    0 if is_school else 11 - (k - 1) % 4,
                ]
            )
        sheets[names[2]].append(
            [code, "01", "Entrada", dt.time(8, 30 + (k - 1) % 29 + 1), None, "LMMcXV"]
        )
        sheets[names[2]].append(
            [code, "02", EXIT_WORD[lang], None, dt.time(14, (k - 1) % 59 + 1), "LMMcXV"]
        )
    return Book(sheets, lang=lang)


@dataclass
class Workbooks:
    """What a test needs to make contract workbooks: build one, save it."""

    folder: Path
    Book = Book

    @staticmethod
    def contract(routes: int = 3, lang: str = "gl", contract_id: str = "UE3617") -> Book:
        return contract(routes, lang, contract_id)

    def save(self, book: Book, name: str = "contract.xlsx") -> Path:
        return book.save(self.folder / name)


@pytest.fixture
def workbooks(tmp_path: Path) -> Workbooks:
    return Workbooks(tmp_path)


@pytest.fixture(scope="module")
def module_workbooks(tmp_path_factory: pytest.TempPathFactory) -> Workbooks:
    """Workbooks for module-scoped fixtures (a plan solved once and read by many tests)."""
    return Workbooks(tmp_path_factory.mktemp("books"))
