"""The UI in Galician, Spanish and English: every screen in each language, with no catalogue
key missing and no English left on a Galician or Spanish page.

Screenshots of the Galician screens go where test_screens puts its pictures (a temporary
folder, or BUSPLAN_SCREENSHOTS).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from busplan.i18n import LANGS, catalogue
from tests.service.harness import make_problem as generated_problem
from tests.web.conftest import new_context
from tests.web.helpers import ROOT, Server, contract_workbook, example_trips, write_json
from tests.web.pages import upload, wait_for_results

SHOT_LANGS = set(os.environ.get("BUSPLAN_SCREENSHOT_LANGS", "gl").split(","))
"""Languages whose screens are kept as pictures (Galician for the documentation)."""
BROWSER_LOCALE = {"gl": "gl-ES", "es": "es-ES", "en": "en-GB"}
WORD = re.compile(r"[^\W\d_]{3,}")

# The page's text as a person meets it: visible text, and the labels and tooltips that screen
# readers and the mouse show; minus the parts marked as being in another language (the
# switcher's language names, the server's own English detail folded away for support).
PAGE_TEXT = """
(() => {
  const lang = document.documentElement.lang;
  const foreign = (el) => { const l = el.closest('[lang]'); return l && l.lang !== lang; };
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || foreign(el) || el.closest('script, style, noscript')) continue;
    if (!el.checkVisibility() && !el.closest('.visually-hidden, [aria-live]')) continue;
    parts.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
    if (foreign(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder']) {
      if (el.hasAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  return parts.join('\\n');
})()
"""


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def _catalogue_words(lang: str) -> set[str]:
    words: set[str] = set()
    for value in catalogue(lang).values():
        for text in value.values() if isinstance(value, dict) else [value]:
            words |= _words(text)
    return words


def english_words(lang: str, data: str) -> set[str]:
    """Words the English catalogue uses and the `lang` one never does, nor the uploaded data
    (school and stop names, file names): on a `lang` page, such a word is English left over."""
    return _catalogue_words("en") - _catalogue_words(lang) - _words(data)


class Screens:
    """Checks each screen of one language as the test walks through them."""

    def __init__(self, page: Page, lang: str, data: str, shots: Path | None) -> None:
        self.page, self.lang, self.shots = page, lang, shots
        self.english = english_words(lang, data) if lang != "en" else set()

    def check(self, screen: str) -> None:
        missing = self.page.evaluate("[...window.busplanMissingKeys]")
        assert not missing, f"{self.lang} {screen}: keys missing from the catalogue: {missing}"
        assert self.page.evaluate("document.documentElement.lang") == self.lang
        text = self.page.evaluate(PAGE_TEXT)
        left = sorted(_words(text) & self.english)
        assert not left, f"{self.lang} {screen}: English words on the page: {left}\n{text}"
        if self.shots:
            self.page.mouse.move(0, 0)
            self.page.screenshot(path=self.shots / f"{self.lang}-{screen}.png")


@pytest.fixture
def shots_dir(tmp_path: Path) -> Path:
    folder = os.environ.get("BUSPLAN_SCREENSHOTS")
    target = (ROOT / folder) if folder else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.mark.parametrize("lang", LANGS)
def test_every_screen_in_the_browsers_language(
    browser: Browser, server: Server, tmp_path: Path, shots_dir: Path, lang: str
) -> None:
    """Upload and report, run, results, one bus, jobs: all in the browser's language."""
    context = new_context(
        browser, server, viewport={"width": 1280, "height": 1000}, locale=BROWSER_LOCALE[lang]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    trips = example_trips(24)
    book = contract_workbook(tmp_path / "UE3617.xlsx", trips, bad_rows=True)
    screens = Screens(
        page, lang, json.dumps(trips) + " UE3617", shots_dir if lang in SHOT_LANGS else None
    )
    try:
        upload(page, book)
        expect(page.get_by_test_id("report-rows").locator("tr.rejected")).to_have_count(2)
        page.select_option("#report-filter", "all")
        screens.check("upload-report")

        page.fill("#time-limit", "3")
        page.locator("form.settings button[type=submit]").click()
        page.wait_for_url("**/#/jobs/*")
        wait_for_results(page)
        expect(page.get_by_test_id("figure-buses")).to_be_visible()
        screens.check("results-timeline")

        page.locator(".tl-row").first.locator(".tl-bus").click()
        expect(page.get_by_test_id("bus-detail").locator(".map-note")).not_to_be_empty()
        page.get_by_test_id("bus-detail").scroll_into_view_if_needed()
        page.wait_for_timeout(600)  # the map's fit-to-bounds animation
        screens.check("bus-map-table")

        formats = page.evaluate(
            "import('/web/js/format.js').then(f => [f.formatNumber(1.5),"
            " f.formatClock(14 * 60 + 5), f.formatDateTime('2026-11-30T09:58:00Z'),"
            " f.formatMinutes(727)])"
        )
        assert formats[0] == ("1.5" if lang == "en" else "1,5")
        assert formats[1] == "14:05" and formats[3] == "12 h 07 min"
        assert "2026" in formats[2] and not re.search(r"M\d|AM|PM", formats[2]), formats

        page.locator('[data-nav="jobs"]').click()
        expect(page.locator(".figures-cell", has_text="…")).to_have_count(0)
        screens.check("jobs")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["gl", "es"])
def test_progress_and_cancel_in_the_browsers_language(
    browser: Browser, server: Server, tmp_path: Path, shots_dir: Path, lang: str
) -> None:
    """The live progress, the question before cancelling, and the cancelled state."""
    context = new_context(
        browser, server, viewport={"width": 1280, "height": 900}, locale=BROWSER_LOCALE[lang]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    problem = generated_problem(600)
    screens = Screens(page, lang, json.dumps(problem), shots_dir if lang in SHOT_LANGS else None)
    try:
        upload(page, write_json(tmp_path / "long.json", problem))
        expect(page.get_by_test_id("report-summary")).to_contain_text("600")
        page.add_style_tag(content=".bar .fill { transition: none !important; }")
        page.fill("#time-limit", "30")
        page.locator("form.settings button[type=submit]").click()
        page.wait_for_function(
            "Number(document.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow'))"
            " >= 15",
            polling=100,
        )
        screens.check("progress")
        page.get_by_test_id("cancel").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        screens.check("cancel-question")
        page.get_by_test_id("confirm-cancel").click()
        expect(page.get_by_test_id("job-error")).to_be_visible()
        screens.check("cancelled")
    finally:
        context.close()


def test_switcher_changes_the_language_and_remembers_it(page: Page, server: Server) -> None:
    """An English browser, a Galician choice: the page turns Galician and stays so."""
    page.goto("/#/new")
    expect(page.locator("h1")).to_have_text("New optimization")
    page.select_option("#lang-select", "gl")
    expect(page.locator("h1")).to_have_text("Nova optimización")
    assert page.evaluate("document.documentElement.lang") == "gl"
    page.reload()
    expect(page.locator("h1")).to_have_text("Nova optimización")
    page.select_option("#lang-select", "es")
    expect(page.locator("h1")).to_have_text("Nueva optimización")
    expect(page.get_by_label("Idioma")).to_have_value("es")


def test_downloads_are_in_the_pages_language(browser: Browser, server: Server) -> None:
    """The PDF and Excel links carry the page's language to the server."""
    context = new_context(browser, server, locale="es-ES")
    try:
        page = context.new_page()
        accepted = page.request.post(
            f"{server.url}/optimize-async",
            data={"problem": generated_problem(12), "time_limit": 1},
        ).json()
        server.wait_for(accepted["job_id"], "completed")
        page.goto(f"/#/jobs/{accepted['job_id']}")
        wait_for_results(page)
        href = page.get_by_test_id("download-pdf").get_attribute("href")
        assert href and href.endswith("export.pdf?lang=es")
        assert page.request.get(href).body().startswith(b"%PDF")
        assert page.get_by_test_id("download-xlsx").get_attribute("href").endswith("?lang=es")
    finally:
        context.close()
