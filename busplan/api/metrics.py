"""Prometheus metrics of one app: jobs by state, run durations, WebSocket connections.

A registry per app (not the global one), so several apps in one process do not collide.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from busplan.api.ws.manager import ConnectionManager
from busplan.jobs.log import JobLog, JobUpdate

DURATION_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, float("inf"))


class _Live(Collector):
    """Values read at scrape time from the store and the connection manager."""

    def __init__(self, job_log: JobLog, manager: ConnectionManager) -> None:
        self._log = job_log
        self._manager = manager

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily("busplan_jobs", "Jobs in the store by state", labels=["state"])
        for state, count in self._log.counts().items():
            jobs.add_metric([state.value], count)
        yield jobs
        yield GaugeMetricFamily(
            "busplan_websocket_connections",
            "Open WebSocket progress connections",
            value=self._manager.get_connection_count(),
        )


class Metrics:
    def __init__(self, job_log: JobLog, manager: ConnectionManager) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_Live(job_log, manager))
        self.finished = Counter(
            "busplan_jobs_finished",
            "Jobs finished by this process",
            ["state"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "busplan_job_duration_seconds",
            "Run time of finished jobs (started to finished)",
            ["state"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )

    def on_update(self, update: JobUpdate) -> None:
        if update.kind == "progress":
            return
        state = "failed" if update.kind == "failed" else update.kind
        self.finished.labels(state).inc()
        if update.seconds is not None:
            self.duration.labels(state).observe(update.seconds)
