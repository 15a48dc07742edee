"""The WebSocket progress protocol against a real server and real clients."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import datetime
from typing import Any

import pytest
import websockets

from busplan.core import PHASES
from tests.service.harness import (
    SMALL,
    Server,
    connect,
    make_problem,
    receive,
    run_async,
    until_final,
)

MEDIUM = {"problem": make_problem(150), "time_limit": 3}
"""Runs for a few seconds, long enough to watch live."""


def check_envelope(message: dict[str, Any]) -> None:
    assert "type" in message
    stamp = message["timestamp"]
    assert stamp.endswith("Z")
    assert datetime.fromisoformat(stamp).tzinfo is not None
    if message["type"] != "pong":
        assert message["job_id"]


def check_progress(messages: list[dict[str, Any]]) -> None:
    """Phases in PHASES order, progress never decreasing, seq gapless, ending at 100."""
    progress = [m for m in messages if m["type"] == "progress"]
    order = list(PHASES)
    ranks = [order.index(m["phase"]) for m in progress]
    assert ranks == sorted(ranks)
    values = [m["progress"] for m in progress]
    assert values == sorted(values) and values[-1] == 100
    seqs = [m["seq"] for m in messages if "seq" in m]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_progress_in_phase_order_then_completed_with_result(server: Server) -> None:
    """A watched job streams status, progress 0 -> 100 in phase order, then its result."""

    async def scenario() -> list[dict[str, Any]]:
        job_id = server.submit(MEDIUM)["job_id"]
        async with connect(server, job_id, last_seq=0) as ws:
            return await until_final(ws)

    messages = run_async(scenario())
    for m in messages:
        check_envelope(m)
    assert messages[0]["type"] == "status"
    assert messages[1] == {**messages[1], "type": "progress", "phase": "starting", "seq": 1}
    check_progress(messages[1:])
    phases = {m["phase"] for m in messages if m["type"] == "progress"}
    assert {"starting", "building_chains", "local_search", "completed"} <= phases
    final = messages[-1]
    assert final["type"] == "completed"
    assert final["stats"] == final["result"]["stats"]
    with server.client() as c:
        assert c.get(f"/jobs/{final['job_id']}/result").json()["result"] == final["result"]


def test_updates_come_at_least_every_second_and_not_in_floods(server: Server) -> None:
    """While a job runs clients hear at least once a second, and at most ~4 times a second
    within a phase."""

    async def scenario() -> list[dict[str, Any]]:
        job_id = server.submit({"problem": make_problem(600), "time_limit": 4})["job_id"]
        async with connect(server, job_id, last_seq=0) as ws:
            return await until_final(ws)

    progress = [m for m in run_async(scenario()) if m["type"] == "progress"]
    stamped = [(datetime.fromisoformat(m["timestamp"]).timestamp(), m) for m in progress]
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(stamped)]
    assert max(gaps) <= 1.5  # one second, plus slack for a busy machine's scheduler
    same_phase = [
        b - a for (a, ma), (b, mb) in itertools.pairwise(stamped) if ma["phase"] == mb["phase"]
    ]
    assert min(same_phase) >= 0.2


def test_two_clients_on_one_job_receive_the_same_events(server: Server) -> None:
    """Two clients watching one job both get every event, in the same order."""

    async def watch(job_id: str) -> list[dict[str, Any]]:
        async with connect(server, job_id, last_seq=0) as ws:
            return await until_final(ws)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
        job_id = server.submit(MEDIUM)["job_id"]
        both = asyncio.gather(watch(job_id), watch(job_id))
        await asyncio.sleep(1.0)
        connections = server.metric("busplan_websocket_connections")
        first, second = await both
        return first, second, connections

    first, second, connections = run_async(scenario())
    assert connections == 2
    strip = [{k: v for k, v in m.items() if k != "timestamp"} for m in first[1:]]
    assert strip == [{k: v for k, v in m.items() if k != "timestamp"} for m in second[1:]]
    check_progress(first[1:])
    assert first[-1]["type"] == "completed"


def test_reconnect_with_last_seq_misses_nothing_and_repeats_nothing(server: Server) -> None:
    """A client that drops and reconnects with ?last_seq=N gets exactly the events after N."""

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        job_id = server.submit(MEDIUM)["job_id"]
        before: list[dict[str, Any]] = []
        async with connect(server, job_id, last_seq=0) as ws:
            while len([m for m in before if "seq" in m]) < 4:
                before.append(await receive(ws))
        await asyncio.sleep(0.8)  # events go on while the client is away
        last = max(m["seq"] for m in before if "seq" in m)
        async with connect(server, job_id, last_seq=last) as ws:
            after = await until_final(ws)
        return before, after

    before, after = run_async(scenario())
    assert after[0]["type"] == "status"
    seqs = [m["seq"] for m in before + after if "seq" in m]
    assert seqs == list(range(1, len(seqs) + 1))
    check_progress(before[1:] + after[1:])


def test_finished_job_sends_status_and_final_message_at_once(server: Server) -> None:
    """Connecting after the end gives status then completed, without waiting."""
    job_id = server.submit(SMALL)["job_id"]
    server.wait_for(job_id, "completed")

    async def scenario() -> list[dict[str, Any]]:
        async with connect(server, job_id) as ws:
            return [await receive(ws, 5), await receive(ws, 5)]

    status, final = run_async(scenario())
    assert status["type"] == "status" and status["status"] == "completed"
    assert status["progress"] == 100
    assert final["type"] == "completed" and final["result"]["days"]["L"]["buses"]
    finished = datetime.fromisoformat(server.job(job_id)["finished_at"])
    assert datetime.fromisoformat(final["timestamp"]) == finished  # when it happened


def test_client_requests_ping_status_and_bad_messages(server: Server) -> None:
    """ping -> pong, get_status -> status; bad JSON and unknown actions get an error only."""
    job_id = server.submit(SMALL)["job_id"]
    server.wait_for(job_id, "completed")

    async def scenario() -> list[dict[str, Any]]:
        async with connect(server, job_id) as ws:
            await receive(ws)
            await receive(ws)
            replies = []
            for text in [
                json.dumps({"action": "ping"}),
                json.dumps({"action": "get_status"}),
                "{not json",
                json.dumps({"action": "explode"}),
                json.dumps(["ping"]),
                json.dumps({"action": "ping"}),
            ]:
                await ws.send(text)
                replies.append(await receive(ws, 5))
            return replies

    replies = run_async(scenario())
    pong, status, bad_json, unknown, not_object, still_open = replies
    assert pong["type"] == "pong" and "job_id" not in pong
    assert status["type"] == "status" and status["status"] == "completed"
    assert bad_json["type"] == "error" and bad_json["error_code"] == "INVALID_MESSAGE"
    assert unknown["type"] == "error" and unknown["error_code"] == "UNKNOWN_ACTION"
    assert not_object["error_code"] == "INVALID_MESSAGE"
    assert still_open["type"] == "pong"
    for m in replies:
        check_envelope(m)


def test_unknown_job_gets_an_error_and_is_closed(server: Server) -> None:
    """A socket for an unknown job gets JOB_NOT_FOUND and is closed with code 4404."""

    async def scenario() -> tuple[dict[str, Any], int | None]:
        async with connect(server, "test-job-id") as ws:
            error = await receive(ws, 5)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await receive(ws, 5)
            return error, closed.value.rcvd.code if closed.value.rcvd else None

    error, code = run_async(scenario())
    assert error["type"] == "error" and error["error_code"] == "JOB_NOT_FOUND"
    assert code == 4404


def test_dead_connections_are_removed_at_once(server: Server) -> None:
    """A client that vanishes without a close handshake is forgotten immediately."""
    job_id = server.submit(SMALL)["job_id"]

    async def scenario() -> tuple[float, float]:
        ws = await connect(server, job_id)
        await receive(ws)
        during = server.metric("busplan_websocket_connections")
        ws.transport.abort()  # no close frame: the TCP connection just goes away
        await asyncio.sleep(0.3)
        return during, server.metric("busplan_websocket_connections")

    during, after = run_async(scenario())
    assert during == 1 and after == 0
