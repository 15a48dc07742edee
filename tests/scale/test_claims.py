"""Claims in PostgreSQL: a job runs under one task at a time, however often it is delivered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from busplan.jobs.reaper import run_number
from busplan.store import leases, make_engine, session_factory, upgrade
from busplan.store import repository as repo
from busplan.store.states import JobState
from tests.scale.cluster import postgres_database

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sessions() -> Iterator[sessionmaker[Session]]:
    with postgres_database() as url:
        engine = make_engine(url, pool_size=10)
        upgrade(engine)
        yield session_factory(engine)
        engine.dispose()


def new_job(sessions: sessionmaker[Session], job_id: str) -> None:
    with sessions.begin() as s:
        repo.create_job(session=s, job_id=job_id, problem={}, params={}, trips=1, name="t", now=NOW)


def claim(sessions: sessionmaker[Session], job_id: str, task_id: str, at: datetime) -> bool:
    with sessions.begin() as s:
        return (
            leases.claim(session=s, job_id=job_id, task_id=task_id, now=at, lease=2).job is not None
        )


def test_concurrent_deliveries_claim_a_job_once(sessions: sessionmaker[Session]) -> None:
    """Eight deliveries of one task racing for a queued job: exactly one wins."""
    new_job(sessions, "race")
    barrier = threading.Barrier(8)
    wins: list[bool] = []

    def deliver() -> None:
        barrier.wait()
        wins.append(claim(sessions, "race", "race", NOW))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]


def test_cancelled_job_is_not_claimed(sessions: sessionmaker[Session]) -> None:
    """A delivery of a job cancelled while queued is refused, naming the state."""
    new_job(sessions, "gone")
    with sessions.begin() as s:
        repo.transition(session=s, job_id="gone", to=JobState.CANCELLED, now=NOW)
    with sessions.begin() as s:
        refused = leases.claim(session=s, job_id="gone", task_id="gone", now=NOW, lease=2)
    assert refused.job is None and refused.state is JobState.CANCELLED


def test_renewal_fails_once_the_job_is_cancelled(sessions: sessionmaker[Session]) -> None:
    """The worker learns from its renewal that it must stop (the database's cancel flag)."""
    new_job(sessions, "renew")
    assert claim(sessions, "renew", "renew", NOW)
    with sessions.begin() as s:
        assert leases.renew(session=s, job_id="renew", owner="renew", now=NOW, lease=2)
    with sessions.begin() as s:
        repo.transition(session=s, job_id="renew", to=JobState.CANCELLED, now=NOW)
    with sessions.begin() as s:
        assert not leases.renew(session=s, job_id="renew", owner="renew", now=NOW, lease=2)


def test_a_lapsed_claim_is_handed_over_once_and_claimed_once(
    sessions: sessionmaker[Session],
) -> None:
    """Two nodes see the lapse, one hands the job over; of two deliveries of the re-run, one
    runs it; the old task cannot come back."""
    new_job(sessions, "lost")
    assert claim(sessions, "lost", "lost", NOW)
    later = NOW + timedelta(seconds=5)
    with sessions() as s:
        found = [x for x in leases.lapsed(session=s, now=later, grace=2) if x.job_id == "lost"]
    assert [x.owner for x in found] == ["lost"]
    handed = []
    for _node in range(2):
        with sessions.begin() as s:
            handed.append(
                leases.hand_over(
                    session=s, job_id="lost", owner="lost", task_id="lost.2", now=later, hold=10
                )
            )
    assert handed == [True, False]
    assert not claim(sessions, "lost", "lost", later)
    assert claim(sessions, "lost", "lost.2", later)
    assert not claim(sessions, "lost", "lost.2", later)
    with sessions() as s:
        job = repo.require_job(session=s, job_id="lost")
    assert job.state == JobState.RUNNING and job.task_id == "lost.2" and job.attempts == 1


def test_run_numbers_come_from_task_ids() -> None:
    assert [run_number(t) for t in ("abc", "abc.2", "abc.3", None)] == [1, 2, 3, 1]
