"""Fixtures: a running stand-in OSRM server and settings that talk to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from busplan.routing import RoutingConfig
from tests.routing.fake_osrm import FakeOsrm, serve


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    """A running stand-in OSRM server on 127.0.0.1 and a random port."""
    with serve(FakeOsrm()) as state:
        yield state


@pytest.fixture
def config(osrm: FakeOsrm, tmp_path: Any) -> RoutingConfig:
    """Settings for the stand-in: small timeouts and backoff so failure tests run fast."""
    return RoutingConfig(
        url=osrm.url,
        cache_path=str(tmp_path / "travel.sqlite"),
        read_timeout_s=0.5,
        connect_timeout_s=0.5,
        backoff_s=0.01,
        backoff_max_s=0.05,
        retries=2,
        breaker_failures=4,
        breaker_cooldown_s=60.0,
    )
