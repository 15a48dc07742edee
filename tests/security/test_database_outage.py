"""A PostgreSQL of the test's own, stopped while a job runs: 503s meanwhile, nothing lost or
half-written, the job's outcome stored once the database is back."""

from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.harness import Server, connect, free_port, make_problem, receive, run_async

BIN = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))[-1]).parent
RUN_8S = {"problem": make_problem(600), "time_limit": 8}


class Cluster:
    """A throw-away PostgreSQL cluster, run as the `postgres` system user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="busplan-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.port = free_port()
        self._pg(
            "initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync"
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.folder}"
        self._pg(
            "pg_ctl",
            "-D",
            str(self.folder / "data"),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(BIN / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    def _pg(self, program: str, *args: str) -> None:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(BIN / program), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    made = Cluster()
    try:
        made.start()
        yield made
    finally:
        made.remove()


def test_database_outage_gives_503_and_loses_nothing(cluster: Cluster, tmp_path: Path) -> None:
    """Requests during the outage are 503 DATABASE_UNAVAILABLE and store nothing; the job
    running through it ends completed, with its result and a gapless event log."""
    env = {"DATABASE_URL": cluster.url, "WORKER_PROCESSES": "1"}
    server = Server(env, tmp_path / "server.log").start()
    try:
        job_id = server.submit(RUN_8S)["job_id"]
        server.wait_for(job_id, "running")
        cluster.stop()
        with httpx.Client(base_url=server.url, timeout=30) as c:
            answers = [
                c.post("/optimize-async", json=RUN_8S),
                c.get(f"/jobs/{job_id}"),
                c.get("/jobs"),
            ]
            assert c.get("/readyz").status_code == 503
        for r in answers:
            assert r.status_code == 503, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["code"] == "DATABASE_UNAVAILABLE"
            assert r.headers["retry-after"]
        time.sleep(10)  # the run ends while the database is away
        cluster.start()
        job = server.wait_for(job_id, "completed", "failed", timeout=60)
        assert job["status"] == "completed"
        with server.client() as c:
            assert c.get(f"/jobs/{job_id}/result").status_code == 200
            listed = c.get("/jobs").json()
        assert listed["total"] == 1  # the request refused during the outage left nothing

        async def log() -> list[dict[str, object]]:
            async with connect(server, job_id, last_seq=0) as ws:
                messages = [await receive(ws, 10)]
                while messages[-1]["type"] != "completed":
                    messages.append(await receive(ws, 10))
                return messages

        seqs = [m["seq"] for m in run_async(log())[1:]]
        assert seqs == list(range(1, len(seqs) + 1))
    finally:
        server.stop()
