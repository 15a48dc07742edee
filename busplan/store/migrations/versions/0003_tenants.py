"""Tenants: every job belongs to one; API keys, stored as digests, name theirs.

Idempotency keys are stored as the SHA-256 of `<tenant>:<key>`, so that two tenants' keys
never collide; jobs made before tenants belong to `default`.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

# The column types as this revision created them, written out so that the revision stays the
# same whatever the application's models become.
UtcDateTime = sa.DateTime(timezone=True)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "jobs",
        sa.Column("tenant", sa.String(40), nullable=False, server_default="default"),
    )
    op.create_index("ix_jobs_tenant", "jobs", ["tenant"])
    _rekey(lambda key: hashlib.sha256(f"default:{key}".encode()).hexdigest())
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("tenant", sa.String(40), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_api_keys_tenant", "api_keys", ["tenant"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_tenant", "api_keys")
    op.drop_table("api_keys")
    _rekey(lambda key: None)  # digests cannot be turned back into keys
    op.drop_index("ix_jobs_tenant", "jobs")
    op.drop_column("jobs", "tenant")


def _rekey(change: Callable[[str], str | None]) -> None:
    jobs = sa.table("jobs", sa.column("id", sa.String), sa.column("idempotency_key", sa.String))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(jobs.c.id, jobs.c.idempotency_key).where(jobs.c.idempotency_key.is_not(None))
    ).all()
    for job_id, key in rows:
        connection.execute(
            jobs.update().where(jobs.c.id == job_id).values(idempotency_key=change(key))
        )
