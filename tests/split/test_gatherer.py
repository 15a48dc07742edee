"""The gatherer against a real Redis, with parts claimed, lost or failed on purpose: no
Celery here, the messages it sends are recorded (or acted on by the test)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from busplan.jobs.events import ErrorCode
from busplan.jobs.executor import JobSpec
from busplan.jobs.record import JobParams
from busplan.jobs.redis_names import Keys, request_cancel
from busplan.jobs.split import Part
from busplan.jobs.split_board import SplitBoard
from busplan.jobs.split_run import MAX_PART_RUNS, Gatherer, split_of
from busplan.jobs.throttle import ThrottleParams
from busplan.routing import RoutingConfig
from tests.scale.cluster import SHARED_REDIS, drop_keys
from tests.split.week import make_week

WEEK = make_week(24, seed=7)
LEASE = 1.0


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def send(self, kind: str, **fields: Any) -> None:
        self.events.append((kind, fields))

    @property
    def final(self) -> tuple[str, dict[str, Any]]:
        (final,) = [e for e in self.events if e[0] != "progress" and e[0] != "started"]
        return final


@pytest.fixture
def keys() -> Iterator[Keys]:
    prefix = f"busplan-test-{uuid.uuid4().hex[:8]}:"
    yield Keys(prefix)
    drop_keys(SHARED_REDIS, prefix)


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(SHARED_REDIS)
    yield c
    c.close()


def run(
    client: redis.Redis,
    keys: Keys,
    on_send: Callable[[SplitBoard, Part, int], None] = lambda *_: None,
    cancel: threading.Event | None = None,
) -> tuple[Recorder, list[tuple[int, int]]]:
    job_id = uuid.uuid4().hex
    params = JobParams(time_limit=20.0)
    parts = split_of(WEEK, params.solve_params(), 1)
    assert parts is not None and len(parts) == 6
    board = SplitBoard(client, keys, job_id, LEASE)
    sent: list[tuple[int, int]] = []

    def send(job: str, part: Part, n: int) -> None:
        sent.append((part.index, n))
        on_send(board, part, n)

    spec = JobSpec(job_id, WEEK, params)
    gatherer = Gatherer(board=board, spec=spec, parts=parts, send=send, owner="gatherer",
                        lease=LEASE, routing=RoutingConfig())  # fmt: skip
    outbox = Recorder()
    gatherer.execute(outbox, cancel or threading.Event(), ThrottleParams(interval=0.2))
    return outbox, sent


def test_with_no_other_worker_the_gatherer_solves_every_part(
    client: redis.Redis, keys: Keys
) -> None:
    outbox, sent = run(client, keys)
    kind, fields = outbox.final
    assert kind == "completed", fields
    assert sorted(sent) == [(n, 1) for n in range(6)]
    assert set(fields["result"]["days"]) == {"L", "M", "Mc", "X", "V"}
    progress = [f["progress"] for k, f in outbox.events if k == "progress"]
    assert progress == sorted(progress)


def test_a_part_whose_worker_is_lost_is_sent_again_and_solved(
    client: redis.Redis, keys: Keys
) -> None:
    def lose_first_run_of_part_0(board: SplitBoard, part: Part, n: int) -> None:
        if part.index == 0 and n == 1:  # a worker takes it, then dies: its claim lapses
            assert board.claim(0, "worker-that-dies")

    outbox, sent = run(client, keys, lose_first_run_of_part_0)
    assert outbox.final[0] == "completed", outbox.final
    assert [n for p, n in sent if p == 0] == [1, 2]  # not taken over unseen by the gatherer


def test_a_part_lost_on_every_run_fails_the_job_worker_lost(
    client: redis.Redis, keys: Keys
) -> None:
    def always_lose_part_0(board: SplitBoard, part: Part, n: int) -> None:
        if part.index == 0:
            assert board.claim(0, f"worker-that-dies-{n}")

    outbox, sent = run(client, keys, always_lose_part_0)
    kind, fields = outbox.final
    assert kind == "failed"
    assert fields["data"]["error_code"] == ErrorCode.WORKER_LOST
    assert f"lost its worker {MAX_PART_RUNS} times" in fields["message"]
    assert [n for p, n in sent if p == 0] == list(range(1, MAX_PART_RUNS + 1))


def test_a_failed_part_fails_the_job_with_its_reason(client: redis.Redis, keys: Keys) -> None:
    def fail_part_2(board: SplitBoard, part: Part, n: int) -> None:
        if part.index == 2:
            assert board.claim(2, "worker")
            board.finish(
                2, "worker", {"failed": "MemoryError: boom", "error_code": "OUT_OF_MEMORY"}
            )

    outbox, _ = run(client, keys, fail_part_2)
    kind, fields = outbox.final
    assert kind == "failed"
    assert fields["message"] == "MemoryError: boom"
    assert fields["data"]["error_code"] == "OUT_OF_MEMORY"


def test_cancel_flag_stops_parts_and_the_gatherer(client: redis.Redis, keys: Keys) -> None:
    cancel = threading.Event()
    boards: list[SplitBoard] = []

    def cancel_after_sending(board: SplitBoard, part: Part, n: int) -> None:
        boards.append(board)
        if part.index == 5:  # the last message: the job is cancelled now
            request_cancel(client, keys, board.job_id)
            assert board.should_stop()  # what every part's watch polls
            cancel.set()

    outbox, _ = run(client, keys, cancel_after_sending, cancel)
    assert outbox.final[0] == "cancelled"
    assert boards[0].should_stop()
    assert not list(client.scan_iter(match=f"{keys.prefix}split:*:owner"))
