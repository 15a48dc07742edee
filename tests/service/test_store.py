"""The job store on SQLite and PostgreSQL: migrations, state machine, event log sequence."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session, sessionmaker

from busplan.store import make_engine, session_factory, upgrade
from busplan.store import repository as repo
from busplan.store.migrate import MIGRATIONS
from busplan.store.models import Base
from busplan.store.states import TRANSITIONS, InvalidTransition, JobNotFound, JobState
from tests.service.harness import ROOT, make_problem

NOW = datetime(2026, 2, 10, 10, 30, tzinfo=UTC)


@pytest.fixture
def sessions(own_database: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(own_database)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def new_job(sessions: sessionmaker[Session], job_id: str, at: datetime = NOW) -> None:
    with sessions.begin() as s:
        repo.create_job(
            session=s,
            job_id=job_id,
            problem=make_problem(2),
            params={"time_limit": 1},
            trips=2,
            name="t",
            now=at,
        )


def move(sessions: sessionmaker[Session], job_id: str, to: JobState) -> None:
    with sessions.begin() as s:
        repo.transition(session=s, job_id=job_id, to=to, now=NOW)


def test_migrations_match_the_models(own_database: str) -> None:
    """After `upgrade` the schema is exactly what the SQLAlchemy models describe."""
    engine = make_engine(own_database)
    upgrade(engine)
    upgrade(engine)  # repeatable
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_migrations_use_no_application_code() -> None:
    """A revision imports only Alembic and SQLAlchemy: it stays what it was when it shipped."""
    for revision in sorted((Path(MIGRATIONS) / "versions").glob("0*.py")):
        imports = [
            line
            for line in revision.read_text().splitlines()
            if line.startswith(("import ", "from ")) and "__future__" not in line
        ]
        assert not [line for line in imports if "busplan" in line], revision.name


def test_db_upgrade_command_creates_the_schema(own_database: str) -> None:
    """`busplan db upgrade` migrates the database named by DATABASE_URL."""
    done = subprocess.run(
        [sys.executable, "-m", "busplan", "db", "upgrade"],
        cwd=ROOT,
        env={"DATABASE_URL": own_database, "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert f"revision {head}" in done.stderr


@pytest.mark.parametrize(("start", "target"), list(product(JobState, JobState)))
def test_only_listed_transitions_are_allowed(
    sessions: sessionmaker[Session], start: JobState, target: JobState
) -> None:
    """A job moves from one state to another exactly when TRANSITIONS allows it."""
    new_job(sessions, "j")
    path = {
        JobState.QUEUED: [],
        JobState.RUNNING: [JobState.RUNNING],
        JobState.COMPLETED: [JobState.RUNNING, JobState.COMPLETED],
        JobState.FAILED: [JobState.FAILED],
        JobState.CANCELLED: [JobState.CANCELLED],
    }[start]
    for state in path:
        move(sessions, "j", state)
    if target in TRANSITIONS[start]:
        move(sessions, "j", target)
        with sessions() as s:
            job = repo.require_job(session=s, job_id="j")
        assert job.state == target
    else:
        with pytest.raises(InvalidTransition):
            move(sessions, "j", target)


def test_transition_of_unknown_job_is_not_found(sessions: sessionmaker[Session]) -> None:
    """Moving a job that does not exist raises JobNotFound."""
    with pytest.raises(JobNotFound):
        move(sessions, "missing", JobState.RUNNING)


def race(sessions: sessionmaker[Session], job_id: str) -> list[str]:
    """Complete and cancel one running job from two threads at the same moment."""
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(to: JobState) -> None:
        barrier.wait()
        try:
            move(sessions, job_id, to)
            outcomes.append(to.value)
        except InvalidTransition:
            outcomes.append("refused")

    threads = [
        threading.Thread(target=attempt, args=(to,))
        for to in (JobState.COMPLETED, JobState.CANCELLED)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_racing_completion_and_cancel_have_one_winner(sessions: sessionmaker[Session]) -> None:
    """A worker completing while a user cancels: exactly one of the two changes happens."""
    for n in range(5):
        new_job(sessions, f"r{n}")
        move(sessions, f"r{n}", JobState.RUNNING)
        outcomes = race(sessions, f"r{n}")
        assert sorted(outcomes)[-1] == "refused" and len(set(outcomes)) == 2
        with sessions() as s:
            assert repo.require_job(session=s, job_id=f"r{n}").state in outcomes


def test_event_seq_is_gapless_with_concurrent_writers(sessions: sessionmaker[Session]) -> None:
    """Four writers appending at once still produce seq 1..N with no gap or repeat."""
    new_job(sessions, "e")
    move(sessions, "e", JobState.RUNNING)

    def write(n: int) -> None:
        for k in range(15):
            with sessions.begin() as s:
                repo.append_event(
                    session=s,
                    job_id="e",
                    kind="progress",
                    phase="local_search",
                    progress=float(k),
                    message=f"writer {n}",
                    at=NOW,
                )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with sessions() as s:
        seqs = [e.seq for e in repo.events_after(session=s, job_id="e", seq=0)]
        assert seqs == list(range(1, 61))
        assert repo.require_job(session=s, job_id="e").last_seq == 60
        assert [e.seq for e in repo.events_after(session=s, job_id="e", seq=57)] == [58, 59, 60]


def test_progress_of_a_finished_job_is_not_logged(sessions: sessionmaker[Session]) -> None:
    """A late progress report after cancellation is dropped, not appended."""
    new_job(sessions, "c")
    move(sessions, "c", JobState.RUNNING)
    move(sessions, "c", JobState.CANCELLED)
    with sessions.begin() as s:
        seq = repo.append_event(
            session=s,
            job_id="c",
            kind="progress",
            phase="local_search",
            progress=85.0,
            message="late",
            at=NOW,
            while_in=JobState.RUNNING,
        )
    assert seq is None
    with sessions() as s:
        assert repo.events_after(session=s, job_id="c", seq=0) == []


def test_jobs_are_listed_newest_first_and_counted(sessions: sessionmaker[Session]) -> None:
    """list_jobs pages newest first; count_by_state counts every state."""
    for n in range(5):
        new_job(sessions, f"l{n}", NOW + timedelta(minutes=n))
    move(sessions, "l4", JobState.CANCELLED)
    with sessions() as s:
        page, total = repo.list_jobs(session=s, limit=2, offset=1)
        assert [j.id for j in page] == ["l3", "l2"] and total == 5
        queued, n_queued = repo.list_jobs(session=s, limit=10, offset=0, state=JobState.QUEUED)
        assert n_queued == 4 and "l4" not in {j.id for j in queued}
        counts = repo.count_by_state(session=s)
        assert counts[JobState.QUEUED] == 4 and counts[JobState.CANCELLED] == 1
        assert repo.require_job(session=s, job_id="l0").created_at == NOW


def test_listing_reads_figures_not_documents(sessions: sessionmaker[Session]) -> None:
    """A page of jobs leaves problems and results in the database; a completed job's summary
    is its week's stats and its days' largest lower bound; documents come back as JSON text."""
    result = {
        "version": 1,
        "days": {
            "L": {"buses": [], "stats": {"lower_bound": 3}},
            "Mc": {"buses": [], "stats": {"lower_bound": 5}},
            "V": {"buses": [], "stats": {}},
        },
        "stats": {"buses_max": 6, "deadhead_min": 12.5},
    }
    for job_id in ("done", "waiting"):
        new_job(sessions, job_id)
    move(sessions, "done", JobState.RUNNING)
    with sessions.begin() as s:
        repo.transition(session=s, job_id="done", to=JobState.COMPLETED, now=NOW, result=result)
    with sessions() as s:
        page, _ = repo.list_jobs(session=s, limit=10, offset=0)
        with pytest.raises(InvalidRequestError):
            _ = page[0].result
        summaries = repo.result_summaries(session=s, job_ids=["done", "waiting"])
        assert summaries == {"done": {"buses_max": 6, "deadhead_min": 12.5, "lower_bound": 5}}
        text = repo.job_document(session=s, job_id="done", part="result")
        assert isinstance(text, str) and json.loads(text) == result
        assert repo.job_document(session=s, job_id="waiting", part="result") is None
        assert repo.job_document(session=s, job_id="done", part="problem", tenant="other") is None
