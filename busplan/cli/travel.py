"""`busplan travel PROBLEM -o OUT`: compute the travel matrix once and embed it in the problem.

The output is the same problem with `travel.minutes` (seconds / 60, exact to the second) from
OSRM, or from the built-in estimate when no server is configured; solving it later needs no
router. Warnings say how many connections are only estimated.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from busplan.core.units import seconds_to_minutes
from busplan.io.problem_json import ProblemError, load_problem
from busplan.routing import RoutingConfig, RoutingError, prepare
from busplan.routing.config import DURATION_SOURCES
from busplan.routing.report import TravelReport


def register(sub: Any) -> None:
    p = sub.add_parser("travel", help="precompute road travel times into a problem file")
    p.add_argument("problem", help="problem JSON file")
    p.add_argument("-o", "--output", required=True, help="problem JSON to write, with its matrix")
    p.add_argument("--osrm-url", help="OSRM server (default: $OSRM_URL; none = estimate)")
    p.add_argument("--profile", help="OSRM profile (default: $OSRM_PROFILE or driving)")
    p.add_argument("--table-size", type=int, help="max sources/destinations per request")
    p.add_argument("--cache", help="SQLite cache file (default: $OSRM_CACHE or user cache)")
    fallback = p.add_mutually_exclusive_group()
    fallback.add_argument(
        "--allow-fallback",
        dest="allow_fallback",
        action="store_const",
        const=True,
        help="use the estimate, with a warning, if OSRM is unreachable",
    )
    fallback.add_argument("--no-fallback", dest="allow_fallback", action="store_const", const=False)
    p.add_argument("--durations", choices=DURATION_SOURCES, help="trip durations source")
    p.add_argument("--dwell", type=int, help="seconds per intermediate stop (route durations)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        raw = json.loads(Path(args.problem).read_text(encoding="utf-8"))
        problem = replace(load_problem(args.problem), travel_s=None)
        config = RoutingConfig.from_env(
            url=args.osrm_url,
            profile=args.profile,
            table_size=args.table_size,
            cache_path=args.cache,
            allow_fallback=args.allow_fallback,
            duration_source=args.durations,
            dwell_s=args.dwell,
        )
    except (ProblemError, ValueError, OSError) as exc:
        print(f"busplan: {exc}", file=sys.stderr)
        return 2
    try:
        prepared = prepare(problem, config)
    except RoutingError as exc:
        print(f"busplan: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a trip without a location
        print(f"busplan: {exc}", file=sys.stderr)
        return 2
    report = prepared.report
    raw["travel"] = {
        "minutes": [
            [seconds_to_minutes(int(s)) for s in row]
            for row in prepared.travel.matrix(range(len(problem.trips)), range(len(problem.trips)))
        ],
        "source": _source(report),
    }
    if report.duration_source == "route":
        for trip, entry in zip(prepared.problem.trips, raw["trips"], strict=True):
            entry["duration_min"] = seconds_to_minutes(trip.duration_s)
    Path(args.output).write_text(json.dumps(raw, separators=(",", ":")) + "\n", encoding="utf-8")
    for warning in report.warnings:
        print(f"busplan: warning: {warning}", file=sys.stderr)
    print(summary(report, args.output), file=sys.stderr)
    return 0


def _source(report: TravelReport) -> dict[str, Any]:
    """Where the matrix came from, kept in the file so that its provenance is not lost."""
    return {
        "kind": report.source,
        "server": report.server,
        "profile": report.profile,
        "data_version": report.data_version,
        "estimated_connections": report.estimated_total,
        "durations": report.duration_source,
    }


def summary(report: TravelReport, output: str) -> str:
    if report.source == "estimate":
        head = "travel times from the straight-line estimate (no OSRM server configured)"
    else:
        head = f"travel times from OSRM {report.server} ({report.profile}"
        head += f", data {report.data_version})" if report.data_version else ")"
        requests = ", ".join(f"{n} {kind}" for kind, n in sorted(report.requests.items()))
        head += f"; requests: {requests or 'none'}"
        if report.cache is not None:
            head += f"; cache {report.cache.hits} hits, {report.cache.misses} misses"
    if report.duration_source == "route":
        head += f"; trip durations from OSRM routes ({report.durations_changed} changed)"
    return f"{head}; wrote {output}"
