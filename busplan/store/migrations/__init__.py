"""Alembic environment and revisions of the job store (applied by `busplan.store.migrate`)."""
