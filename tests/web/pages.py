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
