"""What a planner does in the UI, as steps the tests share."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

# Records every value the progress bar shows, from before the page's own scripts run.
WATCH_PROGRESS = """
window.__progressSeen = [];
new MutationObserver(() => {
  const bar = document.querySelector('[role=progressbar]');
  if (!bar) return;
  const value = bar.getAttribute('aria-valuenow');
  const seen = window.__progressSeen;
  if (value !== null && seen[seen.length - 1] !== value) seen.push(value);
}).observe(document, {subtree: true, attributes: true, childList: true});
"""


def upload(page: Page, *files: Path) -> None:
    """Open New optimization and pick the files, as with the file chooser."""
    page.goto("/#/new")
    page.set_input_files("#files", [str(f) for f in files])


def run(page: Page, time_limit: float) -> str:
    """Set the time limit, press Run, and return the new job's id from the address."""
    page.fill("#time-limit", str(time_limit))
    page.get_by_role("button", name="Run optimization").click()
    page.wait_for_url("**/#/jobs/*")
    return page.url.rsplit("/", 1)[-1]


def wait_for_results(page: Page, timeout: float = 60_000) -> None:
    expect(page.get_by_test_id("timeline")).to_be_visible(timeout=timeout)


def find_bus(page: Page, bus_id: str) -> None:
    """Choose a bus by its id in *Find a bus*: the chart holds only the rows near its view,
    so a bus far down a long day has no row to click until the chart scrolls to it."""
    page.get_by_test_id("bus-find").fill(bus_id)
    page.get_by_test_id("bus-find").press("Enter")
    expect(page.locator(f'.tl-row[data-bus="{bus_id}"] .tl-bus')).to_have_attribute(
        "aria-pressed", "true"
    )


def expect_buses(page: Page, count: int) -> None:
    """The chart is of `count` buses (each row says how many there are in all)."""
    expect(page.locator(".tl-row").first).to_have_attribute("aria-setsize", str(count))
