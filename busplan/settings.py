"""The service's one validated configuration, read from the environment (12-factor).

Variable names are the field names in upper case (`DATABASE_URL`, `WS_HEARTBEAT_INTERVAL`...).
The API, the job executors and workers, and the service commands of the CLI receive one
`ServiceSettings` object; the service reads the environment nowhere else (travel times
included: `routing()`), so a test can build the exact configuration it needs.
"""

from __future__ import annotations

from typing import Self, cast

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from busplan.routing.config import DurationSource, RoutingConfig, cache_fields

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    database_url: str = "sqlite:///./busplan.db"
    """SQLAlchemy URL; `postgresql://...` selects PostgreSQL (driver psycopg 3)."""
    use_database: bool = True
    """False keeps jobs in a scratch database removed at shutdown: nothing survives a restart."""
    redis_url: str | None = None
    """Broker and progress channel for the Celery runner."""
    osrm_url: str | None = None
    """OSRM server for travel times; without it the built-in estimate is used. The other
    `OSRM_*` settings are those of docs/routing.md (`routing()` turns them into one config)."""
    osrm_profile: str = "driving"
    osrm_table_size: int = 100
    osrm_concurrency: int = 4
    osrm_connect_timeout: float = 5.0
    osrm_timeout: float = 60.0
    osrm_retries: int = 3
    osrm_breaker_failures: int = 5
    osrm_breaker_cooldown: float = 30.0
    osrm_cache: str = ""
    """SQLite path, `redis://...` or `none`; unset: REDIS_URL if set, else the user cache file."""
    osrm_data_version: str = ""
    osrm_fallback: bool = False
    osrm_durations: str = "timetable"
    osrm_dwell_s: int = 30
    celery_enabled: bool = False
    websocket_enabled: bool = True

    ws_heartbeat_interval: float = Field(default=30.0, gt=0)
    """Seconds between WebSocket ping frames sent by the server."""
    ws_ping_timeout: float = Field(default=10.0, gt=0)
    """Seconds a client has to answer a ping before its connection is dropped."""
    ws_send_queue: int = Field(default=1000, ge=10)
    """Messages buffered per WebSocket client; a client that falls further behind is dropped."""

    celery_task_time_limit: float = Field(default=3600.0, gt=0)
    """Hard limit in seconds on one job run; the worker process is killed past it."""
    worker_processes: int = Field(default=2, ge=1)
    """Jobs that run at the same time, each in its own worker process."""
    solver_threads: int = Field(default=1, ge=1)
    """Search threads the solver may use inside one worker process. One, as `busplan
    optimize` uses: on a 2-core machine two threads made a job 6.6-11.5x slower than the CLI
    for the same plan (the 230-trip example: CLI 5.1 s, job 4.6 s with one thread, 58.8 s
    with two; 120 trips: 6.4, 5.8 and 41.8 s; benchmarks/results.md, "Job against CLI")."""
    cancel_grace_seconds: float = Field(default=1.5, gt=0)
    """How long a cancelled job may take to stop by itself before its process is terminated."""

    split_jobs: bool = True
    """Celery workers split a job into its independent parts (day sets, and groups of trips
    no bus can mix) and solve them on as many worker processes as are free (docs/deploy.md)."""
    split_min_trips: int = Field(default=400, ge=1)
    """Smaller jobs run in one process: their parts would spend more on coordination than
    they save."""

    redis_key_prefix: str = "busplan:"
    """Prefix of every Redis key and channel (broker queues, cancel flags, progress fan-out)."""
    celery_queue: str = "busplan"
    """Celery queue API nodes send jobs to and workers take them from."""
    celery_retry_backoff: tuple[float, ...] = (60.0, 120.0, 240.0)
    """Delays before each retry of a job hit by an infrastructure failure (JSON list)."""
    job_lease_seconds: float = Field(default=30.0, gt=0)
    """How long a Celery worker's claim on a running job lasts; it renews it every third of
    that. A job whose claim lapses (worker lost) is run again or failed as `WORKER_LOST`."""
    database_pool_size: int = Field(default=5, ge=1)
    """PostgreSQL connections each API node keeps open."""
    database_max_overflow: int = Field(default=10, ge=0)
    """Extra connections an API node may open under load, closed when idle."""
    database_pool_recycle: float = Field(default=1800.0, gt=0)
    """Seconds after which a pooled PostgreSQL connection is replaced."""

    default_time_limit: float = Field(default=60.0, gt=0)
    max_time_limit: float = Field(default=3600.0, gt=0)
    """Largest `time_limit` a client may ask for."""
    sync_max_trips: int = Field(default=100, ge=1)
    """Largest problem `POST /optimize` accepts; bigger ones must use `/optimize-async`."""
    sync_max_time_limit: float = Field(default=10.0, gt=0)
    max_body_bytes: int = Field(default=20_000_000, ge=1024)
    """Largest request body accepted by any endpoint."""

    progress_step: float = Field(default=5.0, gt=0)
    """Progress points after which clients get an update at once."""
    progress_interval: float = Field(default=1.0, gt=0)
    """Seconds after which clients get an update even if progress moved less than a step."""
    progress_min_interval: float = Field(default=0.25, ge=0)
    """Least seconds between two updates inside one phase (phase changes always go out)."""

    bind_host: str = "127.0.0.1"
    """Interface the API listens on (`busplan serve --host` sets it); decides AUTH_REQUIRED."""
    auth_required: bool | None = None
    """API keys required on every job path; unset: required unless BIND_HOST is loopback."""
    ws_allowed_origins: tuple[str, ...] = ()
    """Browser origins (`https://host[:port]`) allowed on the WebSocket besides the API's own
    (JSON list); a handshake without Origin (not a browser) is allowed."""
    rate_limit_per_second: float = Field(default=20.0, gt=0)
    """Requests per second an API key may make on average (token bucket)."""
    rate_limit_burst: int = Field(default=100, ge=1)
    """Requests an API key may make at once after being idle."""
    max_trips: int = Field(default=5000, ge=1)
    """Largest problem (trips) any job may have."""
    max_queued_jobs_per_tenant: int = Field(default=200, ge=1)
    """Jobs a tenant may have waiting for a worker; more are refused with 429."""
    max_import_unpacked_bytes: int = Field(default=50_000_000, ge=1024)
    """Largest decompressed size of an uploaded workbook (an .xlsx is a zip archive)."""
    ws_max_message_bytes: int = Field(default=65_536, ge=256)
    """Largest WebSocket message a client may send."""
    ws_max_clients_per_job: int = Field(default=200, ge=1)
    """WebSocket clients one job may have on one API node."""
    ws_ticket_seconds: float = Field(default=30.0, gt=0)
    """How long a ticket from `POST /ws-ticket` may wait before it is used (once)."""

    @property
    def auth_enforced(self) -> bool:
        """Whether requests without a valid API key are refused."""
        if self.auth_required is not None:
            return self.auth_required
        return self.bind_host not in LOOPBACK

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.celery_enabled and not self.redis_url:
            raise ValueError("CELERY_ENABLED needs REDIS_URL")
        if self.default_time_limit > self.max_time_limit:
            raise ValueError("DEFAULT_TIME_LIMIT is above MAX_TIME_LIMIT")
        self.routing()  # refuses bad OSRM_* values at start-up, naming the setting
        return self

    def routing(self) -> RoutingConfig:
        """Travel-time settings for jobs and `POST /optimize`, as `busplan optimize` reads them."""
        return RoutingConfig(
            url=self.osrm_url or None,
            profile=self.osrm_profile,
            table_size=self.osrm_table_size,
            concurrency=self.osrm_concurrency,
            connect_timeout_s=self.osrm_connect_timeout,
            read_timeout_s=self.osrm_timeout,
            retries=self.osrm_retries,
            breaker_failures=self.osrm_breaker_failures,
            breaker_cooldown_s=self.osrm_breaker_cooldown,
            data_version=self.osrm_data_version,
            allow_fallback=self.osrm_fallback,
            duration_source=cast(DurationSource, self.osrm_durations),
            dwell_s=self.osrm_dwell_s,
            **cache_fields(self.osrm_cache, self.redis_url),
        )

    @property
    def store_url(self) -> str:
        """The database jobs live in (an in-memory SQLite database when USE_DATABASE is off)."""
        return self.database_url if self.use_database else "sqlite://"
