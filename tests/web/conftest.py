"""Fixtures: one real server for the folder, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.web.helpers import Server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("web-server")).start()
    yield running
    running.stop()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Package scope: Playwright's sync API keeps an event loop running in this thread while
    it is open, so it must stop before tests outside `tests/web` call `asyncio.run`."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    yield browser
    browser.close()


def new_context(browser: Browser, server: Server, **options: object) -> BrowserContext:
    """A browser context that reaches only the test server: map tiles and anything else from
    outside are refused inside the browser, so the page is tested as it works offline."""
    context = browser.new_context(base_url=server.url, accept_downloads=True, **options)  # type: ignore[arg-type]
    local = re.escape(server.url)
    context.route(re.compile(rf"^(?!{local}(/|$))"), lambda route: route.abort())
    return context


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = new_context(browser, server, viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
