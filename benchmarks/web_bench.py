"""Web UI benchmark: a whole region's plans in the jobs list and the results page.

Run on demand (not in CI):

    .venv/bin/python benchmarks/web_bench.py                      # this checkout
    .venv/bin/python benchmarks/web_bench.py --before /tmp/old    # and an older one beside it

It builds `--jobs` completed jobs of a region's week (tests/web/region.py: `--buses` buses a
day, four trips each, five days; built, not solved) into one SQLite database, then for each
checkout starts `busplan serve` on a copy of it and measures, in Debian's Chromium driven by
Playwright:

1. the API: `GET /jobs?limit=20`, `/jobs/{id}`, `/jobs/{id}/result`, `/jobs/{id}/problem`
   (median of `--repeat`, from a client on the same machine);
2. the jobs list: from opening `#/jobs` in a new page (the browser's navigation start, by
   its own clock) to the first frame with every row's figures shown;
3. the results: the same for `#/jobs/{id}`, to the Gantt and the figures shown;
4. scrolling the Gantt: 300 animation frames scrolling 120 px each (1,500 rows), the time
   between frames (median, 95th percentile, longest) and the most rows in the page;
5. choosing a bus: from the click to its trips drawn on the map.

`--before DIR` runs the same on another checkout (`git archive <commit> | tar -x -C DIR`) so
that both are measured on one machine in one run. Each run is written at the top of
benchmarks/results-web.md, under its introduction.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from busplan.store import make_engine, session_factory, upgrade
from busplan.store import repository as repo
from busplan.store.states import JobState
from tests.service.harness import Server
from tests.web.conftest import ARGS, CHROMIUM
from tests.web.region import region_plan

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results-web.md"

# Scrolls the chart one step per animation frame and records the time between frames.
SCROLL = """async (chart) => {
  chart.scrollIntoView();
  const gaps = [];
  let most = 0;
  let last = performance.now();
  for (let n = 0; n < 300; n += 1) {
    chart.scrollTop += 120;
    await new Promise((done) => requestAnimationFrame(done));
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    most = Math.max(most, chart.querySelectorAll('.tl-row').length);
  }
  return { gaps, most };
}"""


def build_database(path: Path, jobs: int, buses: int) -> list[str]:
    """`jobs` completed region jobs, oldest first; their ids, newest first."""
    problem, result = region_plan(buses=buses)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    ids = []
    sessions = session_factory(engine)
    for n in range(jobs):
        job_id = str(uuid.uuid4())
        at = datetime(2026, 11, 30, 8, tzinfo=UTC) + timedelta(minutes=n)
        with sessions.begin() as session:
            repo.create_job(
                session=session,
                job_id=job_id,
                problem=problem,
                params={"time_limit": 600},
                trips=len(problem["trips"]),
                name=f"region-{n + 1}",
                now=at,
            )
            repo.transition(session=session, job_id=job_id, to=JobState.RUNNING, now=at)
            repo.transition(
                session=session, job_id=job_id, to=JobState.COMPLETED, now=at, result=result
            )
        ids.append(job_id)
    engine.dispose()
    return ids[::-1]


def timed(action: Callable[[], object], repeat: int) -> float:
    """Median seconds of `repeat` runs of `action`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_of(action: Callable[[], float], repeat: int) -> float:
    """Median of the seconds `action` reports, over `repeat` runs."""
    return statistics.median(action() for _ in range(repeat))


def api_times(url: str, job_id: str, repeat: int) -> dict[str, float]:
    out = {}
    with httpx.Client(base_url=url, timeout=300) as client:
        for name, path in (
            ("GET /jobs?limit=20", "/jobs?limit=20"),
            ("GET /jobs/{id}", f"/jobs/{job_id}"),
            ("GET /jobs/{id}/result", f"/jobs/{job_id}/result"),
            ("GET /jobs/{id}/problem", f"/jobs/{job_id}/problem"),
        ):
            out[name] = timed(lambda p=path: client.get(p).raise_for_status(), repeat)
    return out


# Seconds from the page's navigation start, by the browser's own clock, to the first frame
# in which the condition holds (checked once per animation frame).
SHOWN_AT = "(shown) => shown() ? performance.now() / 1000 : false"


def open_jobs(page: Page, rows: int) -> float:
    page.goto("/#/jobs", wait_until="commit")
    handle = page.wait_for_function(
        f"""n => ({SHOWN_AT})(() => document.querySelectorAll('tr[data-job]').length === n
          && ![...document.querySelectorAll('.figures-cell')]
               .some((c) => c.textContent.trim() === '…'))""",
        arg=rows,
        timeout=300_000,
    )
    return float(handle.json_value())


def open_results(page: Page, job_id: str) -> float:
    page.goto(f"/#/jobs/{job_id}", wait_until="commit")
    handle = page.wait_for_function(
        f"""() => ({SHOWN_AT})(() => document.querySelector('.tl-row')
          && document.querySelector('[data-testid=figure-buses]'))""",
        timeout=300_000,
    )
    return float(handle.json_value())


def browser_times(url: str, job_id: str, jobs: int, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
        context.route("**/tile.openstreetmap.org/**", lambda route: route.abort())

        def fresh(action: Callable[[Page], float]) -> Callable[[], float]:
            def run() -> float:
                page = context.new_page()
                try:
                    return action(page)
                finally:
                    page.close()

            return run

        rows = min(20, jobs)
        out["jobs list shown"] = median_of(fresh(lambda pg: open_jobs(pg, rows)), repeat)
        out["results shown"] = median_of(fresh(lambda pg: open_results(pg, job_id)), repeat)
        page = context.new_page()
        open_results(page, job_id)
        scroll = page.locator("[data-testid=timeline]").evaluate(SCROLL)
        gaps = sorted(scroll["gaps"][1:])
        out["scroll frame median ms"] = statistics.median(gaps)
        out["scroll frame p95 ms"] = gaps[int(len(gaps) * 0.95)]
        out["scroll frame max ms"] = gaps[-1]
        out["rows in page (most)"] = scroll["most"]
        out["rows in page at start"] = page.locator(".tl-row").count()
        button = page.locator(".tl-row .tl-bus").last
        start = time.perf_counter()
        button.click()
        page.wait_for_selector(".bus-detail .trip-number", timeout=60_000)
        out["bus on the map"] = time.perf_counter() - start
        page.close()
        browser.close()
    return out


def measure(
    source: Path, database: Path, ids: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="busplan-web-bench-"))
    copy = folder / "busplan.db"
    shutil.copy(database, copy)
    env = {"DATABASE_URL": f"sqlite:///{copy}"}
    server = Server(env, folder / "server.log", source=source).start()
    try:
        figures = api_times(server.url, ids[0], args.repeat)
        figures |= browser_times(server.url, ids[0], len(ids), args.repeat)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def commit_of(source: Path) -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=source, capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 else source.name


def report(runs: dict[str, dict[str, Any]], args: argparse.Namespace, sizes: str) -> str:
    names = list(runs)
    rows = list(next(iter(runs.values())))
    lines = [
        f"## Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{args.jobs} completed jobs of {args.buses} buses a day, 4 trips each, 5 days "
        f"({sizes}); SQLite; {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average before {os.getloadavg()[0]:.1f}. "
        f"Times in seconds unless stated (median of {args.repeat}).",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for row in rows:
        cells = []
        for name in names:
            value = runs[name].get(row)
            cells.append(f"{value:.3f}" if isinstance(value, float) else str(value))
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--buses", type=int, default=2500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="an older checkout to measure beside")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="busplan-web-db-"))
    database = folder / "region.db"
    ids = build_database(database, args.jobs, args.buses)
    problem, result = region_plan(buses=args.buses)
    sizes = (
        f"problem {len(httpx.Response(200, json=problem).content) / 1e6:.1f} MB, "
        f"result {len(httpx.Response(200, json=result).content) / 1e6:.1f} MB as JSON"
    )
    runs: dict[str, dict[str, Any]] = {}
    if args.before:
        runs[f"before ({commit_of(args.before)})"] = measure(args.before, database, ids, args)
    runs[f"this checkout ({commit_of(ROOT)})"] = measure(ROOT, database, ids, args)
    shutil.rmtree(folder, ignore_errors=True)
    text = report(runs, args, sizes)
    sys.stdout.write(text)
    # The newest run goes first, under the file's own introduction.
    old = RESULTS.read_text() if RESULTS.exists() else "# Web UI benchmark\n\n"
    at = old.find("\n## Run")
    head, runs = (old, "") if at < 0 else (old[: at + 1], old[at + 1 :])
    RESULTS.write_text(head.rstrip("\n") + "\n\n" + text + ("\n" + runs if runs else ""))


if __name__ == "__main__":
    main()
