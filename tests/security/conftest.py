"""Fixtures: a server that requires API keys, with small limits, per database; its tenants."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.security.helpers import create_key
from tests.service.harness import Server, postgres_database

LIMITS = {
    "AUTH_REQUIRED": "true",
    "WORKER_PROCESSES": "1",
    "CANCEL_GRACE_SECONDS": "1.0",
    "MAX_BODY_BYTES": "1000000",
    "MAX_TRIPS": "700",
    "MAX_TIME_LIMIT": "60",
    "MAX_QUEUED_JOBS_PER_TENANT": "2",
    "MAX_IMPORT_UNPACKED_BYTES": "2000000",
    "WS_MAX_CLIENTS_PER_JOB": "3",
    "WS_MAX_MESSAGE_BYTES": "4096",
    "WS_TICKET_SECONDS": "2",
    "WS_ALLOWED_ORIGINS": json.dumps(["https://ops.example"]),
    "RATE_LIMIT_PER_SECOND": "1000",
    "RATE_LIMIT_BURST": "1000",
}
"""Small enough to reach in a test; the rate limit is tested on servers of its own."""


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


@pytest.fixture(scope="session")
def secure(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The shared server: AUTH_REQUIRED, one worker process, the LIMITS above."""
    log = tmp_path_factory.mktemp("secure") / "server.log"
    running = Server({"DATABASE_URL": database_url, **LIMITS}, log).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def alice(secure: Server, database_url: str) -> str:
    """An API key of tenant `alice`."""
    return create_key(database_url, "alice")


@pytest.fixture(scope="session")
def bob(secure: Server, database_url: str) -> str:
    """An API key of tenant `bob`."""
    return create_key(database_url, "bob")


@pytest.fixture
def fresh_database(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the session's kind for a test that runs servers of its own."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path_factory.mktemp('own') / 'own.db'}"
        return
    with postgres_database() as url:
        yield url
