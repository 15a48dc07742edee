"""Problem JSON (format versions 1 and 2) to the immutable model, with every input error reported.

Validation does not stop at the first error: the loader walks the whole document and raises one
`ProblemError` listing each error with its JSON path, so a user fixes a file in one pass.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from busplan.core.model import (
    DAYS,
    Depot,
    Duty,
    FleetEntry,
    Kind,
    Point,
    Problem,
    SeatRange,
    Settings,
    Stop,
    Trip,
    Window,
)
from busplan.core.units import minutes_to_seconds, parse_clock

FORMAT_VERSION = 2
"""The newest format this loader reads and the solver writes; version 1 files stay valid."""
VERSIONS = (1, 2)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FieldError:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class ProblemError(ValueError):
    """The input is not a valid problem; `errors` lists every reason with its JSON path."""

    def __init__(self, errors: list[FieldError], source: str = "") -> None:
        self.errors = errors
        self.source = source
        head = f"{source}: " if source else ""
        lines = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{head}{len(errors)} error(s) in the problem:\n{lines}{more}")


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, path: str, reason: str) -> None:
        self.items.append(FieldError(path, reason))

    def read(self, path: str, convert: Callable[[], T]) -> T | None:
        """Run a conversion; on ValueError record it at `path` and return None."""
        try:
            return convert()
        except ValueError as exc:
            self.add(path, str(exc))
            return None


def load_problem(path: str | Path) -> Problem:
    """Read a problem file; raises ProblemError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemError(
            [FieldError("$", f"cannot read file: {exc.strerror}")], str(path)
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ProblemError(
            [FieldError("$", f"not valid JSON ({exc.msg} at {where})")], str(path)
        ) from exc
    try:
        return parse_problem(data)
    except ProblemError as exc:
        raise ProblemError(exc.errors, str(path)) from None


def parse_problem(data: Any) -> Problem:
    """A decoded JSON document to a Problem, or ProblemError listing every error."""
    errors = _Errors()
    if not isinstance(data, dict):
        raise ProblemError([FieldError("$", "a problem is a JSON object with a trips list")])
    version = data.get("version", 1)
    if version not in VERSIONS:
        errors.add("version", f"unsupported format version {version!r} (expected 1 or 2)")
    settings = _settings(data.get("settings", {}), errors, version == 2)
    raw_trips = data.get("trips")
    if not isinstance(raw_trips, list) or not raw_trips:
        errors.add("trips", "must be a non-empty list of trips")
        raw_trips = []
    trips = _trips(raw_trips, errors)
    depots = _depots(data.get("depots", []), errors)
    fleet = _fleet(data.get("fleet", []), {d.id: d for d in depots}, errors)
    travel = _travel(data.get("travel"), len(raw_trips), errors)
    depot_out, depot_in = _depot_travel(data.get("travel"), len(depots), len(raw_trips), errors)
    if depots and depot_out is None and any(d.point is None for d in depots):
        errors.add("depots", "need lat and lon unless travel gives depot_out_min and depot_in_min")
    if travel is None and "travel" not in data:
        for n, raw in enumerate(raw_trips):
            if (
                isinstance(raw, dict)
                and not raw.get("stops")
                and not (raw.get("start") and raw.get("end"))
            ):
                errors.add(
                    f"trips[{n}]", "needs stops or start and end when there is no travel matrix"
                )
    if errors.items:
        raise ProblemError(errors.items)
    name = data.get("name")
    try:
        return Problem(
            tuple(trips),
            settings,
            str(name) if name is not None else "",
            travel,
            tuple(depots),
            tuple(fleet),
            depot_out,
            depot_in,
        )
    except ValueError as exc:
        raise ProblemError([FieldError("$", str(exc))]) from None


def _trips(raw_trips: list[Any], errors: _Errors) -> list[Trip]:
    trips: list[Trip] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(raw_trips):
        trip = _trip(raw, f"trips[{n}]", errors)
        if trip is None:
            continue
        if trip.id in seen:
            errors.add(f"trips[{n}].id", f'duplicate id "{trip.id}" (also trips[{seen[trip.id]}])')
            continue
        seen[trip.id] = n
        trips.append(trip)
    return trips


def _settings(raw: Any, errors: _Errors, version_2: bool) -> Settings:
    if not isinstance(raw, dict):
        errors.add("settings", "must be an object")
        return Settings()
    default = Settings()
    entry = _window(raw.get("entry_shift_min"), "settings.entry_shift_min", errors)
    exit_ = _window(raw.get("exit_shift_min"), "settings.exit_shift_min", errors)
    buffer_s = default.buffer_s
    if "buffer_min" in raw:
        value = _number(raw["buffer_min"], "settings.buffer_min", errors, minimum=0.0)
        buffer_s = minutes_to_seconds(value) if value is not None else buffer_s
    flags = {}
    for key, fallback in (("contracts_apart", False), ("stable_week", version_2)):
        value = raw.get(key, fallback)
        if not isinstance(value, bool):
            errors.add(f"settings.{key}", f"{json.dumps(value)} is not true or false")
            value = fallback
        flags[key] = value
    max_ride = raw.get("max_ride_min")
    ride = None if max_ride is None else _number(max_ride, "settings.max_ride_min", errors, 1.0)
    return Settings(
        entry or default.entry_shift,
        exit_ or default.exit_shift,
        buffer_s,
        contracts_apart=flags["contracts_apart"],
        duty=_duty(raw.get("duty"), errors),
        stable_week=flags["stable_week"],
        max_ride_s=None if ride is None else minutes_to_seconds(ride),
    )


DUTY_FIELDS = ("max_spread_min", "max_drive_min", "break_after_min", "break_min")


def _duty(raw: Any, errors: _Errors) -> Duty:
    if raw is None:
        return Duty()
    if not isinstance(raw, dict):
        errors.add("settings.duty", f"must be an object with {', '.join(DUTY_FIELDS)}")
        return Duty()
    limits: list[int | None] = []
    for key in DUTY_FIELDS:
        value = raw.get(key)
        minutes = None if value is None else _number(value, f"settings.duty.{key}", errors, 1.0)
        limits.append(None if minutes is None else minutes_to_seconds(minutes))
    if (limits[2] is None) != (limits[3] is None):
        errors.add(
            "settings.duty", "break_after_min and break_min are given together or not at all"
        )
        return Duty()
    return Duty(*limits)


def _text_id(raw: Any, path: str, errors: _Errors) -> str:
    if not isinstance(raw, str | int) or isinstance(raw, bool) or str(raw) == "":
        errors.add(path, "missing or empty")
        return ""
    return str(raw)


def _depots(raw: Any, errors: _Errors) -> list[Depot]:
    if not isinstance(raw, list):
        errors.add("depots", "must be a list of depots")
        return []
    depots: list[Depot] = []
    for n, d in enumerate(raw):
        path = f"depots[{n}]"
        if not isinstance(d, dict):
            errors.add(path, "a depot is an object with an id")
            continue
        before = len(errors.items)
        depot_id = _text_id(d.get("id"), f"{path}.id", errors)
        point = None
        if d.get("lat") is not None or d.get("lon") is not None:
            point = _lat_lon(
                d.get("lat"), d.get("lon"), (f"{path}.lat", f"{path}.lon"), path, errors
            )
        cap = d.get("max_buses")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
            errors.add(f"{path}.max_buses", f"{json.dumps(cap)} is not a whole number of buses")
        if any(x.id == depot_id for x in depots):
            errors.add(f"{path}.id", f'duplicate depot id "{depot_id}"')
        if len(errors.items) == before:
            operator = str(d.get("operator") or "")
            depots.append(Depot(depot_id, point, str(d.get("name", "")), operator, cap))
    return depots


def _fleet(raw: Any, depots: dict[str, Depot], errors: _Errors) -> list[FleetEntry]:
    if not isinstance(raw, list):
        errors.add("fleet", "must be a list of fleet entries")
        return []
    fleet: list[FleetEntry] = []
    for n, f in enumerate(raw):
        path = f"fleet[{n}]"
        if not isinstance(f, dict):
            errors.add(path, "a fleet entry is an object with id, operator, depot, seats, count")
            continue
        before = len(errors.items)
        entry_id = _text_id(f.get("id"), f"{path}.id", errors)
        operator = str(f.get("operator") or "")
        depot = _text_id(f.get("depot"), f"{path}.depot", errors)
        if depot and depot not in depots:
            errors.add(f"{path}.depot", f'"{depot}" is not one of the depots')
        elif depot and depots[depot].operator and depots[depot].operator != operator:
            errors.add(f"{path}.depot", f"{depot} belongs to {depots[depot].operator}")
        numbers: dict[str, Any] = {}
        for key, least in (("seats", 1), ("count", 0)):
            value = f.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                errors.add(
                    f"{path}.{key}", f"{json.dumps(value)} must be a whole number >= {least}"
                )
            numbers[key] = value
        if any(x.id == entry_id for x in fleet):
            errors.add(f"{path}.id", f'duplicate fleet id "{entry_id}"')
        if len(errors.items) == before:
            fleet.append(FleetEntry(entry_id, operator, depot, numbers["seats"], numbers["count"]))
    return fleet


def _window(raw: Any, path: str, errors: _Errors) -> Window | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 2:
        errors.add(path, "must be [earliest, latest] in minutes")
        return None
    lo = _number(raw[0], f"{path}[0]", errors)
    hi = _number(raw[1], f"{path}[1]", errors)
    if lo is None or hi is None:
        return None
    if lo > hi:
        errors.add(path, f"earliest {lo:g} is after latest {hi:g}")
        return None
    return Window(minutes_to_seconds(lo), minutes_to_seconds(hi))


MAX_MINUTES = 24 * 60
"""No duration, window, buffer or offset in a school day is longer than a day."""


def _number(
    raw: Any,
    path: str,
    errors: _Errors,
    minimum: float | None = None,
    maximum: float | None = MAX_MINUTES,
) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        errors.add(path, f"{json.dumps(raw)} is not a number")
        return None
    if minimum is not None and raw < minimum:
        errors.add(path, f"{raw:g} must be at least {minimum:g}")
        return None
    if maximum is not None and abs(raw) > maximum:
        errors.add(path, f"{raw:g} is out of range (at most {maximum:g} minutes)")
        return None
    return float(raw)


def _point(raw: Any, path: str, errors: _Errors) -> Point | None:
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        errors.add(path, "must be [lat, lon]")
        return None
    return _lat_lon(raw[0], raw[1], (f"{path}[0]", f"{path}[1]"), path, errors)


def _lat_lon(
    lat: Any, lon: Any, paths: tuple[str, str], path: str, errors: _Errors
) -> Point | None:
    la = _number(lat, paths[0], errors, maximum=None)
    lo = _number(lon, paths[1], errors, maximum=None)
    if la is None or lo is None:
        return None
    if not -90 <= la <= 90 or not -180 <= lo <= 180:
        errors.add(path, f"coordinates ({la:g}, {lo:g}) are out of range")
        return None
    return Point(la, lo)


def _trip(raw: Any, path: str, errors: _Errors) -> Trip | None:
    if not isinstance(raw, dict):
        errors.add(path, "a trip is an object")
        return None
    before = len(errors.items)
    trip_id = raw.get("id")
    if not isinstance(trip_id, str | int) or isinstance(trip_id, bool) or str(trip_id) == "":
        errors.add(f"{path}.id", "missing or empty")
    kind = raw.get("kind")
    if kind not in ("entry", "exit"):
        errors.add(f"{path}.kind", f'{json.dumps(kind)} is not "entry" or "exit"')
    time_s = errors.read(f"{path}.time", lambda: parse_clock(raw.get("time", "")))
    duration = _number(raw.get("duration_min"), f"{path}.duration_min", errors)
    if duration is not None and duration <= 0:
        errors.add(f"{path}.duration_min", f"{duration:g} must be positive")
    stops = _stops(raw.get("stops", []), f"{path}.stops", errors)
    start = _point(raw["start"], f"{path}.start", errors) if raw.get("start") is not None else None
    end = _point(raw["end"], f"{path}.end", errors) if raw.get("end") is not None else None
    days = _days(raw.get("days", list(DAYS)), f"{path}.days", errors)
    seats = raw.get("seats", 0)
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 0:
        errors.add(f"{path}.seats", f"{json.dumps(seats)} is not a whole number of seats")
    vehicle = _seat_range(raw.get("vehicle_seats"), f"{path}.vehicle_seats", errors)
    shift = _window(raw.get("shift_min"), f"{path}.shift_min", errors)
    school = raw.get("school") or {}
    if not isinstance(school, dict):
        errors.add(f"{path}.school", "must be an object with id and name")
        school = {}
    if len(errors.items) > before:
        return None
    assert time_s is not None and duration is not None and vehicle is not None
    return Trip(
        id=str(trip_id),
        kind=Kind(str(kind)),
        time_s=time_s,
        duration_s=max(minutes_to_seconds(duration), 1),
        start=start,
        end=end,
        stops=tuple(stops),
        school_id=str(school.get("id", "")),
        school_name=str(school.get("name", "")),
        seats=seats,
        vehicle_seats=vehicle,
        contract=str(raw.get("contract", "")),
        days=frozenset(days),
        shift=shift,
        operator=str(raw.get("operator") or ""),
    )


def _stops(raw: Any, path: str, errors: _Errors) -> list[Stop]:
    if not isinstance(raw, list):
        errors.add(path, "must be a list of stops")
        return []
    stops = []
    for n, s in enumerate(raw):
        where = f"{path}[{n}]"
        if not isinstance(s, dict):
            errors.add(where, "a stop is an object with lat and lon")
            continue
        point = _lat_lon(
            s.get("lat"), s.get("lon"), (f"{where}.lat", f"{where}.lon"), where, errors
        )
        offset = _number(s.get("offset_min", 0), f"{where}.offset_min", errors, minimum=0.0)
        boarding = s.get("boarding", 0)
        if isinstance(boarding, bool) or not isinstance(boarding, int) or boarding < 0:
            errors.add(f"{where}.boarding", f"{json.dumps(boarding)} is not a whole number")
            continue
        if point is not None and offset is not None:
            stops.append(Stop(str(s.get("name", "")), point, minutes_to_seconds(offset), boarding))
    return stops


def _days(raw: Any, path: str, errors: _Errors) -> list[str]:
    if not isinstance(raw, list) or not raw:
        errors.add(path, f"must be a non-empty list of day codes ({', '.join(DAYS)})")
        return []
    unknown = [d for d in raw if d not in DAYS]
    for d in unknown:
        errors.add(path, f"{json.dumps(d)} is not a day code ({', '.join(DAYS)})")
    return [d for d in raw if d in DAYS]


def _seat_range(raw: Any, path: str, errors: _Errors) -> SeatRange | None:
    if raw is None:
        return SeatRange()
    if not isinstance(raw, list) or len(raw) != 2:
        errors.add(path, "must be [min, max] (either may be null)")
        return None
    bounds = []
    for n, v in enumerate(raw):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            errors.add(f"{path}[{n}]", f"{json.dumps(v)} is not a whole number of seats or null")
            return None
        bounds.append(v)
    if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
        errors.add(path, f"min {bounds[0]} is above max {bounds[1]}")
        return None
    return SeatRange(bounds[0], bounds[1])


def _travel(raw: Any, n: int, errors: _Errors) -> np.ndarray | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "minutes" not in raw:
        errors.add("travel", 'must be an object with a "minutes" matrix')
        return None
    return _minutes(raw["minutes"], "travel.minutes", (n, "trip"), (n, "trip"), errors)


def _depot_travel(
    raw: Any, depots: int, trips: int, errors: _Errors
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """`depot_out_min` (depot x trip) and `depot_in_min` (trip x depot): both or neither."""
    if not isinstance(raw, dict):
        return None, None
    given = [k for k in ("depot_out_min", "depot_in_min") if raw.get(k) is not None]
    if len(given) == 1:
        errors.add(f"travel.{given[0]}", "depot_out_min and depot_in_min are given together")
    if len(given) != 2:
        return None, None
    out = _minutes(
        raw["depot_out_min"], "travel.depot_out_min", (depots, "depot"), (trips, "trip"), errors
    )
    back = _minutes(
        raw["depot_in_min"], "travel.depot_in_min", (trips, "trip"), (depots, "depot"), errors
    )
    return out, back


def _minutes(
    rows: Any, path: str, shape: tuple[int, str], columns: tuple[int, str], errors: _Errors
) -> np.ndarray | None:
    """A matrix of travel minutes with one row per `shape` item and one entry per `columns` item,
    in seconds."""
    n, what = shape
    m, of = columns
    if not isinstance(rows, list) or len(rows) != n:
        errors.add(path, f"must have one row per {what} ({n})")
        return None
    for r, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != m:
            errors.add(f"{path}[{r}]", f"must have one entry per {of} ({m})")
            return None
    try:
        matrix = np.array(rows, dtype=float).reshape(n, m)
    except (TypeError, ValueError):
        errors.add(path, "entries must be numbers")
        return None
    bad = np.argwhere(~np.isfinite(matrix) | (matrix < 0))
    for r, c in bad[:20]:
        errors.add(f"{path}[{r}][{c}]", f"{rows[r][c]!r} is not a travel time (minutes >= 0)")
    if len(bad):
        return None
    seconds: np.ndarray = np.rint(matrix * 60).astype(np.int64)
    return seconds
