"""Uploads that cannot be used, and settings that are not valid, are stopped in the page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.service.harness import make_problem as generated_problem
from tests.web.helpers import Server, write_json
from tests.web.pages import upload


def test_rejected_upload_says_why_and_runs_nothing(
    page: Page, server: Server, tmp_path: Path
) -> None:
    """A file that is not a workbook is refused, naming the file, and Run stays disabled."""
    broken = tmp_path / "UE9999.xlsx"
    broken.write_bytes(b"this is not a workbook")
    upload(page, broken)
    error = page.get_by_test_id("import-error")
    expect(error).to_contain_text("The files could not be imported.")
    expect(error).to_contain_text("UE9999.xlsx")
    expect(page.get_by_role("button", name="Run optimization")).to_be_disabled()


def test_unsupported_file_kind(page: Page, server: Server, tmp_path: Path) -> None:
    """A CSV is not sent at all: the page says which files it takes."""
    csv = tmp_path / "routes.csv"
    csv.write_text("route,time\nR1,08:00\n")
    upload(page, csv)
    expect(page.get_by_test_id("import-error")).to_contain_text(".xlsx workbooks or .json")


def test_settings_are_checked_before_running(page: Page, server: Server, tmp_path: Path) -> None:
    """A window whose latest is before its earliest, or no day at all, is explained in place."""
    upload(page, write_json(tmp_path / "small.json", generated_problem(10)))
    expect(page.get_by_test_id("report-summary")).to_contain_text("10 trips accepted")
    page.fill("#entry-earliest", "10")
    page.fill("#entry-latest", "-10")
    page.fill("#time-limit", "0")
    page.get_by_label("Monday").uncheck()
    page.get_by_role("button", name="Run optimization").click()

    expect(page.locator("#entry-latest-error")).to_have_text("Latest must not be before earliest.")
    expect(page.locator("#time-limit-error")).to_have_text("Enter 1 to 3600 seconds.")
    expect(page.locator("#days-error")).to_have_text("Choose at least one day.")
    expect(page.locator("#entry-latest")).to_be_focused()
    assert "#/new" in page.url
