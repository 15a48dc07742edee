"""Fixtures: one PostgreSQL database per session, a cluster of real processes per module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.scale.cluster import (
    SHARED_REDIS,
    Worker,
    api_node,
    drop_keys,
    postgres_database,
    scale_env,
)
from tests.service.harness import Server


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def prefix() -> Iterator[str]:
    """Redis keys of one test, removed afterwards."""
    name = f"busplan-test-{uuid.uuid4().hex[:8]}:"
    yield name
    drop_keys(SHARED_REDIS, name)


@dataclass
class Cluster:
    a: Server
    b: Server
    worker: Worker
    env: dict[str, str]


@pytest.fixture(scope="module")
def cluster(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two API nodes and one Celery worker with two job processes, on the shared Redis; jobs
    run whole (the split over workers has tests of its own) and may have 20,000 trips."""
    logs = tmp_path_factory.mktemp("cluster")
    prefix = f"busplan-test-{uuid.uuid4().hex[:8]}:"
    env = scale_env(database_url, SHARED_REDIS, prefix, SPLIT_JOBS="0", MAX_TRIPS="20000")
    started: list[Server | Worker] = []
    try:
        a = api_node(env, logs / "a.log")  # first: it migrates the database
        started.append(a)
        b = api_node(env, logs / "b.log")
        started.append(b)
        worker = Worker(env, logs / "worker.log", concurrency=2).start()
        started.append(worker)
        yield Cluster(a, b, worker, env)
    finally:
        for process in reversed(started):
            process.stop()
        drop_keys(SHARED_REDIS, prefix)


def log_dir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir(exist_ok=True)
    return path
