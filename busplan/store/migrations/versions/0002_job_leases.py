"""Claims of running jobs by Celery workers (lease owner and expiry).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The column types as this revision created them, written out so that the revision stays the
# same whatever the application's models become.
UtcDateTime = sa.DateTime(timezone=True)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column(
            "job_id",
            sa.String(36),
            sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("until", UtcDateTime, nullable=False),
    )
    op.create_index("ix_job_leases_until", "job_leases", ["until"])


def downgrade() -> None:
    op.drop_index("ix_job_leases_until", "job_leases")
    op.drop_table("job_leases")
