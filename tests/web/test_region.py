"""A whole region's plan in the browser: 2,500 buses a day over five days. The Gantt keeps only
the rows near the view in the page, scrolls to the last bus, and finds a bus by its id; the map
draws the chosen bus alone; the jobs list carries the figures without the results.

The plan is built, not solved (tests/web/region.py), and stored as a completed job. How long
the pages take is measured in benchmarks/web_bench.py, not here.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.helpers import Server
from tests.web.pages import wait_for_results
from tests.web.region import region_plan

BUSES = 2500
MAX_ROWS = 200
"""Rows the page may hold at once: the view and its margins, far fewer than the buses."""


@pytest.fixture(scope="module")
def region(server: Server) -> tuple[str, dict[str, Any], dict[str, Any]]:
    problem, result = region_plan(buses=BUSES)
    job_id = server.store_completed(str(uuid.uuid4()), problem, result)
    return job_id, problem, result


def open_results(page: Page, job_id: str) -> None:
    page.goto(f"/#/jobs/{job_id}")
    wait_for_results(page)


def rows(page: Page) -> int:
    return int(page.locator(".tl-row").count())


def row(page: Page, bus: str) -> Any:
    return page.locator(f'.tl-row[data-bus="{bus}"]')


def scroll_chart(page: Page, where: str) -> None:
    """Bring the chart into the window, then scroll inside it to `where` (of `el`)."""
    chart = page.get_by_test_id("timeline")
    chart.scroll_into_view_if_needed()
    chart.evaluate(f"el => {{ el.scrollTop = {where}; }}")


def test_gantt_holds_few_rows_and_scrolls_to_the_last_bus(
    page: Page, region: tuple[str, dict[str, Any], dict[str, Any]]
) -> None:
    """2,500 buses: the list is as tall as all of them, but fewer than 200 rows are in the
    page; scrolling to the bottom shows the last bus and drops the first."""
    job_id, _, result = region
    open_results(page, job_id)
    expect(page.locator("#timeline-title")).to_contain_text(f"{BUSES:,} buses")
    expect(row(page, "B0001")).to_be_visible()
    assert 0 < rows(page) < MAX_ROWS

    scroll_chart(page, "el.scrollHeight")
    last = result["days"]["L"]["buses"][-1]
    expect(row(page, last["id"])).to_be_in_viewport()
    expect(row(page, "B0001")).to_have_count(0)
    assert rows(page) < MAX_ROWS
    expect(page.locator('.tl-bus[tabindex="0"]')).to_have_count(1)  # Tab still finds a bus
    bars = row(page, last["id"]).locator(".tl-trip")
    expect(bars).to_have_count(len(last["trips"]))
    titles = bars.evaluate_all("bars => bars.map(b => b.title)")
    assert [title.split(" · ")[0] for title in titles] == [t["id"] for t in last["trips"]]

    scroll_chart(page, "1250 * 24")  # rows are 24 px high
    expect(row(page, "B1255")).to_be_in_viewport()
    expect(row(page, last["id"])).to_have_count(0)
    scroll_chart(page, "1200 * 24")  # up: new rows come before those kept
    expect(row(page, "B1205")).to_be_in_viewport()
    numbers = [
        int(bus[1:])
        for bus in page.locator(".tl-row").evaluate_all("rows => rows.map(r => r.dataset.bus)")
    ]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers
    assert len(numbers) < MAX_ROWS


def test_choosing_a_bus_draws_it_alone_on_the_map(
    page: Page, region: tuple[str, dict[str, Any], dict[str, Any]]
) -> None:
    """The last bus, chosen after scrolling to it, is the only one on the map: its trips, its
    empty drives, its pull-out and pull-in, and the region's depots."""
    job_id, problem, result = region
    open_results(page, job_id)
    scroll_chart(page, "el.scrollHeight")
    bus = result["days"]["L"]["buses"][-1]
    row(page, bus["id"]).locator(".tl-bus").click()

    detail = page.get_by_test_id("bus-detail")
    expect(page.locator("#bus-title")).to_contain_text(bus["id"])
    expect(row(page, bus["id"])).to_have_class("tl-row selected")
    expect(detail.get_by_test_id("bus-trips").locator("tbody tr")).to_have_count(len(bus["trips"]))
    trips = len(bus["trips"])
    expect(detail.locator(".trip-number")).to_have_count(trips)
    expect(detail.locator(".depot-marker")).to_have_count(len(problem["depots"]))
    # A line per trip, per empty drive between trips, the pull-out and pull-in; a dot per stop.
    stops = sum(len(t["stops"]) for t in problem["trips"] if t["id"].startswith(bus["id"] + "T"))
    expect(detail.locator("path.leaflet-interactive")).to_have_count(
        trips + (trips - 1) + 2 + stops
    )


def test_a_bus_is_found_by_its_id(
    page: Page, region: tuple[str, dict[str, Any], dict[str, Any]]
) -> None:
    """Typing a bus's id scrolls the chart to it and chooses it; an unknown id says so."""
    job_id, _, _ = region
    open_results(page, job_id)
    page.get_by_label("Find a bus").fill("b1777")
    page.get_by_label("Find a bus").press("Enter")
    expect(row(page, "B1777")).to_be_in_viewport()
    expect(row(page, "B1777").locator(".tl-bus")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#bus-title")).to_contain_text("B1777")

    page.get_by_label("Find a bus").fill("B9999")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#bus-find-message")).to_have_text("There is no bus B9999 on this day.")


def test_the_keyboard_reaches_every_bus(
    page: Page, region: tuple[str, dict[str, Any], dict[str, Any]]
) -> None:
    """The buses are one Tab stop; End goes to the last bus, Up to the one before, and Enter
    chooses it, with the rows drawn as the focus moves."""
    job_id, _, result = region
    open_results(page, job_id)
    buttons = page.locator('.tl-bus[tabindex="0"]')
    expect(buttons).to_have_count(1)
    buttons.focus()
    page.keyboard.press("End")
    ids = [b["id"] for b in result["days"]["L"]["buses"]]
    expect(row(page, ids[-1]).locator(".tl-bus")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(row(page, ids[-2]).locator(".tl-bus")).to_be_focused()
    expect(row(page, ids[-2])).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#bus-title")).to_contain_text(ids[-2])
    assert rows(page) < MAX_ROWS


def test_another_day_and_the_bus_over_the_week(
    page: Page, region: tuple[str, dict[str, Any], dict[str, Any]]
) -> None:
    """On Friday the first trip of every tenth bus is driven by the next bus: the chart of that
    day stays bounded, and the bus's week flags the trip that changes bus."""
    job_id, _, _ = region
    open_results(page, job_id)
    page.locator('input[name="result-day"][value="V"]').check()
    expect(page.locator("#timeline-title")).to_contain_text("Friday")
    assert rows(page) < MAX_ROWS
    row(page, "B0011").locator(".tl-bus").click()
    week = page.get_by_test_id("bus-week")
    moved = week.locator('tr[data-trip="B0011T1"]')
    expect(moved).to_contain_text("changes bus")
    expect(moved.locator("td.wk.other")).to_have_text("B0012")
    expect(week.locator("tr.moves")).to_have_count(1)


def test_jobs_list_carries_figures_not_results(
    page: Page, server: Server, region: tuple[str, dict[str, Any], dict[str, Any]]
) -> None:
    """The list answers with each completed job's figures, kilobytes for a region's job, and
    the page shows them without asking for the result."""
    job_id, _, _ = region
    answer = server.get("/jobs?limit=200")
    item = next(j for j in answer.json()["items"] if j["job_id"] == job_id)
    assert item["summary"]["buses_max"] == BUSES
    assert item["summary"]["lower_bound"] == BUSES
    assert "result" not in item and "problem" not in item
    assert len(answer.content) < 200_000

    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto("/#/jobs")
    expect(page.locator(f'tr[data-job="{job_id}"]')).to_contain_text(
        f"{BUSES:,} buses (bound {BUSES:,})"
    )
    assert not [u for u in asked if "/jobs/" in u and u.endswith(("/result", "/problem"))], asked
