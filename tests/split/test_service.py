"""Split jobs through the real service: Celery workers in processes of their own, Redis,
PostgreSQL. The gathered plan is the one process's plan, phases stay in order, a cancel stops
every part within 2 s, and a worker lost mid-way does not lose the job."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import redis

from busplan.core import SolveParams, solve
from busplan.io.problem_json import parse_problem
from busplan.io.solution_json import solution_to_dict
from tests.scale.cluster import SHARED_REDIS, Worker
from tests.service.harness import connect, receive, run_async, until_final
from tests.split.conftest import SplitCluster
from tests.split.week import make_week

PHASES = [
    "starting",
    "loading",
    "preprocessing",
    "travel_matrix",
    "building_chains",
    "matching_blocks",
    "local_search",
    "finalizing",
    "calculating_stats",
    "completed",
]
SMALL_WEEK = {"problem": make_week(60, seed=3), "time_limit": 60, "seed": 4}
"""Six parts, each proven optimal in well under its share of the time."""
LONG_WEEK = {"problem": make_week(400, seed=5), "time_limit": 16}
"""Six parts that keep two workers busy for about eight seconds."""


def plan_of(result: dict[str, Any]) -> str:
    """The plan and its figures, without run times and the travel report."""
    out = json.loads(json.dumps(result))
    out.pop("extra", None)
    out["stats"].pop("seconds")
    for day in out["days"].values():
        day["stats"].pop("seconds")
    return json.dumps(out, sort_keys=True)


def watch(cluster: SplitCluster, job_id: str) -> list[dict[str, Any]]:
    async def scenario() -> list[dict[str, Any]]:
        async with connect(cluster.api, job_id, last_seq=0) as ws:
            return await until_final(ws, timeout=120)

    return run_async(scenario())


def owners(cluster: SplitCluster, job_id: str) -> list[bytes]:
    """The claims on the job's parts held now."""
    client = redis.Redis.from_url(SHARED_REDIS)
    try:
        return list(client.scan_iter(match=f"{cluster.prefix}split:{job_id}:*:owner"))
    finally:
        client.close()


def test_split_job_gives_the_plan_of_one_process_with_phases_in_order(
    cluster: SplitCluster,
) -> None:
    job_id = cluster.api.submit(SMALL_WEEK)["job_id"]
    messages = watch(cluster, job_id)
    assert messages[-1]["type"] == "completed", messages[-1]
    events = [m for m in messages if "seq" in m and m["type"] != "status"]
    phases = [m["phase"] for m in events if m["type"] == "progress"]
    assert [p for p in PHASES if p in phases] == list(dict.fromkeys(phases))
    assert {"starting", "preprocessing", "finalizing", "completed"} <= set(phases)
    progress = [m["progress"] for m in events if m["type"] == "progress"]
    assert progress == sorted(progress)
    assert any((m.get("extra") or {}).get("parts") == 6 for m in events), "the job ran as six parts"
    logs = "".join(w.text() for w in cluster.workers)
    assert f"job {job_id} runs as 6 parts" in logs

    one_process = solve(parse_problem(SMALL_WEEK["problem"]), SolveParams(time_limit=60, seed=4))
    with cluster.api.client() as c:
        result = c.get(f"/jobs/{job_id}/result").json()["result"]
    assert plan_of(result) == plan_of(solution_to_dict(one_process))


def test_cancel_stops_every_part_within_two_seconds(cluster: SplitCluster) -> None:
    job_id = cluster.api.submit(LONG_WEEK)["job_id"]

    async def scenario() -> float:
        async with connect(cluster.api, job_id, last_seq=0) as ws:
            while len(owners(cluster, job_id)) < 2:  # both workers are solving parts
                await receive(ws)
            started = time.monotonic()
            r = await asyncio.to_thread(cluster.api.cancel, job_id)
            assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
            final = (await until_final(ws, timeout=10))[-1]
            assert final["type"] == "error" and final["error_code"] == "JOB_CANCELLED"
            while owners(cluster, job_id):
                assert time.monotonic() - started < 2.0, owners(cluster, job_id)
                await asyncio.sleep(0.02)
            return time.monotonic() - started

    stopped_in = run_async(scenario())
    assert stopped_in < 2.0
    assert cluster.api.job(job_id)["status"] == "cancelled"
    # no part starts later: the messages still queued are skipped
    time.sleep(1.0)
    assert not owners(cluster, job_id)


def test_a_worker_lost_mid_way_does_not_lose_the_job(cluster: SplitCluster) -> None:
    """The worker solving a part (not the one gathering) is killed: the part is sent again,
    the surviving worker solves it, and the job completes with every day planned."""
    job_id = cluster.api.submit(LONG_WEEK)["job_id"]
    gatherer = wait_for_log(cluster.workers, f"claimed job {job_id}")
    other = next(w for w in cluster.workers if w is not gatherer)
    wait_for_log([other], f"of job {job_id} (")  # "solving part n of job ... (m trips)"
    other.kill9()
    try:
        messages = watch(cluster, job_id)
        assert messages[-1]["type"] == "completed", messages[-1]
        gatherer.wait_log("lost its worker; sending it again", timeout=1)
        days = messages[-1]["result"]["days"]
        assert set(days) == {"L", "M", "Mc", "X", "V"}
        planned = {t["id"] for d in days.values() for b in d["buses"] for t in b["trips"]}
        assert planned == {t["id"] for t in LONG_WEEK["problem"]["trips"]}
    finally:
        cluster.workers[cluster.workers.index(other)] = Worker(other.env, other.log).start()


def wait_for_log(workers: list[Worker], needle: str, timeout: float = 60) -> Worker:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            if needle in worker.text():
                return worker
        time.sleep(0.05)
    raise AssertionError(f"no worker logged {needle!r}")
