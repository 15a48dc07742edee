"""Bell scenarios over REST: a job's bells, a what-if job with bells moved, and its refusals."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import httpx
import pytest

from busplan.core import check
from busplan.io.problem_json import parse_problem
from busplan.io.solution_json import parse_solution
from tests.security.helpers import bearer, create_key
from tests.service.harness import ROOT, Server, postgres_database

EXAMPLE = ROOT / "busplan" / "examples" / "school-day-230.json"
SCHOOLS = {"S001", "S003", "S011", "S012", "S014"}
MOVE = {"school": "S003", "kind": "entry", "time": "08:50", "move_min": -30}
"""Six entries of S003 half an hour earlier: windows that do not overlap the old ones."""


def schools_problem() -> dict[str, Any]:
    """Five schools of the bundled example (56 trips), on Monday only."""
    document = json.loads(EXAMPLE.read_text())
    trips = [t | {"days": ["L"]} for t in document["trips"] if t["school"]["id"] in SCHOOLS]
    return document | {"name": "five-schools", "trips": trips}


@pytest.fixture(scope="module")
def parent(server: Server) -> dict[str, Any]:
    """A completed job of the five schools."""
    job_id = server.submit({"problem": schools_problem(), "time_limit": 3, "seed": 4})["job_id"]
    return server.wait_for(job_id, "completed", timeout=60)


def scenario(server: Server, job_id: str, body: dict[str, Any]) -> httpx.Response:
    with server.client() as c:
        return c.post(f"/jobs/{job_id}/scenarios", json=body)


def get(server: Server, path: str) -> Any:
    with server.client() as c:
        r = c.get(path)
    assert r.status_code == 200, r.text
    return r.json()


def test_bells_of_a_job(server: Server, parent: dict[str, Any]) -> None:
    """GET /jobs/{id}/bells lists every school's bells with their trips and the default rules."""
    bells = get(server, f"/jobs/{parent['job_id']}/bells")
    assert bells["derived_from"] is None and bells["moves"] is None
    assert bells["rules"]["range_min"] == [-30, 30] and bells["rules"]["step_min"] == 5
    counted: dict[tuple[str, str, str], int] = {}
    for trip in schools_problem()["trips"]:
        key = (trip["school"]["id"], trip["kind"], trip["time"])
        counted[key] = counted.get(key, 0) + 1
    assert {(b["school"], b["kind"], b["time"]): b["trips"] for b in bells["bells"]} == counted
    assert {b["school_name"] for b in bells["bells"]} == {f"School {s}" for s in SCHOOLS}


def test_scenario_solves_the_problem_with_the_bell_moved(
    server: Server, parent: dict[str, Any]
) -> None:
    """The scenario's problem has the bell's trips at the new time and nothing else changed;
    its plan passes the checker on that problem (and the parent's plan does not)."""
    parent_id = parent["job_id"]
    r = scenario(server, parent_id, {"bell_moves": [MOVE]})
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/jobs/{r.json()['job_id']}"
    job = server.wait_for(r.json()["job_id"], "completed", timeout=60)

    assert job["derived_from"] == parent_id
    assert job["params"]["time_limit"] == 3 and job["params"]["seed"] == 4
    assert job["bell_moves"] == [
        {
            "school": "S003",
            "school_name": "School S003",
            "kind": "entry",
            "time": "08:50",
            "move_min": -30,
            "new_time": "08:20",
            "trips": 6,
        }
    ]
    before = {t["id"]: t for t in schools_problem()["trips"]}
    moved = get(server, f"/jobs/{job['job_id']}/problem")
    changed = {t["id"]: t["time"] for t in moved["trips"] if t != before[t["id"]]}
    rung = [t["id"] for t in before.values() if (t["school"]["id"], t["kind"], t["time"])
            == ("S003", "entry", "08:50")]  # fmt: skip
    assert changed == dict.fromkeys(rung, "08:20") and len(rung) == 6

    problem = parse_problem(moved)
    plan = parse_solution(get(server, f"/jobs/{job['job_id']}/result")["result"])
    assert check(problem, plan) == []
    parent_plan = parse_solution(get(server, f"/jobs/{parent_id}/result")["result"])
    assert check(problem, parent_plan) != []

    bells = get(server, f"/jobs/{job['job_id']}/bells")
    assert bells["derived_from"] == parent_id and bells["moves"] == job["bell_moves"]
    assert ("S003", "entry", "08:20") in {
        (b["school"], b["kind"], b["time"]) for b in bells["bells"]
    }
    listed = get(server, f"/jobs/{parent_id}/scenarios")
    assert job["job_id"] in [j["job_id"] for j in listed["items"]]
    assert {j["derived_from"] for j in listed["items"]} == {parent_id}


def test_scenario_takes_its_own_settings(server: Server, parent: dict[str, Any]) -> None:
    """A time limit and seed given with the moves replace the parent's."""
    body = {"bell_moves": [MOVE | {"move_min": 10}], "time_limit": 2, "seed": 9}
    r = scenario(server, parent["job_id"], body)
    assert r.status_code == 202, r.text
    job = server.wait_for(r.json()["job_id"], "completed", timeout=60)
    assert job["params"]["time_limit"] == 2 and job["params"]["seed"] == 9
    assert job["bell_moves"][0]["new_time"] == "09:00"


def test_a_repeated_scenario_request_makes_one_job(server: Server, parent: dict[str, Any]) -> None:
    """The same Idempotency-Key and moves give the same scenario; other moves with that key
    are refused."""
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"bell_moves": [MOVE | {"move_min": 5}], "time_limit": 1}
    with server.client() as c:
        first = c.post(f"/jobs/{parent['job_id']}/scenarios", json=body, headers=key)
        again = c.post(f"/jobs/{parent['job_id']}/scenarios", json=body, headers=key)
        other = c.post(
            f"/jobs/{parent['job_id']}/scenarios",
            json={**body, "bell_moves": [MOVE | {"move_min": 10}]},
            headers=key,
        )
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["job_id"] == first.json()["job_id"]
    assert other.status_code == 422 and other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    server.wait_for(first.json()["job_id"], "completed", timeout=60)


BAD_MOVES = [
    ([MOVE, MOVE | {"time": "08:55"}], "bell_moves[1]", "no bell S003 entry 08:55"),
    ([MOVE | {"move_min": 7}], "bell_moves[0]", "a move of 7 min is not allowed"),
    ([MOVE | {"move_min": -45}], "bell_moves[0]", "a move of -45 min is not allowed"),
    ([MOVE | {"kind": "lunch"}], "bell_moves[0].kind", 'must be "entry" or "exit"'),
    ([MOVE | {"time": "25:70"}], "bell_moves[0].time", "time"),
    ([{"school": "S003", "kind": "entry", "time": "08:50"}], "bell_moves[0].move_min", "minutes"),
    ([MOVE, MOVE], "bell_moves[1]", "the same bell is moved twice"),
    ("S003", "bell_moves", "list"),
]


@pytest.mark.parametrize(("moves", "path", "reason"), BAD_MOVES)
def test_bad_moves_are_refused_with_their_path(
    server: Server, parent: dict[str, Any], moves: Any, path: str, reason: str
) -> None:
    """Unknown bells, moves outside the rules and malformed moves are 422 naming the move;
    no job is made."""
    before = get(server, "/jobs?limit=1")["total"]
    r = scenario(server, parent["job_id"], {"bell_moves": moves})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] in ("INVALID_BELL_MOVES", "INVALID_REQUEST")
    assert [e["path"] for e in body["errors"]] == [path], body
    assert reason in body["errors"][0]["reason"]
    assert get(server, "/jobs?limit=1")["total"] == before


def test_rules_given_with_the_request_decide(server: Server, parent: dict[str, Any]) -> None:
    """A wider range or a finer step allows what the defaults refuse; tied and fixed schools
    are enforced, and schools the problem lacks are named."""
    wide = {"range_min": [-60, 60], "step_min": 1}
    r = scenario(server, parent["job_id"], {"bell_moves": [MOVE | {"move_min": -47}],
                                            "bell_rules": wide, "time_limit": 1})  # fmt: skip
    assert r.status_code == 202, r.text
    server.wait_for(r.json()["job_id"], "completed", timeout=60)

    refusals = [
        ({"tied": ["S003"]}, "bell_moves", "tied bells"),
        ({"fixed": ["S003"]}, "bell_moves[0]", "school S003 is fixed"),
        ({"fixed": ["S999"]}, "bell_rules", "S999"),
        ({"range_min": [-30, 30], "step_min": 7}, "bell_rules", "not a multiple of the step"),
    ]
    for rules, path, reason in refusals:
        r = scenario(server, parent["job_id"], {"bell_moves": [MOVE], "bell_rules": rules})
        assert r.status_code == 422, (rules, r.text)
        assert [(e["path"], reason in e["reason"]) for e in r.json()["errors"]] == [(path, True)]


def test_unknown_parent_is_404(server: Server) -> None:
    """A scenario of, or the bells of, a job that does not exist are 404 JOB_NOT_FOUND."""
    with server.client() as c:
        answers = [
            c.post("/jobs/nope/scenarios", json={"bell_moves": [MOVE]}),
            c.get("/jobs/nope/bells"),
            c.get("/jobs/nope/scenarios"),
        ]
    assert [(r.status_code, r.json()["code"]) for r in answers] == [(404, "JOB_NOT_FOUND")] * 3


def test_optimize_async_takes_bell_moves_and_a_parent(
    server: Server, parent: dict[str, Any]
) -> None:
    """`bell_moves` and `derived_from` on POST /optimize-async make the same kind of job; an
    unknown parent is 422 naming `derived_from`."""
    body = {"problem": schools_problem(), "time_limit": 2, "bell_moves": [MOVE]}
    accepted = server.submit(body | {"derived_from": parent["job_id"]})
    job = server.wait_for(accepted["job_id"], "completed", timeout=60)
    assert job["derived_from"] == parent["job_id"]
    assert job["bell_moves"][0]["new_time"] == "08:20"
    with server.client() as c:
        r = c.post("/optimize-async", json=body | {"derived_from": "no-such-job"})
        sync = c.post("/optimize", json=body | {"bell_moves": [MOVE | {"move_min": 3}]})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "derived_from"
    assert sync.status_code == 422 and sync.json()["errors"][0]["path"] == "bell_moves[0]"


# -- tenants -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def secure(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, dict[str, str]]]:
    """A server that requires API keys, on a database of its own, and keys of two tenants."""
    folder = tmp_path_factory.mktemp("secure-scenarios")
    with _database(database_url, folder) as url:
        env = {"DATABASE_URL": url, "AUTH_REQUIRED": "true", "WORKER_PROCESSES": "1"}
        running = Server(env, folder / "server.log").start()
        try:
            yield running, {t: create_key(url, t) for t in ("alice", "bob")}
        finally:
            running.stop()


def test_another_tenants_job_is_no_parent(secure: tuple[Server, dict[str, str]]) -> None:
    """Bob can neither read Alice's bells, derive a scenario from her job, nor name it as
    `derived_from`: each is answered as for a job that does not exist."""
    server, keys = secure
    alice, bob = bearer(keys["alice"]), bearer(keys["bob"])
    with server.client() as c:
        r = c.post("/optimize-async", json={"problem": schools_problem(), "time_limit": 1},
                   headers=alice)  # fmt: skip
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        body = {"problem": schools_problem(), "time_limit": 1, "derived_from": job_id}
        answers = [
            c.get(f"/jobs/{job_id}/bells", headers=bob),
            c.get(f"/jobs/{job_id}/scenarios", headers=bob),
            c.post(f"/jobs/{job_id}/scenarios", json={"bell_moves": [MOVE]}, headers=bob),
        ]
        named = c.post("/optimize-async", json=body, headers=bob)
        own = c.post(f"/jobs/{job_id}/scenarios", json={"bell_moves": [MOVE]}, headers=alice)
        total = c.get("/jobs", headers=bob).json()["total"]
    assert [(r.status_code, r.json()["code"]) for r in answers] == [(404, "JOB_NOT_FOUND")] * 3
    assert named.status_code == 422 and named.json()["errors"][0]["path"] == "derived_from"
    assert own.status_code == 202 and total == 0


def _database(database_url: str, folder: Path) -> AbstractContextManager[str]:
    """A new database of the session's kind."""
    if database_url.startswith("sqlite"):
        return nullcontext(f"sqlite:///{folder / 'own.db'}")
    return postgres_database()
