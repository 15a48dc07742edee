"""Every screen on the 230-trip example, at desktop and tablet width.

The pictures go to a temporary folder, or to the folder named by BUSPLAN_SCREENSHOTS
(`BUSPLAN_SCREENSHOTS=docs/screenshots pytest tests/web` refreshes the documentation's).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import new_context
from tests.web.helpers import ROOT, Server, contract_workbook, example_trips
from tests.web.pages import expect_buses, find_bus, run, upload, wait_for_results


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = os.environ.get("BUSPLAN_SCREENSHOTS")
    target = (ROOT / folder) if folder else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    return target


def fits_width(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def busiest_bus(day: dict[str, Any]) -> str:
    """The bus with the most empty drives and moved bells: the one worth a picture."""

    def weight(bus: dict[str, Any]) -> tuple[int, int]:
        moves = sum(1 for t in bus["trips"] if t["deadhead_min"] or t["shift_min"])
        return moves, len(bus["trips"])

    return str(max(day["buses"], key=weight)["id"])


def test_every_screen_on_the_example(
    page: Page, browser: Browser, server: Server, tmp_path: Path, shots: Path
) -> None:
    """Upload and report, progress, timeline, one bus, jobs: complete and within the width."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    book = contract_workbook(tmp_path / "UE3617.xlsx", example_trips(), bad_rows=True)
    upload(page, book)
    expect(page.get_by_test_id("report-summary")).to_contain_text("230 trips accepted")
    page.select_option("#report-filter", "all")
    assert fits_width(page)
    page.mouse.move(0, 0)
    page.screenshot(path=shots / "upload-report.png")

    # The picture shows the bar at the value it reports, not half-way through its animation.
    page.add_style_tag(content=".bar .fill { transition: none !important; }")
    job_id = run(page, time_limit=20)
    page.wait_for_function(
        "(() => { const b = document.querySelector('[role=progressbar]');"
        " const v = b && Number(b.getAttribute('aria-valuenow'));"
        " const e = document.querySelector('[data-testid=elapsed]');"
        " return v >= 35 && v < 100 && e.textContent !== '0:00'; })()",
        polling=50,
    )
    page.screenshot(path=shots / "progress.png")

    wait_for_results(page)
    result = server.get(f"/jobs/{job_id}/result").json()["result"]
    expect_buses(page, len(result["days"]["L"]["buses"]))
    assert fits_width(page)
    page.mouse.move(0, 0)
    page.screenshot(path=shots / "results-timeline.png")

    bus = busiest_bus(result["days"]["L"])
    find_bus(page, bus)
    detail = page.get_by_test_id("bus-detail")
    expect(detail.locator("path.leaflet-interactive").first).to_be_visible()
    detail.scroll_into_view_if_needed()
    page.wait_for_timeout(600)  # the map's fit-to-bounds animation
    detail.screenshot(path=shots / "bus-map-table.png")

    page.get_by_role("link", name="Jobs", exact=True).click()
    expect(page.locator(f'tr[data-job="{job_id}"]')).to_contain_text("buses")
    expect(page.locator(".figures-cell", has_text="…")).to_have_count(0)
    page.screenshot(path=shots / "jobs.png")

    tablet = new_context(browser, server, viewport={"width": 820, "height": 1180})
    try:
        other = tablet.new_page()
        other.goto(f"/#/jobs/{job_id}")
        wait_for_results(other)
        assert fits_width(other)
        other.screenshot(path=shots / "results-tablet.png")
    finally:
        tablet.close()
