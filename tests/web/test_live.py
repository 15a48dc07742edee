"""Live progress: cancelling a run, and staying live through a dropped connection."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.service.harness import make_problem as generated_problem
from tests.web.conftest import new_context
from tests.web.helpers import Server, write_json
from tests.web.pages import run, upload

# Every WebSocket the page opens is kept in window.__sockets with its address; while
# window.__blockSockets is true, new ones go to a closed port, as when the network is down.
WATCH_SOCKETS = """
window.__sockets = [];
window.__seqs = [];
window.__blockSockets = false;
const RealWebSocket = window.WebSocket;
window.WebSocket = class extends RealWebSocket {
  constructor(url, protocols) {
    super(window.__blockSockets ? 'ws://127.0.0.1:9/' : url, protocols);
    window.__sockets.push({url: String(url), socket: this});
    this.addEventListener('message', (event) => {
      const seq = JSON.parse(event.data).seq;
      if (Number.isInteger(seq)) window.__seqs.push(seq);
    });
  }
};
"""


def test_cancel_asks_first_then_shows_cancelled(page: Page, server: Server, tmp_path: Path) -> None:
    """Cancel asks for confirmation; keeping the run changes nothing, confirming stops it."""
    upload(page, write_json(tmp_path / "long.json", generated_problem(600)))
    expect(page.get_by_test_id("report-summary")).to_contain_text("600 trips accepted")
    job_id = run(page, time_limit=30)
    expect(page.get_by_test_id("job-state")).to_have_text("running", timeout=20_000)

    page.get_by_test_id("cancel").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Stop this optimization?")
    dialog.get_by_role("button", name="Keep running").click()
    expect(dialog).to_be_hidden()
    assert server.get(f"/jobs/{job_id}").json()["status"] == "running"

    page.get_by_test_id("cancel").click()
    page.get_by_test_id("confirm-cancel").click()
    expect(page.get_by_test_id("job-state")).to_have_text("cancelled")
    expect(page.get_by_test_id("job-error")).to_contain_text("The optimization was cancelled.")
    expect(page.get_by_test_id("cancel")).to_be_hidden()
    assert server.wait_for(job_id, "cancelled")["status"] == "cancelled"


def test_reconnects_with_last_seq_after_a_dropped_socket(page: Page, server: Server) -> None:
    """A running job opened from the jobs list keeps its progress live across a lost socket."""
    response = httpx.post(
        f"{server.url}/optimize-async",
        json={"problem": generated_problem(600, seed=2), "time_limit": 6},
        timeout=30,
    )
    job_id = response.json()["job_id"]
    page.add_init_script(WATCH_SOCKETS)
    page.goto("/#/jobs")
    page.locator(f'tr[data-job="{job_id}"]').get_by_role("link", name="Progress").click()
    connection = page.get_by_test_id("connection")
    expect(connection).to_have_text("Live updates on.")
    expect(page.get_by_test_id("job-state")).to_have_text("running", timeout=20_000)
    # Drop the socket only once an event with a sequence number has arrived: before that the
    # client has nothing to resume from, and reconnects without last_seq by design.
    page.wait_for_function("window.__seqs.length > 0", timeout=30_000)

    page.evaluate("window.__blockSockets = true; window.__sockets.at(-1).socket.close()")
    expect(connection).to_contain_text("Offline")
    expect(page.get_by_test_id("job-state")).to_have_text("running")
    page.evaluate("window.__blockSockets = false")
    expect(connection).to_contain_text("Live again", timeout=15_000)

    urls = page.evaluate("window.__sockets.map(s => s.url)")
    assert "last_seq" not in urls[0]
    assert re.search(r"last_seq=\d+$", urls[-1]), urls
    expect(page.get_by_test_id("timeline")).to_be_visible(timeout=60_000)


def test_without_websockets_progress_is_read_over_rest(browser: Browser, tmp_path: Path) -> None:
    """A server with WebSockets turned off still takes a run from progress to results."""
    quiet = Server(tmp_path, WEBSOCKET_ENABLED="false").start()
    try:
        context = new_context(browser, quiet, viewport={"width": 1280, "height": 900})
        other = context.new_page()
        upload(other, write_json(tmp_path / "small.json", generated_problem(40)))
        run(other, time_limit=2)
        expect(other.get_by_test_id("timeline")).to_be_visible(timeout=30_000)
        context.close()
    finally:
        quiet.stop()
