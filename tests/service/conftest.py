"""Fixtures: a real server per database (SQLite file, and a fresh PostgreSQL database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.harness import Server, postgres_database


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of its own for this test session: an SQLite file or a new PostgreSQL db."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'busplan.db'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def own_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another database of the session's kind, for a test that runs servers of its own."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'own.db'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture(name="postgres_database")
def postgres_database_fixture() -> Iterator[str]:
    """A new PostgreSQL database for one test, dropped afterwards."""
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The shared server: two worker processes, a 1 MB body limit, 60-trip sync limit."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {
        "DATABASE_URL": database_url,
        "WORKER_PROCESSES": "2",
        "CANCEL_GRACE_SECONDS": "1.0",
        "MAX_BODY_BYTES": "1000000",
        "SYNC_MAX_TRIPS": "60",
        "SYNC_MAX_TIME_LIMIT": "5",
    }
    running = Server(env, log).start()
    yield running
    running.stop()
