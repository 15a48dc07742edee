"""`busplan worker`: run jobs from the Redis queue as a Celery worker (scale-out mode).

Reads the same settings as the API (`REDIS_URL`, `DATABASE_URL`, `CELERY_TASK_TIME_LIMIT`,
`WORKER_PROCESSES`...). Start as many as the machines allow; each process runs one job at a
time.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("worker", help="run a Celery worker for optimization jobs")
    p.add_argument(
        "--concurrency", type=int, default=None, help="job processes (default WORKER_PROCESSES)"
    )
    p.add_argument("--name", default="busplan@%h", help="worker node name (default busplan@%%h)")
    p.add_argument("--loglevel", default="INFO", help="log level (default INFO)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from busplan.jobs.celery_app import make_celery
    from busplan.jobs.celery_tasks import register_tasks
    from busplan.settings import ServiceSettings

    settings = ServiceSettings()
    if not settings.redis_url:
        print("busplan worker needs REDIS_URL (the job queue)", file=sys.stderr)
        return 2
    app = make_celery(settings)
    register_tasks(app)
    app.worker_main(
        [
            "worker",
            f"--concurrency={args.concurrency or settings.worker_processes}",
            f"--queues={settings.celery_queue}",
            f"--hostname={args.name}",
            f"--loglevel={args.loglevel}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
        ]
    )
    return 0
