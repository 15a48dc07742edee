"""API keys in the job database: create (the key is returned once), list, revoke, verify."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from busplan.auth import tokens
from busplan.store.models import ApiKey


class KeyRing:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(self, tenant: str) -> tuple[ApiKey, str]:
        """A new key for `tenant`: its record and the key itself (not stored anywhere)."""
        if not tokens.valid_tenant(tenant):
            raise ValueError(f"{tenant!r}: tenants are 1-40 of a-z 0-9 _ . - (lower case first)")
        made = tokens.new_key()
        record = ApiKey(
            key_id=made.key_id, tenant=tenant, digest=made.digest, created_at=datetime.now(UTC)
        )
        with self.sessions.begin() as session:
            session.add(record)
        return record, made.key

    def all(self) -> Sequence[ApiKey]:
        with self.sessions() as session:
            return session.scalars(select(ApiKey).order_by(ApiKey.tenant, ApiKey.created_at)).all()

    def revoke(self, key_id: str) -> bool:
        """Revoke a key by its id; False if there is no such live key."""
        with self.sessions.begin() as session:
            record = session.get(ApiKey, key_id)
            if record is None or record.revoked_at is not None:
                return False
            record.revoked_at = datetime.now(UTC)
        return True

    def tenant_of(self, key: str) -> str | None:
        """The tenant a presented key belongs to; None if it is unknown, wrong or revoked."""
        key_id = tokens.key_id_of(key)
        if key_id is None:
            return None
        with self.sessions() as session:
            record = session.get(ApiKey, key_id)
        if record is None or not tokens.matches(key, record.digest) or record.revoked_at:
            return None
        return record.tenant
