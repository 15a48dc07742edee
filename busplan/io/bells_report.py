"""The bells report (the JSON of `report_to_dict`) read back for the exports, and said in words.

The exports take the report's JSON rather than the solver's rows, so a stored report exports
the same as a fresh one. Reading it checks every field the exports use and names the first
bad one; the sentences (a move, the rules) are shared by the workbook and the printed summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from busplan.core.units import minutes_to_seconds, parse_clock
from busplan.i18n import Words
from busplan.io.bells_json import REPORT_VERSION


class ReportError(ValueError):
    """A bells report the exports cannot read; the message names the field."""


@dataclass(frozen=True)
class ReportBell:
    school: str
    school_name: str
    kind: str
    """Entry or exit, as in the JSON: "entry", "exit"."""
    time_s: int
    trips: int
    fixed: bool
    tied: bool


@dataclass(frozen=True)
class ReportMove:
    school: str
    school_name: str
    kind: str
    time_s: int
    move_s: int
    """Later is positive."""
    new_time_s: int
    trips: int


@dataclass(frozen=True)
class ReportRow:
    max_moves: int
    fleet: int
    """Buses on the busiest day."""
    bound: int
    buses: dict[str, int]
    deadhead_s: int
    units_moved: int
    moves: tuple[ReportMove, ...]


@dataclass(frozen=True)
class BellsReport:
    problem: str
    earliest_s: int
    latest_s: int
    step_s: int
    fixed: tuple[str, ...]
    tied: tuple[str, ...]
    bells: tuple[ReportBell, ...]
    rows: tuple[ReportRow, ...]

    def saved(self, row: ReportRow) -> int:
        """Buses fewer than with no time moved (row K = 0)."""
        return self.rows[0].fleet - row.fleet if self.rows else 0

    def choices(self, most: int = 3) -> list[ReportRow]:
        """The rows worth reading: each beats every row before it (fewer buses, or as many and
        less empty driving); of those, the `most` best, in the order of K. A row no better
        than the one before repeats its plan, so it is left out."""
        better: list[ReportRow] = []
        for row in self.rows:
            if row.moves and all(
                (row.fleet, row.deadhead_s) < (r.fleet, r.deadhead_s)
                for r in self.rows
                if r.max_moves < row.max_moves
            ):
                better.append(row)
        best = sorted(better, key=lambda r: (r.fleet, r.deadhead_s, r.max_moves))[:most]
        return sorted(best, key=lambda r: r.max_moves)


def read_report(raw: Mapping[str, Any]) -> BellsReport:
    """The report's JSON as typed rows; `ReportError` names the first field it cannot use."""
    if not isinstance(raw, Mapping):
        raise ReportError("a bells report is a JSON object")
    if raw.get("version") != REPORT_VERSION:
        raise ReportError(
            f"version: {raw.get('version')!r} is not a bells report version this busplan "
            f"reads ({REPORT_VERSION})"
        )
    rules = _get(raw, "rules", Mapping, "rules")
    span = _get(rules, "range_min", list, "rules.range_min")
    if len(span) != 2:
        raise ReportError("rules.range_min: must be [earliest, latest] in minutes")
    report = BellsReport(
        problem=_get(raw, "problem", str, "problem"),
        earliest_s=minutes_to_seconds(_number(span[0], "rules.range_min[0]")),
        latest_s=minutes_to_seconds(_number(span[1], "rules.range_min[1]")),
        step_s=minutes_to_seconds(_number(rules.get("step_min"), "rules.step_min")),
        fixed=tuple(_strings(rules, "fixed", "rules.fixed")),
        tied=tuple(_strings(rules, "tied", "rules.tied")),
        bells=tuple(
            _bell(b, f"bells[{n}]") for n, b in enumerate(_get(raw, "bells", list, "bells"))
        ),
        rows=tuple(_row(r, f"rows[{n}]") for n, r in enumerate(_get(raw, "rows", list, "rows"))),
    )
    if not report.rows:
        raise ReportError("rows: the report has no rows")
    return report


def _bell(raw: Any, path: str) -> ReportBell:
    item = _object(raw, path)
    return ReportBell(
        school=_get(item, "school", str, f"{path}.school"),
        school_name=str(item.get("school_name") or ""),
        kind=_kind(item, path),
        time_s=_clock(item.get("time"), f"{path}.time"),
        trips=_get(item, "trips", int, f"{path}.trips"),
        fixed=bool(item.get("fixed")),
        tied=bool(item.get("tied")),
    )


def _move(raw: Any, path: str) -> ReportMove:
    item = _object(raw, path)
    return ReportMove(
        school=_get(item, "school", str, f"{path}.school"),
        school_name=str(item.get("school_name") or ""),
        kind=_kind(item, path),
        time_s=_clock(item.get("time"), f"{path}.time"),
        move_s=minutes_to_seconds(_number(item.get("move_min"), f"{path}.move_min")),
        new_time_s=_clock(item.get("new_time"), f"{path}.new_time"),
        trips=_get(item, "trips", int, f"{path}.trips"),
    )


def _row(raw: Any, path: str) -> ReportRow:
    item = _object(raw, path)
    buses = _get(item, "buses", Mapping, f"{path}.buses")
    return ReportRow(
        max_moves=_get(item, "max_moves", int, f"{path}.max_moves"),
        fleet=_get(item, "fleet", int, f"{path}.fleet"),
        bound=_get(item, "bound", int, f"{path}.bound"),
        buses={str(day): _get(buses, day, int, f"{path}.buses.{day}") for day in buses},
        deadhead_s=minutes_to_seconds(_number(item.get("deadhead_min"), f"{path}.deadhead_min")),
        units_moved=_get(item, "units_moved", int, f"{path}.units_moved"),
        moves=tuple(
            _move(m, f"{path}.moves[{n}]")
            for n, m in enumerate(_get(item, "moves", list, f"{path}.moves"))
        ),
    )


def _object(raw: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ReportError(f"{path}: must be an object")
    return raw


def _get(item: Mapping[str, Any], key: str, kind: type, path: str) -> Any:
    value = item.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ReportError(f"{path}: missing or not {_names.get(kind, kind.__name__)}")
    return value


_names = {str: "text", int: "a whole number", list: "a list", Mapping: "an object"}


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReportError(f"{path}: missing or not a number of minutes")
    return float(value)


def _strings(item: Mapping[str, Any], key: str, path: str) -> list[str]:
    values = item.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ReportError(f"{path}: must be a list of school ids")
    return values


def _kind(item: Mapping[str, Any], path: str) -> str:
    kind = item.get("kind")
    if kind not in ("entry", "exit"):
        raise ReportError(f'{path}.kind: must be "entry" or "exit"')
    return str(kind)


def _clock(value: Any, path: str) -> int:
    try:
        return parse_clock(value)
    except ValueError as exc:
        raise ReportError(f"{path}: {exc}") from None


# -- in words ------------------------------------------------------------------------------------


def school_words(school: str, name: str, w: Words) -> str:
    """A school as people know it: "CEIP Castro (S001)"; the name alone when it says the id
    ("School S001"); the catalogue's "School S001" when the report has no name."""
    if name and school in name:
        return name
    if name:
        return f"{name} ({school})"
    return w("bells.school", school=school)


def move_words(move: ReportMove, w: Words) -> str:
    """One moved time in a sentence:
    "CEIP Castro (S001): entry time from 09:00 to 08:35 (25 min earlier, 5 trips)"."""
    minutes = w.number(abs(move.move_s) / 60)
    change = w("bells.earlier" if move.move_s < 0 else "bells.later", min=minutes)
    return w(
        "bells.move",
        school=school_words(move.school, move.school_name, w),
        what=w(f"bells.what_{move.kind}"),
        time=w.clock(move.time_s),
        new_time=w.clock(move.new_time_s),
        change=change,
        trips=w("count.trips", count=move.trips),
    )


def moves_words(row: ReportRow, w: Words) -> str:
    """A row's moves in one line, "; " between them; "no change" for none."""
    return "; ".join(move_words(m, w) for m in row.moves) or w("bells.no_moves")


def rules_words(report: BellsReport, w: Words) -> list[str]:
    """The rules of the report as sentences a school board reads."""
    earlier = w.minutes(-report.earliest_s)
    later = w.minutes(report.latest_s)
    step = w.minutes(report.step_s)
    if report.earliest_s and report.latest_s:
        out = [w("bells.rules_both", earlier=earlier, later=later, step=step)]
    elif report.earliest_s:
        out = [w("bells.rules_earlier", earlier=earlier, step=step)]
    elif report.latest_s:
        out = [w("bells.rules_later", later=later, step=step)]
    else:
        out = [w("bells.rules_none")]
    if report.fixed:
        out.append(w("bells.rules_fixed", schools=_schools(report, report.fixed, w)))
    if report.tied:
        out.append(w("bells.rules_tied", schools=_schools(report, report.tied, w)))
    return out


def _schools(report: BellsReport, ids: tuple[str, ...], w: Words) -> str:
    names = {b.school: b.school_name for b in report.bells}
    return ", ".join(school_words(s, names.get(s, ""), w) for s in ids)
