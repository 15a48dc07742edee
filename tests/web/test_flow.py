"""The whole way through: upload workbooks, read the report, run, watch, read the results."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.web.helpers import Server, contract_workbook, example_trips
from tests.web.pages import WATCH_PROGRESS, expect_buses, run, upload, wait_for_results


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """24 trips of the example in a contract workbook, plus two rows that must be rejected."""
    return contract_workbook(tmp_path / "UE3617.xlsx", example_trips(24), bad_rows=True)


def test_upload_report_run_results_download(page: Page, server: Server, workbook: Path) -> None:
    """From a workbook to per-bus timetables: every screen on the way shows what it should."""
    page.add_init_script(WATCH_PROGRESS)
    upload(page, workbook)

    summary = page.get_by_test_id("report-summary")
    expect(summary).to_contain_text("24 trips accepted from 1 file")
    expect(summary).to_contain_text("2 rows rejected")
    rows = page.get_by_test_id("report-rows").locator("tbody tr")
    expect(rows).to_have_count(26)
    rejected = page.get_by_test_id("report-rows").locator("tr.rejected")
    expect(rejected.nth(0)).to_contain_text("unknown day code")
    expect(rejected.nth(1)).to_contain_text("is not a time of day")
    page.select_option("#report-filter", "rejected")
    expect(rows).to_have_count(2)

    job_id = run(page, time_limit=3)
    wait_for_results(page)

    seen = [float(v) for v in page.evaluate("window.__progressSeen")]
    assert len(set(seen)) >= 2 and seen[-1] == 100, seen
    result = server.get(f"/jobs/{job_id}/result").json()["result"]
    first_day = next(d for d in ("L", "M", "Mc", "X", "V") if d in result["days"])
    buses = result["days"][first_day]["buses"]
    expect_buses(page, len(buses))
    expect(page.get_by_test_id("figure-buses")).to_contain_text(
        str(result["days"][first_day]["stats"]["buses"])
    )
    assert isinstance(result["days"][first_day]["stats"]["deadhead_lower_bound_min"], int | float)
    expect(page.get_by_test_id("figure-deadhead")).to_contain_text("proven minimum for this fleet")

    with page.expect_download() as pdf:
        page.get_by_test_id("download-pdf").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as xlsx:
        page.get_by_test_id("download-xlsx").click()
    assert Path(xlsx.value.path()).read_bytes().startswith(b"PK")
    with page.expect_download() as solution:
        page.get_by_test_id("download-json").click()
    assert b'"days"' in Path(solution.value.path()).read_bytes()


def test_bus_on_map_and_in_table(page: Page, server: Server, workbook: Path) -> None:
    """Choosing a bus lists its trips in order and draws them, with no map tiles at hand."""
    upload(page, workbook)
    job_id = run(page, time_limit=3)
    wait_for_results(page)
    result = server.get(f"/jobs/{job_id}/result").json()["result"]
    day = next(d for d in ("L", "M", "Mc", "X", "V") if d in result["days"])
    bus = max(result["days"][day]["buses"], key=lambda b: len(b["trips"]))

    page.locator(f'.tl-row[data-bus="{bus["id"]}"] .tl-bus').click()
    table = page.get_by_test_id("bus-trips")
    expect(table.locator("tbody tr")).to_have_count(len(bus["trips"]))
    for n, trip in enumerate(bus["trips"]):
        expect(table.locator("tbody tr").nth(n)).to_contain_text(trip["id"])
    lines = page.get_by_test_id("bus-map").locator("path.leaflet-interactive")
    expect(lines.first).to_be_visible()
    assert lines.count() >= len(bus["trips"])
    expect(page.locator(".map-note")).to_contain_text("plain background")


def test_jobs_list_reopens_results(page: Page, server: Server, workbook: Path) -> None:
    """A finished job found in the list opens on its results, figures included."""
    upload(page, workbook)
    job_id = run(page, time_limit=3)
    wait_for_results(page)

    page.get_by_role("link", name="Jobs", exact=True).click()
    row = page.locator(f'tr[data-job="{job_id}"]')
    expect(row).to_contain_text("completed")
    expect(row).to_contain_text("buses")
    row.get_by_role("link", name="Results").click()
    wait_for_results(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("UE3617")


def test_results_work_from_the_keyboard(page: Page, server: Server, workbook: Path) -> None:
    """Days are radio buttons and buses are buttons: arrows and Enter are enough."""
    upload(page, workbook)
    page.locator("#files").focus()
    expect(page.locator(".dropzone")).to_have_css("outline-style", "solid")
    run(page, time_limit=3)
    wait_for_results(page)

    first_day = page.locator('input[name="result-day"]').first
    first_day.focus()
    page.keyboard.press("ArrowRight")
    second = page.locator('input[name="result-day"]').nth(1)
    expect(second).to_be_checked()
    day_name = second.locator("xpath=..").inner_text().split(" (")[0]
    expect(page.locator("#timeline-title")).to_contain_text(day_name)

    page.locator(".tl-bus").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("bus-detail")).to_be_visible()
    expect(page.locator("#bus-title")).to_be_focused()
