"""Generated requests against the OpenAPI schema of a running server: no 5xx, and every
documented answer matches its schema."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.security.helpers import bearer
from tests.service.harness import Server

EXAMPLES = 25
"""Per operation and generation mode (valid and invalid input)."""


def test_generated_requests(secure: Server, alice: str) -> None:
    """At least 500 generated requests, valid and invalid, with no server error or schema
    violation."""
    schema = schemathesis.openapi.from_url(secure.url + "/openapi.json")
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                nonlocal sent
                sent += 1
                case.call_and_validate(
                    base_url=secure.url,
                    headers=bearer(alice),
                    checks=[not_a_server_error, response_schema_conformance],
                    timeout=30,
                )

            try:
                call()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # no input of it can be invalid
    assert sent >= 500
