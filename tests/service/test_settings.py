"""Settings from the environment: feature flags and refusals of inconsistent configurations."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from pydantic import ValidationError

from busplan.settings import ServiceSettings
from tests.service.harness import POSTGRES_ADMIN, SMALL, Server


def test_defaults_match_the_documented_ones() -> None:
    """Without environment variables the documented defaults apply."""
    settings = ServiceSettings(_env_file=None)
    assert settings.database_url == "sqlite:///./busplan.db"
    assert settings.ws_heartbeat_interval == 30 and settings.ws_ping_timeout == 10
    assert settings.celery_task_time_limit == 3600
    assert settings.websocket_enabled and settings.use_database and not settings.celery_enabled


def test_environment_is_read_and_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Variables are read by upper-case name; bad values and combinations are refused."""
    monkeypatch.setenv("WORKER_PROCESSES", "3")
    monkeypatch.setenv("WS_HEARTBEAT_INTERVAL", "5")
    settings = ServiceSettings()
    assert settings.worker_processes == 3 and settings.ws_heartbeat_interval == 5
    monkeypatch.setenv("WORKER_PROCESSES", "0")
    with pytest.raises(ValidationError):
        ServiceSettings()
    monkeypatch.setenv("WORKER_PROCESSES", "1")
    monkeypatch.setenv("CELERY_ENABLED", "true")
    with pytest.raises(ValidationError, match="REDIS_URL"):
        ServiceSettings()


def test_in_memory_store_without_websocket(tmp_path: Path) -> None:
    """USE_DATABASE=false keeps jobs in memory; WEBSOCKET_ENABLED=false drops the socket."""
    env = {
        "USE_DATABASE": "false",
        "WEBSOCKET_ENABLED": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
    }
    server = Server(env, tmp_path / "server.log").start()
    try:
        accepted = server.submit(SMALL)
        assert accepted["websocket_url"] is None
        server.wait_for(accepted["job_id"], "completed")
        with server.client() as c:
            assert "/ws/optimize/{job_id}" not in c.get("/openapi.json").text
    finally:
        server.stop()
    assert not (tmp_path / "unused.db").exists()


def test_readiness_fails_when_the_database_goes_away(
    postgres_database: str, tmp_path: Path
) -> None:
    """/readyz answers 503 naming the database once PostgreSQL no longer has it."""
    server = Server({"DATABASE_URL": postgres_database}, tmp_path / "server.log").start()
    try:
        with server.client() as c:
            assert c.get("/readyz").status_code == 200
        name = postgres_database.rsplit("/", 1)[1]
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        with server.client() as c:
            ready = c.get("/readyz")
            alive = c.get("/healthz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unreachable")
        assert alive.status_code == 200
    finally:
        server.stop()
