"""What if a bell moved: from a finished job's bells, move one, run the scenario, follow it, and
read both plans side by side; the links between the two; the same screens in Galician."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import new_context
from tests.web.helpers import EXAMPLE, ROOT, Server
from tests.web.pages import WATCH_PROGRESS, wait_for_results
from tests.web.test_languages import BROWSER_LOCALE, SHOT_LANGS, Screens

SCHOOLS = {"S001", "S003", "S011", "S012", "S014"}
MOVE = {"school": "S003", "kind": "entry", "time": "08:50", "move_min": -30}


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the pictures go: a temporary folder, or BUSPLAN_SCREENSHOTS (as test_screens)."""
    folder = os.environ.get("BUSPLAN_SCREENSHOTS")
    target = (ROOT / folder) if folder else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    return target


def schools_problem() -> dict[str, Any]:
    """Five schools of the bundled example on Monday and Tuesday."""
    document = json.loads(EXAMPLE.read_text())
    trips = [t | {"days": ["L", "M"]} for t in document["trips"] if t["school"]["id"] in SCHOOLS]
    return document | {"name": "five-schools", "trips": trips}


def post(server: Server, path: str, body: dict[str, Any]) -> str:
    r = httpx.post(server.url + path, json=body, timeout=30)
    assert r.status_code == 202, r.text
    job_id = str(r.json()["job_id"])
    assert server.wait_for(job_id, "completed", "failed", timeout=60)["status"] == "completed"
    return job_id


def new_work(before: dict[str, Any], after: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Buses of `after` whose trips no bus of `before` drives, and buses of `before` whose trips
    no bus of `after` drives (whatever their numbers)."""

    def lists(plan: dict[str, Any]) -> dict[tuple[str, ...], str]:
        return {tuple(t["id"] for t in b["trips"]): b["id"] for b in plan["buses"]}

    a, b = lists(before), lists(after)
    return {bus for trips, bus in b.items() if trips not in a}, {
        bus for trips, bus in a.items() if trips not in b
    }


def test_move_a_bell_run_the_scenario_and_compare(page: Page, server: Server, shots: Path) -> None:
    """A planner moves S003's 08:50 entries half an hour earlier, runs the scenario, watches it,
    and reads both plans' buses and empty driving per day, the moved bell and the buses that
    change, as the server has them; the scenario and its parent link to each other."""
    parent_id = post(server, "/optimize-async", {"problem": schools_problem(), "time_limit": 3})
    page.add_init_script(WATCH_PROGRESS)
    page.goto(f"/#/jobs/{parent_id}")
    wait_for_results(page)
    page.get_by_test_id("open-bells").click()
    page.wait_for_url(f"**/#/jobs/{parent_id}/bells")

    bells = server.get(f"/jobs/{parent_id}/bells").json()["bells"]
    expect(page.get_by_test_id("bells").locator("tbody tr")).to_have_count(len(bells))
    run = page.get_by_test_id("run-scenario")
    expect(run).to_be_disabled()
    page.get_by_label("Move of S003 Entry 08:50").select_option("-30")
    row = page.locator('tr[data-bell="S003 entry 08:50"]')
    expect(row.locator(".new-time")).to_have_text("08:20")
    expect(page.get_by_test_id("moved-count")).to_have_text("1 bell moved.")
    page.fill("#scenario-time-limit", "3")
    row.scroll_into_view_if_needed()
    page.screenshot(path=shots / "bells.png")
    run.click()

    page.wait_for_url(re.compile(rf"#/jobs/(?!{parent_id})[^/]+/bells$"))
    scenario_id = page.url.rsplit("/", 2)[-2]
    comparison = page.get_by_test_id("comparison")
    expect(comparison).to_be_visible(timeout=60_000)
    assert "100" in page.evaluate("window.__progressSeen")  # its live progress was followed

    before = server.get(f"/jobs/{parent_id}/result").json()["result"]
    after = server.get(f"/jobs/{scenario_id}/result").json()["result"]
    assert server.get(f"/jobs/{scenario_id}").json()["derived_from"] == parent_id
    days = comparison.get_by_test_id("compare-days")
    for day, name in (("L", "Monday"), ("M", "Tuesday")):
        cells = days.locator(f'tr[data-day="{day}"] > *')
        expect(cells.nth(0)).to_have_text(name)
        expect(cells.nth(1)).to_have_text(str(before["days"][day]["stats"]["buses"]))
        expect(cells.nth(2)).to_have_text(str(after["days"][day]["stats"]["buses"]))
        buses = comparison.locator(f'.compare-buses details[data-day="{day}"]')
        buses.evaluate("d => d.open = true")
        new, gone = new_work(before["days"][day], after["days"][day])
        shown = buses.get_attribute("data-changed") or ""
        assert set(shown.split()) == new, (day, shown, new)
        assert set((buses.get_attribute("data-gone") or "").split()) <= gone
        count = buses.locator("tbody tr").count()
        assert len(new) <= count <= len(new) + len(gone)
        expect(buses.locator("summary")).to_contain_text(
            f"{count} of " if count else "every bus drives the same trips"
        )
    week = days.locator('tr[data-day="week"] > *')
    expect(week.nth(1)).to_have_text(str(before["stats"]["buses_max"]))
    expect(week.nth(2)).to_have_text(str(after["stats"]["buses_max"]))
    moved = comparison.get_by_test_id("compare-moves").locator("tbody tr")
    expect(moved).to_have_count(1)
    expect(moved).to_contain_text("S003")
    expect(moved).to_contain_text("08:50")
    expect(moved).to_contain_text("08:20")
    expect(moved).to_contain_text("\u221230 min")
    page.screenshot(path=shots / "bells-comparison.png", full_page=True)

    page.get_by_test_id("scenario-of").get_by_role("link").click()
    page.wait_for_url(f"**/#/jobs/{parent_id}/bells")
    link = page.get_by_test_id("scenarios").locator(f'a[data-job="{scenario_id}"]')
    expect(link).to_contain_text("S003 entry 08:50 → 08:20")
    page.goto(f"/#/jobs/{parent_id}")
    wait_for_results(page)
    expect(
        page.get_by_test_id("job-scenarios").locator(f'a[data-job="{scenario_id}"]')
    ).to_be_visible()
    assert not page.evaluate("[...window.busplanMissingKeys]")


def test_refused_moves_are_shown_beside_their_bell(page: Page, server: Server) -> None:
    """A move the server refuses (here a bell that is no longer in the problem) is reported
    beside that bell, and nothing runs."""
    parent_id = post(server, "/optimize-async", {"problem": schools_problem(), "time_limit": 2})
    page.goto(f"/#/jobs/{parent_id}/bells")
    page.get_by_label("Move of S003 Entry 08:50").select_option("10")
    # The page asks for a bell its table shows; the server is told of one it does not have.
    page.route(
        re.compile(r".*/scenarios$"),
        lambda route: route.continue_(
            post_data=json.dumps({"bell_moves": [MOVE | {"time": "08:55"}]})
        ),
    )
    page.get_by_test_id("run-scenario").click()
    error = page.get_by_test_id("scenario-error")
    expect(error).to_contain_text("Some bell moves are not allowed.")
    expect(error).to_contain_text("no bell S003 entry 08:55")
    expect(page.get_by_label("Move of S003 Entry 08:50")).to_have_attribute("aria-invalid", "true")
    assert page.url.endswith(f"/#/jobs/{parent_id}/bells")
    listed = server.get(f"/jobs/{parent_id}/scenarios").json()
    assert listed["total"] == 0


@pytest.mark.parametrize("lang", ["gl", "es"])
def test_bells_and_comparison_in_the_browsers_language(
    browser: Browser, server: Server, shots: Path, lang: str
) -> None:
    """The bells table and the comparison have every word in the page's language."""
    problem = schools_problem()
    parent_id = post(server, "/optimize-async", {"problem": problem, "time_limit": 2})
    scenario_id = post(server, f"/jobs/{parent_id}/scenarios", {"bell_moves": [MOVE]})
    context = new_context(
        browser, server, viewport={"width": 1280, "height": 1000}, locale=BROWSER_LOCALE[lang]
    )
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        screens = Screens(page, lang, json.dumps(problem), shots if lang in SHOT_LANGS else None)
        page.goto(f"/#/jobs/{parent_id}/bells")
        page.locator("select[data-bell]").first.select_option("5")
        expect(page.get_by_test_id("scenarios")).to_be_visible()
        screens.check("bells")
        page.goto(f"/#/jobs/{scenario_id}/bells")
        expect(page.get_by_test_id("comparison")).to_be_visible()
        page.locator(".compare-buses details").nth(1).evaluate("d => d.open = true")
        screens.check("bells-comparison")
        page.goto(f"/#/jobs/{scenario_id}")
        wait_for_results(page)
        expect(page.get_by_test_id("parent-of")).to_be_visible()
        screens.check("scenario-results")
    finally:
        context.close()
