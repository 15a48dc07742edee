"""Bell scenarios: the job a scenario derives from, and the bell moves it was made with.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The column types as this revision created them, written out so that the revision stays the
# same whatever the application's models become.
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key to an existing table, so there the table is
    # copied; PostgreSQL gets plain ALTER TABLE statements.
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("derived_from", sa.String(36), nullable=True))
        jobs.add_column(sa.Column("bell_moves", Json, nullable=True))
        jobs.create_foreign_key(
            "fk_jobs_derived_from", "jobs", ["derived_from"], ["id"], ondelete="SET NULL"
        )
        jobs.create_index("ix_jobs_derived_from", ["derived_from"])


def downgrade() -> None:
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_index("ix_jobs_derived_from")
        jobs.drop_constraint("fk_jobs_derived_from", type_="foreignkey")
        jobs.drop_column("bell_moves")
        jobs.drop_column("derived_from")
