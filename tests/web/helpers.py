"""A real busplan server for the browser, and timetables to upload to it."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import httpx
import openpyxl

from busplan.store import make_engine, session_factory
from busplan.store import repository as repo
from busplan.store.states import JobState
from tests.service import harness

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "busplan" / "examples" / "school-day-230.json"


class Server(harness.Server):
    """`busplan serve` in a subprocess on a free port, with its own SQLite database."""

    def __init__(self, folder: Path, **env: str) -> None:
        settings = {
            "DATABASE_URL": f"sqlite:///{folder / 'busplan.db'}",
            "WORKER_PROCESSES": "2",
            "CANCEL_GRACE_SECONDS": "1.0",
            **env,
        }
        super().__init__(settings, folder / "server.log")

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30)

    def wait_for(self, job_id: str, *states: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = dict(self.get(f"/jobs/{job_id}").json())
            if job["status"] in states or time.monotonic() > deadline:
                return job
            time.sleep(0.1)

    def store_completed(
        self,
        job_id: str,
        problem: dict[str, Any],
        result: dict[str, Any],
        at: dt.datetime | None = None,
    ) -> str:
        """Put a completed job with this problem and result straight into the server's
        database: a plan too large to be solved within a test, shown as if it had been."""
        when = at or dt.datetime.now(dt.UTC)
        engine = make_engine(self.env["DATABASE_URL"])
        try:
            with session_factory(engine).begin() as session:
                repo.create_job(
                    session=session,
                    job_id=job_id,
                    problem=problem,
                    params={"time_limit": 60},
                    trips=len(problem["trips"]),
                    name=problem.get("name", ""),
                    now=when,
                )
                repo.transition(session=session, job_id=job_id, to=JobState.RUNNING, now=when)
                repo.transition(
                    session=session, job_id=job_id, to=JobState.COMPLETED, now=when, result=result
                )
        finally:
            engine.dispose()
        return job_id


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# -- contract workbooks, in the regional layout (docs/import.md) -----------------------------

ROUTES = ["Código Ruta", "Código Centro", "Nome Centro", "Nome Ruta", "Contrato", "Prazas vehículo"]
STOPS = [
    "Código Ruta",
    "Orde Parada",
    "Nome Parada",
    "Latitude",
    "Lonxitude",
    "Tempo a Orixe",
    "Usuarios Totais",
]
TRIPS = [
    "Código Ruta",
    "Código Expedición",
    "Sentido",
    "Hora Chegada",
    "Hora Saída",
    "Frecuencia Semanal",
]


def contract_workbook(path: Path, trips: list[dict[str, Any]], bad_rows: bool = False) -> Path:
    """A contract workbook with one route per trip of a problem (stops in entry order).

    With `bad_rows`, two trip rows a planner could plausibly get wrong are added: a day code
    that does not exist and an arrival time past midnight; the import rejects both.
    """
    routes, stops, expeditions = [ROUTES], [STOPS], [TRIPS]
    for n, trip in enumerate(trips, start=1):
        code = f"R{n:03d}"
        school = trip.get("school") or {"id": "S", "name": "School"}
        contract = trip.get("contract", "C1")
        routes.append([code, school["id"], school["name"], trip["id"], contract, _seats(trip)])
        ordered = trip["stops"] if trip["kind"] == "entry" else _as_entry(trip["stops"])
        # The example counts pupils only where they board; an exit's go home at the same stops.
        riders = [s.get("boarding", 0) for s in ordered[:-1]]
        if not any(riders):
            riders = [trip.get("seats", 0) // len(riders)] * len(riders)
        for order, stop in enumerate(ordered, start=1):
            pupils = riders[order - 1] if order < len(ordered) else 0
            stops.append(
                [code, order, stop["name"], stop["lat"], stop["lon"], stop["offset_min"], pupils]
            )
        hour, minute = (int(x) for x in trip["time"].split(":"))
        time = dt.time(hour, minute)
        entry = trip["kind"] == "entry"
        expeditions.append(
            [
                code,
                "01",
                "Entrada" if entry else "Saída",
                time if entry else None,
                None if entry else time,
                "".join(trip.get("days", ["L", "M", "Mc", "X", "V"])),
            ]
        )
    if bad_rows:
        expeditions.append(["R001", "02", "Entrada", dt.time(9, 0), None, "LMJV"])
        expeditions.append(["R002", "02", "Entrada", "25:10", None, "LMMcXV"])
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in (
        ("I. Rutas", routes),
        ("II. Paradas", stops),
        ("III. Expedicións", expeditions),
    ):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, dt.time):
                    cell.number_format = "hh:mm"
    book.save(path)
    return path


def _as_entry(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An exit's stops (school first) listed as the entry would drive them."""
    total = stops[-1]["offset_min"]
    return [{**s, "offset_min": total - s["offset_min"]} for s in reversed(stops)]


def _seats(trip: dict[str, Any]) -> str | None:
    low, high = trip.get("vehicle_seats") or [None, None]
    if low is not None and high is not None:
        return f"{low}-{high}"
    if low is not None:
        return f">{low - 1}"
    if high is not None:
        return f"<{high + 1}"
    return None


def example_trips(count: int | None = None) -> list[dict[str, Any]]:
    trips: list[dict[str, Any]] = json.loads(EXAMPLE.read_text())["trips"]
    return trips if count is None else trips[:count]
