"""compose.yaml is valid, complete, and says what docs/deploy.md says."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from busplan.cli import build_parser
from busplan.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DEPLOY = ROOT / "docs" / "deploy.md"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def busplan_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("command", [""])[0] == "busplan"
    }


def test_every_process_of_the_deployment_is_a_service(compose: dict[str, Any]) -> None:
    assert {"api", "worker", "redis", "postgres", "osrm", "migrate"} <= set(compose["services"])


def test_busplan_commands_are_real_cli_commands(compose: dict[str, Any]) -> None:
    """Each busplan service runs a command the CLI accepts, the one the docs name."""
    services = busplan_services(compose)
    assert set(services) == {"api", "worker", "migrate"}
    docs = DEPLOY.read_text()
    for service in services.values():
        command = service["command"]
        build_parser().parse_args(command[1:])
        assert f"busplan {command[1]}" in docs
        assert service["build"] == "."
    assert (ROOT / "Dockerfile").is_file()


def test_environment_is_valid_settings_pointing_at_the_services(compose: dict[str, Any]) -> None:
    """The shared environment is made of real settings, valid together, naming the services."""
    for service in busplan_services(compose).values():
        env = service["environment"]
        unknown = {k for k in env if k.lower() not in ServiceSettings.model_fields}
        assert not unknown, unknown
        settings = ServiceSettings(**{k.lower(): v for k, v in env.items()})
        assert settings.celery_enabled
        assert settings.celery_task_time_limit > settings.max_time_limit
        hosts = {
            urlsplit(url).hostname
            for url in (settings.database_url, settings.redis_url, settings.osrm_url)
        }
        assert hosts == {"postgres", "redis", "osrm"}
        assert (
            urlsplit(settings.database_url).path.lstrip("/")
            == (compose["services"]["postgres"]["environment"]["POSTGRES_DB"])
        )


def test_start_order_follows_the_docs(compose: dict[str, Any]) -> None:
    """Migrations run once before API nodes and workers; dependencies name real services."""
    services = compose["services"]
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, (name, needed)
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert "--max-table-size" in services["osrm"]["command"]
