"""An HTTP client for OSRM's Table, Route and Nearest services (API v1, JSON).

Every request goes through one path: the circuit breaker, then up to `retries` further attempts
with exponential backoff on timeouts, connection errors, 5xx and 429 (honouring `Retry-After`),
then the answer's `code` checked. Failures leave as `OsrmUnavailable` (could not get an answer)
or `OsrmError` (the server refused), never as a silently wrong number.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from busplan.core.model import Point
from busplan.routing.breaker import CircuitBreaker
from busplan.routing.config import RoutingConfig
from busplan.routing.errors import OsrmError, OsrmUnavailable

COORD_DECIMALS = 5
"""Coordinates are rounded to 1e-5 degrees (1.1 m of latitude) before they are sent or cached."""

Location = tuple[float, float]
"""(lat, lon) rounded to `COORD_DECIMALS`."""

Cell = float | None
"""Seconds or metres from OSRM; None = no road connects the pair."""


def location(point: Point) -> Location:
    return (round(point.lat, COORD_DECIMALS), round(point.lon, COORD_DECIMALS))


def coordinate(loc: Location) -> str:
    """A location as OSRM writes it: longitude first."""
    return f"{loc[1]:.{COORD_DECIMALS}f},{loc[0]:.{COORD_DECIMALS}f}"


@dataclass(frozen=True)
class Table:
    """One answer of the Table service: rows are sources, columns destinations."""

    durations: list[list[Cell]]
    distances: list[list[Cell]] | None
    data_version: str | None


class OsrmClient:
    """Talks to one OSRM server; safe to share between threads."""

    def __init__(
        self,
        config: RoutingConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not config.url:
            raise ValueError("an OSRM client needs a server URL (OSRM_URL)")
        self.config = config
        self.breaker = CircuitBreaker(config.breaker_failures, config.breaker_cooldown_s)
        self.requests: Counter[str] = Counter()
        """Requests sent per service, retries included under `"<service> retry"`."""
        self._lock = threading.Lock()
        self._sleep = sleep
        timeout = httpx.Timeout(config.read_timeout_s, connect=config.connect_timeout_s)
        limits = httpx.Limits(max_connections=config.concurrency)
        self._http = httpx.Client(
            base_url=config.server, timeout=timeout, limits=limits, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OsrmClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def table(self, sources: Sequence[Location], destinations: Sequence[Location]) -> Table:
        """Durations (s) and distances (m) from every source to every destination."""
        coords = list(dict.fromkeys([*sources, *destinations]))
        index = {loc: n for n, loc in enumerate(coords)}
        params = {
            "sources": ";".join(str(index[s]) for s in sources),
            "destinations": ";".join(str(index[d]) for d in destinations),
            "annotations": "duration,distance",
        }
        data = self._get("table", coords, params)
        durations = _grid(data.get("durations"), len(sources), len(destinations), "durations")
        distances = None
        if data.get("distances") is not None:
            distances = _grid(data["distances"], len(sources), len(destinations), "distances")
        return Table(durations, distances, _version(data))

    def route(self, points: Sequence[Location]) -> float:
        """Driving seconds along `points` in order (the first route the server proposes)."""
        data = self._get("route", list(points), {"overview": "false", "steps": "false"})
        routes = data.get("routes")
        first = routes[0] if isinstance(routes, list) and routes else None
        if not isinstance(first, dict) or not _number(first.get("duration")):
            raise OsrmError("InvalidResponse", "route answer without routes[0].duration")
        return float(first["duration"])

    def data_version(self, point: Location) -> str | None:
        """The server's `data_version`, read from a one-point Nearest request; None if unset."""
        return _version(self._get("nearest", [point], {"number": "1"}))

    def _get(self, service: str, coords: Sequence[Location], params: dict[str, str]) -> Any:
        path = f"/{service}/v1/{self.config.profile}/{';'.join(coordinate(c) for c in coords)}"
        reason, wait = "", 0.0
        for attempt in range(self.config.retries + 1):
            if attempt:
                self._sleep(wait)
            self.breaker.before()
            self._count(service if attempt == 0 else f"{service} retry")
            outcome = self._attempt(path, params)
            if isinstance(outcome, httpx.Response):
                self.breaker.success()
                return _decode(outcome)
            reason = outcome[0]
            wait = max(outcome[1], self._backoff(attempt))
            self.breaker.failure(reason)
        raise OsrmUnavailable(
            f"OSRM at {self.config.server} did not answer a {service} request after "
            f"{self.config.retries + 1} attempt(s); last: {reason}"
        )

    def _attempt(self, path: str, params: dict[str, str]) -> httpx.Response | tuple[str, float]:
        """The response, or why it is worth trying again and how long the server asks to wait."""
        try:
            response = self._http.get(path, params=params)
        except httpx.TimeoutException as exc:
            return f"timed out ({type(exc).__name__})", 0.0
        except httpx.TransportError as exc:
            return f"cannot connect ({type(exc).__name__}: {exc})", 0.0
        if response.status_code == 429 or response.status_code >= 500:
            return f"HTTP {response.status_code}", _retry_after(response, self.config.backoff_max_s)
        return response

    def _backoff(self, attempt: int) -> float:
        return float(min(self.config.backoff_s * 2.0**attempt, self.config.backoff_max_s))

    def _count(self, key: str) -> None:
        with self._lock:
            self.requests[key] += 1


def _decode(response: httpx.Response) -> Any:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        raise OsrmError(
            f"HTTP{response.status_code}",
            f"answer is not OSRM JSON: {response.text[:200]!r}",
            "check OSRM_URL and OSRM_PROFILE",
        )
    if data["code"] != "Ok":
        raise OsrmError(data["code"], str(data.get("message", "")))
    return data


def _grid(raw: Any, rows: int, cols: int, name: str) -> list[list[Cell]]:
    """A rows x cols table of non-negative numbers or nulls, or OsrmError."""
    if not isinstance(raw, list) or len(raw) != rows:
        raise OsrmError("InvalidResponse", f"table answer has no {rows}-row {name}")
    for row in raw:
        if not isinstance(row, list) or len(row) != cols:
            raise OsrmError("InvalidResponse", f"table {name} rows must have {cols} entries")
        if not all(v is None or _number(v) for v in row):
            raise OsrmError("InvalidResponse", f"table {name} must be numbers >= 0 or null")
    return raw


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _version(data: dict[str, Any]) -> str | None:
    version = data.get("data_version")
    return str(version) if version not in (None, "") else None


def _retry_after(response: httpx.Response, cap: float) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "0")), 0.0), cap)
    except ValueError:
        return 0.0
