"""Which tenant a request acts for: `Authorization: Bearer <API key>`, or on a loopback-only
server without AUTH_REQUIRED, the default tenant for anonymous requests.

Every job route depends on `TenantDep`, and looks jobs up by (id, tenant): another tenant's
job is answered exactly like a missing one. Authenticated requests also spend from the key's
rate-limit bucket.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection, Request

from busplan.api.errors import ApiError
from busplan.api.ratelimit import RateLimiter
from busplan.auth import tokens
from busplan.auth.keyring import KeyRing
from busplan.jobs.keys import DEFAULT_TENANT
from busplan.settings import ServiceSettings

bearer = HTTPBearer(
    auto_error=False,
    description="An API key from `busplan keys create`; optional on a loopback-only server.",
)


def tenant_for_key(connection: HTTPConnection, key: str | None) -> str | None:
    """The tenant of `key`, the default tenant when there is no key and none is required,
    None when the request must be refused."""
    settings: ServiceSettings = connection.app.state.settings
    if key is None:
        return None if settings.auth_enforced else DEFAULT_TENANT
    keyring: KeyRing = connection.app.state.keyring
    return keyring.tenant_of(key)


def current_tenant(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> str:
    presented = request.headers.get("authorization")
    if presented is not None and credentials is None:
        raise _unauthorized("use Authorization: Bearer <API key>")
    key = credentials.credentials if credentials else None
    tenant = tenant_for_key(request, key)
    if tenant is None:
        raise _unauthorized("an API key is required" if key is None else "unknown or revoked key")
    if key is not None:
        limiter: RateLimiter = request.app.state.rate_limiter
        wait = limiter.take(tokens.key_id_of(key) or "")  # the public id, never the secret
        if wait > 0:
            raise ApiError(
                429,
                "RATE_LIMITED",
                "too many requests for this API key; retry after the given seconds",
                headers={"Retry-After": str(math.ceil(wait))},
            )
    return tenant


def _unauthorized(detail: str) -> ApiError:
    return ApiError(401, "UNAUTHORIZED", detail, headers={"WWW-Authenticate": "Bearer"})


TenantDep = Annotated[str, Depends(current_tenant)]
