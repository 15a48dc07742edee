"""A local server speaking OSRM's documented HTTP API (Table, Route, Nearest), and small problems.

OSRM itself cannot run here, so the client is tested against this stand-in: same URLs, same
JSON shapes (`code`, `durations` with `null`, `distances`, `data_version`), same error codes
with HTTP 400, and the same `--max-table-size` rule (sources x destinations <= size^2).
Travel times are a deterministic function of the coordinates, with tenths of a second as OSRM
returns them, so every expected value can be recomputed exactly.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from busplan.core.model import DAYS, Kind, Point, Problem, Trip

SPEED_MS = 40 / 3.6
DETOUR = 1.3


def road_metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (lat, lon) along the stand-in's roads."""
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(min(h, 1.0))) * DETOUR


def road_seconds(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Seconds as OSRM reports them: one decimal, with a fraction so rounding shows."""
    if a == b:
        return 0.0
    return round(road_metres(a, b) / SPEED_MS + 0.37, 1)


@dataclass
class Action:
    """What the server does to a request instead of (or before) answering it."""

    status: int = 0
    code: str = ""
    delay_s: float = 0.0
    retry_after: str | None = None
    message: str = "scripted failure"
    data_version: str | None = None
    """Report this data version instead of the server's."""


Reply = tuple[int, dict[str, Any], dict[str, str] | None]
"""HTTP status, JSON body and extra headers of one answer."""


@dataclass
class Request:
    service: str
    coordinates: int
    sources: int
    destinations: int


@dataclass
class FakeOsrm:
    url: str = ""
    max_table_size: int = 100
    data_version: str | None = "osm-2026-11-01"
    unreachable: set[tuple[float, float]] = field(default_factory=set)
    """Locations no road reaches: table cells are null, routes NoRoute."""
    off_road: set[tuple[float, float]] = field(default_factory=set)
    """Locations too far from any road: NoSegment."""
    script: list[tuple[str | None, Action]] = field(default_factory=list)
    """Actions for the next requests (of a service, or of any when None), in order."""
    always: Action | None = None
    delay_s: float = 0.0
    requests: list[Request] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, service: str) -> int:
        return sum(1 for r in self.requests if r.service == service)

    def next_action(self, service: str) -> Action | None:
        with self.lock:
            for n, (wanted, action) in enumerate(self.script):
                if wanted in (None, service):
                    del self.script[n]
                    return action
            return self.always

    def enter(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def leave(self) -> None:
        with self.lock:
            self._in_flight -= 1


def _indices(raw: str | None, n: int) -> list[int]:
    if raw is None or raw == "all":
        return list(range(n))
    return [int(v) for v in raw.split(";")]


def _waypoint(loc: tuple[float, float]) -> dict[str, Any]:
    return {"hint": "", "distance": 0.0, "name": "", "location": [loc[1], loc[0]]}


class Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        """Answer one request as osrm-routed would."""
        state: FakeOsrm = self.server.state
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if len(parts) != 4 or parts[1] != "v1":
            self._send(400, {"code": "InvalidUrl", "message": f"URL string malformed: {url.path}"})
            return
        service = parts[0]
        coords = [
            (float(lat), float(lon)) for lon, lat in (c.split(",") for c in parts[3].split(";"))
        ]
        sources = _indices(query.get("sources"), len(coords))
        targets = _indices(query.get("destinations"), len(coords))
        state.enter(Request(service, len(coords), len(sources), len(targets)))
        try:
            reply = self._answer(state, service, coords, sources, targets, query)
        finally:
            # Leave before the answer is written: once the client has read it, it may send its
            # next request at once, and this thread may not have run again by then.
            state.leave()
        self._send(*reply)

    def _answer(
        self,
        state: FakeOsrm,
        service: str,
        coords: list[tuple[float, float]],
        sources: list[int],
        targets: list[int],
        query: dict[str, str],
    ) -> Reply:
        action = state.next_action(service)
        time.sleep(state.delay_s + (action.delay_s if action else 0.0))
        if action and action.status:
            headers = {"Retry-After": action.retry_after} if action.retry_after else {}
            return (action.status, {"message": action.message}, headers)
        if action and action.code:
            return (400, {"code": action.code, "message": action.message}, None)
        for n, c in enumerate(coords):
            if c in state.off_road:
                return (
                    400,
                    {
                        "code": "NoSegment",
                        "message": f"Could not find a matching segment for coordinate {n}",
                    },
                    None,
                )
        body: dict[str, Any]
        if service == "table":
            if len(sources) * len(targets) > state.max_table_size**2:
                return (400, {"code": "TooBig", "message": "Too many table coordinates"}, None)
            body = self._table(state, coords, sources, targets, query)
        elif service == "route":
            if any(c in state.unreachable for c in coords):
                return 400, {"code": "NoRoute", "message": "Impossible route between points"}, None
            legs = [road_seconds(a, b) for a, b in itertools.pairwise(coords)]
            metres = sum(road_metres(a, b) for a, b in itertools.pairwise(coords))
            body = {
                "code": "Ok",
                "routes": [
                    {
                        "duration": round(sum(legs), 1),
                        "distance": round(metres, 1),
                        "weight": sum(legs),
                        "weight_name": "routability",
                        "legs": [{"duration": d, "summary": "", "steps": []} for d in legs],
                    }
                ],
                "waypoints": [_waypoint(c) for c in coords],
            }
        elif service == "nearest":
            body = {"code": "Ok", "waypoints": [{**_waypoint(coords[0]), "nodes": [1, 2]}]}
        else:
            return 400, {"code": "InvalidService", "message": f"Service {service} not found!"}, None
        version = action.data_version if action and action.data_version else state.data_version
        if version is not None:
            body["data_version"] = version
        return 200, body, None

    def _table(
        self,
        state: FakeOsrm,
        coords: list[tuple[float, float]],
        sources: list[int],
        targets: list[int],
        query: dict[str, str],
    ) -> dict[str, Any]:
        def cell(i: int, j: int, fn: Any) -> float | None:
            a, b = coords[i], coords[j]
            if a != b and (a in state.unreachable or b in state.unreachable):
                return None
            return float(fn(a, b))

        annotations = query.get("annotations", "duration").split(",")
        body: dict[str, Any] = {
            "code": "Ok",
            "sources": [_waypoint(coords[i]) for i in sources],
            "destinations": [_waypoint(coords[j]) for j in targets],
        }
        if "duration" in annotations:
            body["durations"] = [[cell(i, j, road_seconds) for j in targets] for i in sources]
        if "distance" in annotations:
            metres = lambda a, b: round(road_metres(a, b), 1)  # noqa: E731
            body["distances"] = [[cell(i, j, metres) for j in targets] for i in sources]
        return body

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


def school_problem(trips: int, schools: int, seed: int = 0) -> Problem:
    """Entries from a home stop to a school and exits back, in a 20 km square; coordinates
    already on the 1e-5 degree grid so expected values need no rounding."""
    rng = random.Random(seed)

    def point() -> Point:
        return Point(round(42.2 + rng.random() * 0.18, 5), round(-8.75 + rng.random() * 0.24, 5))

    campus = [point() for _ in range(schools)]
    out = []
    for n in range(trips):
        school, home = campus[n % schools], point()
        kind = Kind.ENTRY if n % 2 == 0 else Kind.EXIT
        start, end = (home, school) if kind is Kind.ENTRY else (school, home)
        days = frozenset(rng.sample(DAYS, rng.randint(2, 5)))
        time_s = (8 * 3600 + rng.randint(0, 60) * 60) if kind is Kind.ENTRY else 14 * 3600
        out.append(Trip(f"T{n:04d}", kind, time_s, 900, start=start, end=end, days=days))
    return Problem(tuple(out), name=f"synthetic-{trips}")


def expected_seconds(problem: Problem) -> list[list[int]]:
    """Road seconds from each trip's end to each trip's start, rounded up."""
    ends = [(t.end.lat, t.end.lon) for t in problem.trips if t.end]
    starts = [(t.start.lat, t.start.lon) for t in problem.trips if t.start]
    return [[math.ceil(road_seconds(e, s)) for s in starts] for e in ends]


@contextmanager
def serve(state: FakeOsrm) -> Iterator[FakeOsrm]:
    """Run the stand-in on 127.0.0.1 and a free port until the block ends."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.state = state  # type: ignore[attr-defined]
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
