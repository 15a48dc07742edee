"""A cluster of real processes for split jobs: one API node and two Celery workers of one
process each (so a test can lose one), on the machine's Redis and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.scale.cluster import SHARED_REDIS, Worker, api_node, drop_keys, scale_env
from tests.service.harness import Server, postgres_database


@dataclass
class SplitCluster:
    api: Server
    workers: list[Worker]
    env: dict[str, str]

    @property
    def prefix(self) -> str:
        return self.env["REDIS_KEY_PREFIX"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SplitCluster]:
    logs = tmp_path_factory.mktemp("split")
    prefix = f"busplan-test-{uuid.uuid4().hex[:8]}:"
    with postgres_database("busplan_split") as url:
        env = scale_env(url, SHARED_REDIS, prefix, SPLIT_MIN_TRIPS=1)
        running = SplitCluster(api_node(env, logs / "api.log"), [], env)
        try:
            for n in range(2):
                running.workers.append(Worker(env, logs / f"worker{n}.log").start())
            yield running
        finally:
            for worker in running.workers:  # those a test started in place of lost ones too
                worker.stop()
            running.api.stop()
            drop_keys(SHARED_REDIS, prefix)
