"""The regional contract workbook layout: which sheets hold what, under which headers.

Galician and Spanish spellings are both listed; accents, case and spacing do not matter (see
`names`). Sheets are recognised by whole words of their names, never by substrings.
"""

from __future__ import annotations

from dataclasses import dataclass

from busplan.core.model import Kind
from busplan.io.excel.names import words

ROUTE_CODE = ["Código Ruta", "Código da Ruta", "Código de Ruta", "Cod Ruta"]

ROUTE_FIELDS: dict[str, list[str]] = {
    "route": ROUTE_CODE,
    "school_id": ["Código Centro", "Código do Centro", "Código del Centro"],
    "school_name": ["Nome Centro", "Nombre Centro", "Nome do Centro", "Nombre del Centro"],
    "route_name": ["Nome Ruta", "Nombre Ruta", "Nome da Ruta", "Nombre de Ruta"],
    "contract": ["Contrato", "Lote"],
    "operator": [
        "Empresa",
        "Empresa Adxudicataria",
        "Empresa Adjudicataria",
        "Adxudicataria",
        "Adjudicataria",
        "Operador",
        "Transportista",
    ],
    "vehicle_seats": ["Prazas vehículo", "Plazas vehículo", "Prazas", "Plazas"],
    "school_start": ["Horario Entrada Centro", "Hora Entrada Centro"],
}

STOP_FIELDS: dict[str, list[str]] = {
    "route": ROUTE_CODE,
    "order": ["Orde Parada", "Orden Parada", "Orde", "Orden"],
    "name": ["Nome Parada", "Nombre Parada", "Parada", "Descrición Parada", "Descripción Parada"],
    "lat": ["Latitude", "Latitud"],
    "lon": ["Lonxitude", "Longitud", "Longitude"],
    "offset": ["Tempo a Orixe", "Tiempo a Origen", "Tempo Orixe", "Tiempo Origen"],
    "pupils": ["Usuarios Totais", "Usuarios Totales", "Usuarios"],
}

TRIP_FIELDS: dict[str, list[str]] = {
    "route": ROUTE_CODE,
    "expedition": ["Código Expedición", "Código da Expedición", "Código de Expedición"],
    "direction": ["Sentido"],
    "arrival": ["Hora Chegada", "Hora Llegada", "Hora de Chegada", "Hora de Llegada"],
    "departure": ["Hora Saída", "Hora Salida", "Hora de Saída", "Hora de Salida"],
    "days": ["Frecuencia Semanal", "Frecuencia"],
    "vehicle_seats": ["Prazas vehículo", "Plazas vehículo", "Prazas", "Plazas"],
}

DIRECTIONS: dict[tuple[str, ...], Kind] = {
    ("entrada",): Kind.ENTRY,
    ("entradas",): Kind.ENTRY,
    ("saida",): Kind.EXIT,
    ("salida",): Kind.EXIT,
    ("saidas",): Kind.EXIT,
    ("salidas",): Kind.EXIT,
}
"""`Sentido` values and trip-sheet name suffixes, as normalized words."""


@dataclass(frozen=True, slots=True)
class SheetRole:
    role: str
    """"routes", "stops", "trips" or ""."""
    variant: int = 1
    """2 for a sheet named like "II. Paradas (2)"."""
    direction: Kind | None = None
    """For a trips sheet named "... Entradas" or "... Salidas"."""


def sheet_role(name: str) -> SheetRole:
    w = words(name)
    variant = int(w[-1]) if w and w[-1].isdigit() and len(w) > 1 else 1
    if "expedicions" in w or "expediciones" in w:
        kinds = {DIRECTIONS[(x,)] for x in w if (x,) in DIRECTIONS}
        return SheetRole("trips", variant, kinds.pop() if len(kinds) == 1 else None)
    if "paradas" in w:
        return SheetRole("stops", variant)
    if "rutas" in w:
        return SheetRole("routes", variant)
    return SheetRole("")
