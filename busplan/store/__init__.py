"""The job store: SQLAlchemy tables, keyword-only repository functions, Alembic migrations."""

from busplan.store.engine import make_engine, session_factory
from busplan.store.migrate import upgrade
from busplan.store.states import FINISHED, InvalidTransition, JobNotFound, JobState

__all__ = [
    "FINISHED",
    "InvalidTransition",
    "JobNotFound",
    "JobState",
    "make_engine",
    "session_factory",
    "upgrade",
]
