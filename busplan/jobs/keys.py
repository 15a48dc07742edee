"""Tenants' names for their jobs: the default tenant and scoped idempotency keys."""

from __future__ import annotations

import hashlib

DEFAULT_TENANT = "default"
"""Owner of anonymous jobs (loopback without keys) and of jobs made before tenants."""


def scoped_key(tenant: str, idempotency_key: str) -> str:
    """What is stored for a tenant's Idempotency-Key: equal keys of two tenants never match,
    and the stored value has a fixed length whatever the key's."""
    return hashlib.sha256(f"{tenant}:{idempotency_key}".encode()).hexdigest()
