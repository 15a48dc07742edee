"""The UI is served next to the API without hiding any of it."""

from __future__ import annotations

import httpx

from tests.service.harness import make_problem as generated_problem
from tests.web.helpers import Server


def test_page_and_files_are_served(server: Server) -> None:
    """`/` is the page; its scripts, styles and the map library come from `/web/`."""
    page = server.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/web/js/main.js">' in page.text
    for path, kind in (
        ("/web/js/main.js", "javascript"),
        ("/web/css/app.css", "text/css"),
        ("/web/vendor/leaflet/leaflet.js", "javascript"),
    ):
        response = server.get(path)
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"], path


def test_unknown_paths_keep_the_api_errors(server: Server) -> None:
    """An unknown API path is still a problem+json 404, not a page."""
    response = server.get("/no/such/endpoint")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert server.get("/web/js/missing.js").status_code == 404


def test_a_job_gives_back_its_problem(server: Server) -> None:
    """The trips behind a result, for the map, whoever submitted the job."""
    problem = generated_problem(5)
    accepted = httpx.post(
        f"{server.url}/optimize-async", json={"problem": problem, "time_limit": 1}, timeout=30
    ).json()
    assert server.get(f"/jobs/{accepted['job_id']}/problem").json()["trips"] == problem["trips"]
    missing = server.get("/jobs/00000000-0000-0000-0000-000000000000/problem")
    assert missing.status_code == 404
    assert missing.json()["code"] == "JOB_NOT_FOUND"
