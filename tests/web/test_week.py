"""A version 2 plan in the browser: each bus's depot, vehicle and driver's day, the bus's week
day by day, the depots on the map, and the fleet's figures; in English and in Galician.

The Galician pictures go where test_screens puts its pictures (a temporary folder, or
BUSPLAN_SCREENSHOTS).
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import new_context
from tests.web.helpers import ROOT, Server
from tests.web.pages import run, upload, wait_for_results
from tests.web.test_languages import BROWSER_LOCALE, Screens

VERSION2 = ROOT / "tests" / "data" / "version2-week.json"
"""48 trips of two operators, three depots and a fleet one vehicle short on every day: some
trips are left without a bus and a few change bus during the week."""


@pytest.fixture(scope="module")
def problem() -> dict[str, Any]:
    return dict(json.loads(VERSION2.read_text()))


@pytest.fixture(scope="module")
def solved(server: Server, problem: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The problem solved once by the server, through the API, as version 2."""
    accepted = httpx.post(
        f"{server.url}/optimize-async", json={"problem": problem, "time_limit": 5}, timeout=30
    ).json()
    job = server.wait_for(accepted["job_id"], "completed", "failed", timeout=60)
    assert job["status"] == "completed", job
    result = server.get(f"/jobs/{accepted['job_id']}/result").json()["result"]
    assert result["version"] == 2
    return accepted["job_id"], result


def moving_bus(result: dict[str, Any]) -> tuple[str, set[str]]:
    """A bus with a trip that another bus drives on some day, and those trips: of such buses,
    the one with the most trips in its week (the one worth a picture)."""
    where: dict[str, dict[str, str]] = {}
    for day, plan in result["days"].items():
        for bus in plan["buses"]:
            for p in bus["trips"]:
                where.setdefault(p["id"], {})[day] = bus["id"]
    unassigned = {u["id"] for plan in result["days"].values() for u in plan.get("unassigned", [])}
    best: tuple[str, set[str]] = ("", set())
    size = 0
    for plan in result["days"].values():
        for bus in plan["buses"]:
            own = week_trips(result, bus["id"])
            moved = {t for t in own if len(set(where[t].values())) > 1 or t in unassigned}
            if moved and len(own) > size:
                best, size = (bus["id"], moved), len(own)
    assert best[0], "the example should have a trip that changes bus"
    return best


def week_trips(result: dict[str, Any], bus_id: str) -> set[str]:
    return {
        p["id"]
        for plan in result["days"].values()
        for bus in plan["buses"]
        if bus["id"] == bus_id
        for p in bus["trips"]
    }


def first_day_of(result: dict[str, Any], bus_id: str) -> tuple[str, dict[str, Any]]:
    for day in ("L", "M", "Mc", "X", "V"):
        for bus in result["days"].get(day, {}).get("buses", []):
            if bus["id"] == bus_id:
                return day, bus
    raise AssertionError(bus_id)


def open_bus(page: Page, job_id: str, result: dict[str, Any], bus_id: str) -> dict[str, Any]:
    page.goto(f"/#/jobs/{job_id}")
    wait_for_results(page)
    day, bus = first_day_of(result, bus_id)
    page.locator(f'input[name="result-day"][value="{day}"]').check()
    page.locator(f'.tl-row[data-bus="{bus_id}"] .tl-bus').click()
    expect(page.get_by_test_id("bus-detail")).to_be_visible()
    return bus


def test_version2_bus_detail_week_and_depots(
    page: Page, server: Server, problem: dict[str, Any], solved: tuple[str, dict[str, Any]]
) -> None:
    """Depot, vehicle, pull-out and pull-in, spread and driving time of the bus; its week as a
    grid with the trips that change bus flagged; every depot on the map; the fleet figures."""
    job_id, result = solved
    bus_id, moved = moving_bus(result)
    bus = open_bus(page, job_id, result, bus_id)
    depots = {d["id"]: d["name"] for d in problem["depots"]}

    expect(page.get_by_test_id("figure-stability")).to_contain_text(
        f"{round(result['stats']['stability'] * 100, 1):g} %"
    )
    expect(page.get_by_test_id("figure-pull")).to_be_visible()
    expect(page.get_by_test_id("figure-fleet")).to_contain_text(
        f"of {sum(f['count'] for f in problem['fleet'])} vehicles in the fleet"
    )
    expect(page.get_by_test_id("figure-unassigned")).to_contain_text(
        "no vehicle left in the fleet that day"
    )
    day, _ = first_day_of(result, bus_id)
    shown = result["days"][day]
    assert shown["unassigned"], "the fleet is one vehicle short on every day"
    bound = shown["stats"]["unassigned_lower_bound"]  # proven: no plan leaves fewer out
    expect(page.get_by_test_id("figure-unassigned")).to_contain_text(
        f"any plan leaves at least {bound} without a bus"
    )
    expect(page.get_by_test_id("missing").locator("li")).to_have_count(
        len(result["extra"]["missing"])
    )
    expect(page.get_by_test_id("missing")).to_contain_text("more vehicle")

    expect(page.get_by_test_id("bus-depot")).to_contain_text(depots[bus["depot"]])
    expect(page.get_by_test_id("bus-vehicle")).to_contain_text(bus["vehicle"])
    expect(page.get_by_test_id("bus-vehicle")).to_contain_text(f"{bus['seats']} seats")
    expect(page.get_by_test_id("bus-leaves")).to_contain_text(
        f"{round(bus['pull_out_min'])} min to the first trip"
    )
    expect(page.get_by_test_id("bus-returns")).to_contain_text("from the last trip")
    expect(page.get_by_test_id("bus-spread")).to_contain_text(" h ")
    expect(page.get_by_test_id("bus-drive")).to_contain_text("at the wheel")

    week = page.get_by_test_id("bus-week")
    expect(week.locator("thead th")).to_have_count(2 + len(result["days"]) + 1)
    expect(week.locator("tbody tr")).to_have_count(len(week_trips(result, bus_id)))
    flagged = week.locator("tbody tr.moves")
    expect(flagged).to_have_count(len(moved))
    for trip in moved:
        expect(week.locator(f'tr[data-trip="{trip}"]')).to_contain_text("changes bus")
    assert week.locator("td.here").count() >= len(bus["trips"])

    detail = page.get_by_test_id("bus-detail")
    markers = detail.locator(".depot-marker")
    expect(markers).to_have_count(len(problem["depots"]))
    expect(detail.locator(".depot-marker.own")).to_have_text(depots[bus["depot"]])
    expect(detail.locator("path.pull")).to_have_count(2)


def test_version2_in_galician(
    browser: Browser, server: Server, problem: dict[str, Any], solved: tuple[str, dict[str, Any]]
) -> None:
    """The same screens in Galician: no key missing, no English left; pictures of the bus's
    detail and of its week for the documentation."""
    job_id, result = solved
    folder = os.environ.get("BUSPLAN_SCREENSHOTS")
    shots = (ROOT / folder) if folder else None
    context = new_context(
        browser, server, viewport={"width": 1280, "height": 1000}, locale=BROWSER_LOCALE["gl"]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    data = json.dumps(problem) + json.dumps(result["extra"]) + " " + job_id
    screens = Screens(page, "gl", data, None)
    try:
        bus_id, _ = moving_bus(result)
        open_bus(page, job_id, result, bus_id)
        expect(page.get_by_test_id("bus-week")).to_contain_text("cambia de autobús")
        expect(page.get_by_test_id("missing")).to_contain_text("precisa")
        expect(page.get_by_test_id("bus-depot")).to_contain_text("Cocheira")
        detail = page.get_by_test_id("bus-detail")
        detail.scroll_into_view_if_needed()
        page.wait_for_timeout(600)  # the map's fit-to-bounds animation
        screens.check("version2-bus")
        if shots:
            shots.mkdir(parents=True, exist_ok=True)
            page.mouse.move(0, 0)
            page.locator(".figures").screenshot(path=shots / "gl-v2-figures.png")
            detail.locator(".bus-facts").evaluate("e => e.scrollIntoView()")
            box = detail.bounding_box()
            assert box is not None
            grid = detail.locator(".bus-grid").bounding_box()
            assert grid is not None
            page.screenshot(
                path=shots / "gl-v2-bus-detail.png",
                full_page=True,
                clip={
                    "x": box["x"],
                    "y": box["y"] + page.evaluate("window.scrollY"),
                    "width": box["width"],
                    "height": grid["y"] + grid["height"] - box["y"] + 8,
                },
            )
            page.get_by_test_id("bus-week").screenshot(path=shots / "gl-v2-bus-week.png")
    finally:
        context.close()


def test_version2_problem_file_uploaded_in_the_page(page: Page, server: Server) -> None:
    """A version 2 problem file picked in the page runs as it is, depots and fleet included."""
    upload(page, VERSION2)
    expect(page.get_by_test_id("report-summary")).to_contain_text("48")
    job_id = run(page, time_limit=3)
    wait_for_results(page)
    submitted = server.get(f"/jobs/{job_id}/problem").json()
    assert submitted["version"] == 2 and len(submitted["depots"]) == 3 and submitted["fleet"]
    expect(page.get_by_test_id("figure-stability")).to_be_visible()
    page.locator(".tl-row").first.locator(".tl-bus").click()
    expect(page.get_by_test_id("bus-vehicle")).to_be_visible()
    expect(page.get_by_test_id("bus-week").locator("tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("bus-detail").locator(".depot-marker")).to_have_count(3)
