"""Importing route lists and workbooks, and exporting a completed job as PDF and XLSX."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.service.harness import LONG, SMALL, Server


def route(route_id: str, kind: str, time: str) -> dict[str, Any]:
    """One route of the original system's route-list JSON."""
    when = "arrival_time" if kind == "entry" else "departure_time"
    return {
        "id": route_id,
        "type": kind,
        when: time,
        "stops": [
            {
                "lat": 42.20,
                "lon": -8.70,
                "order": 1,
                "time_from_start": 0,
                "passengers": 12,
                "is_school": kind == "exit",
            },
            {
                "lat": 42.22,
                "lon": -8.72,
                "order": 2,
                "time_from_start": 20,
                "passengers": 0,
                "is_school": kind == "entry",
            },
        ],
        "capacity_needed": 12,
        "school_id": "S1",
        "school_name": "CEIP Exemplo",
        "contract_id": "C1",
        "days": ["L"],
    }


def test_import_route_list_returns_problem_and_report(server: Server) -> None:
    """An uploaded route list becomes a problem document plus its parse report."""
    routes = {"routes": [route("R1", "entry", "08:30"), route("R2", "exit", "14:00")]}
    with server.client() as c:
        r = c.post(
            "/problems/import",
            files=[("files", ("routes.json", json.dumps(routes).encode(), "application/json"))],
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert sorted(t["id"] for t in body["problem"]["trips"]) == ["R1", "R2"]
    assert body["report"]["ok"] is True and body["report"]["totals"]["trips"] == 2
    with server.client() as c:
        again = c.post("/optimize-async", json={"problem": body["problem"], "time_limit": 2})
    assert again.status_code == 202
    server.wait_for(again.json()["job_id"], "completed")


def test_import_of_unreadable_or_unsupported_files_is_refused(server: Server) -> None:
    """A broken file is 422 IMPORT_FAILED with its reason; other file types are 415."""
    with server.client() as c:
        broken = c.post(
            "/problems/import", files=[("files", ("routes.json", b"{oops", "application/json"))]
        )
        other = c.post("/problems/import", files=[("files", ("notes.txt", b"hi", "text/plain"))])
    assert broken.status_code == 422 and broken.json()["code"] == "IMPORT_FAILED"
    assert broken.json()["errors"][0]["path"] == "files[0]"
    assert other.status_code == 415 and other.json()["code"] == "UNSUPPORTED_FILE"


def test_completed_job_exports_pdf_and_xlsx(server: Server) -> None:
    """A completed job downloads as a readable PDF and a workbook with one sheet per day."""
    job_id = server.submit(SMALL)["job_id"]
    server.wait_for(job_id, "completed")
    with server.client() as c:
        pdf = c.get(f"/jobs/{job_id}/export.pdf")
        xlsx = c.get(f"/jobs/{job_id}/export.xlsx")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) >= 2
    assert xlsx.status_code == 200
    assert "Summary" in load_workbook(io.BytesIO(xlsx.content)).sheetnames


def test_export_of_unfinished_or_unknown_job_is_refused(server: Server) -> None:
    """Exports are 409 before completion and 404 for an unknown job."""
    job_id = server.submit(LONG)["job_id"]
    try:
        with server.client() as c:
            early = c.get(f"/jobs/{job_id}/export.pdf")
            unknown = c.get("/jobs/nope/export.xlsx")
    finally:
        server.cancel(job_id)
    assert early.status_code == 409 and early.json()["code"] == "RESULT_NOT_READY"
    assert unknown.status_code == 404
