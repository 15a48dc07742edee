"""API key format and digests. A key is `bpk_<key id>_<secret>`: the id finds its record, the
secret (256 random bits) proves it. Only the SHA-256 of the whole key is stored; with that
much entropy a plain hash is enough, and a stolen table gives no usable key."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "bpk"
_KEY = re.compile(r"^bpk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
TENANT = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
"""Tenant names: lower case, digits, `_.-`, at most 40 characters."""


@dataclass(frozen=True, slots=True)
class NewKey:
    key_id: str
    key: str
    digest: str


def new_key() -> NewKey:
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key_id, key, digest(key))


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key: str) -> str | None:
    """The id part of a well-formed key, None for anything else."""
    match = _KEY.match(key)
    return match.group(1) if match else None


def matches(key: str, stored_digest: str) -> bool:
    """Constant-time comparison of a presented key with a stored digest."""
    return hmac.compare_digest(digest(key), stored_digest)


def valid_tenant(name: str) -> bool:
    return TENANT.match(name) is not None
