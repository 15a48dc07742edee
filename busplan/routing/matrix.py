"""The road table the optimizer needs: every distinct trip end to every distinct trip start.

Locations are deduplicated first (many trips end at the same school), then the table is asked
in blocks of at most `table_size` sources by `table_size` destinations, so a cold run sends at
most ceil(E/c) x ceil(S/c) requests; pairs already cached are not asked again. Answers are
written to the cache as each block arrives, so an interrupted run keeps what it got.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from busplan.routing.cache import Entry, Pair, TravelCache, keys
from busplan.routing.errors import OsrmError, OsrmUnavailable
from busplan.routing.osrm import Location, OsrmClient, Table

Block = tuple[list[int], list[int]]
"""Row and column indices (into the end and start locations) asked in one request."""


@dataclass
class LocationTable:
    """Seconds from `ends[r]` to `starts[c]`: NaN = unknown (not cached, not fetched), inf = no
    road. `unavailable` says why unknown cells stayed unknown."""

    ends: list[Location]
    starts: list[Location]
    seconds: NDArray[np.float64]
    unavailable: str | None = None

    @property
    def unknown(self) -> NDArray[np.bool_]:
        return np.isnan(self.seconds)


def blocks(unknown: NDArray[np.bool_], size: int) -> list[Block]:
    """Requests covering every unknown cell, at most one per size x size tile on a cold cache.

    Within a tile, rows missing every unknown column are asked together, and the other rows
    only for the columns they miss (new trips added to a cached problem cost their own rows and
    columns, not the whole tile again).
    """
    out: list[Block] = []
    rows_n, cols_n = unknown.shape
    for r0 in range(0, rows_n, size):
        for c0 in range(0, cols_n, size):
            tile = unknown[r0 : r0 + size, c0 : c0 + size]
            out += [([r + r0 for r in rows], [c + c0 for c in cols]) for rows, cols in _cover(tile)]
    return out


def _cover(tile: NDArray[np.bool_]) -> list[Block]:
    rows = np.flatnonzero(tile.any(axis=1))
    out: list[Block] = []
    while len(rows):
        cols = np.flatnonzero(tile[rows].any(axis=0))
        full = rows[tile[np.ix_(rows, cols)].all(axis=1)]
        rest = np.setdiff1d(rows, full)
        if len(full) == 0 or len(np.flatnonzero(tile[rest].any(axis=0))) == len(cols):
            out.append((rows.tolist(), cols.tolist()))
            break
        out.append((full.tolist(), cols.tolist()))
        rows = rest
    return out


def cached_table(
    ends: Sequence[Location], starts: Sequence[Location], cache: TravelCache, ns: str
) -> LocationTable:
    """What the cache already knows about ends x starts."""
    end_keys, start_keys = keys(ends), keys(starts)
    found = cache.get_many(ns, end_keys, start_keys)
    seconds = np.full((len(ends), len(starts)), np.nan)
    row = {k: n for n, k in enumerate(end_keys)}
    col = {k: n for n, k in enumerate(start_keys)}
    for (src, dst), (duration, _) in found.items():
        seconds[row[src], col[dst]] = np.inf if duration is None else duration
    return LocationTable(list(ends), list(starts), seconds)


def fill_from_server(
    table: LocationTable,
    client: OsrmClient,
    cache: TravelCache,
    ns: str,
    data_version: str | None,
) -> None:
    """Ask the server for every unknown cell, in blocks, `concurrency` at a time.

    `OsrmError` (the server refused) propagates; `OsrmUnavailable` leaves the remaining cells
    unknown and records why in `table.unavailable`, for the caller's fallback rules.
    """
    todo = blocks(table.unknown, client.config.table_size)
    if not todo:
        return
    with ThreadPoolExecutor(client.config.concurrency, thread_name_prefix="osrm") as pool:
        running: dict[Future[Table], Block] = {
            pool.submit(client.table, *_locations(table, block)): block for block in todo
        }
        while running:
            done, _ = wait(running, return_when=FIRST_EXCEPTION)
            for future in done:
                rows, cols = running.pop(future)
                try:
                    answer = future.result()
                except OsrmUnavailable as exc:
                    table.unavailable = table.unavailable or str(exc)
                    continue
                except OsrmError as exc:
                    for other in running:
                        other.cancel()
                    raise _located(exc, *_locations(table, (rows, cols))) from None
                _check_version(answer, data_version)
                _store(table, rows, cols, answer, cache, ns)
    if table.unavailable and client.breaker.is_open:
        table.unavailable += "; the circuit breaker then stopped further requests"


def _locations(table: LocationTable, block: Block) -> tuple[list[Location], list[Location]]:
    rows, cols = block
    return [table.ends[r] for r in rows], [table.starts[c] for c in cols]


def _store(
    table: LocationTable,
    rows: list[int],
    cols: list[int],
    answer: Table,
    cache: TravelCache,
    ns: str,
) -> None:
    end_keys = keys(table.ends[r] for r in rows)
    start_keys = keys(table.starts[c] for c in cols)
    entries: dict[Pair, Entry] = {}
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            duration = answer.durations[i][j]
            distance = answer.distances[i][j] if answer.distances is not None else None
            table.seconds[r, c] = math.inf if duration is None else duration
            entries[end_keys[i], start_keys[j]] = (duration, None if duration is None else distance)
    cache.put_many(ns, entries)


def _check_version(answer: Table, expected: str | None) -> None:
    if expected is not None and answer.data_version not in (None, expected):
        raise OsrmError(
            "DataVersionChanged",
            f"the server's data changed from {expected} to {answer.data_version} during the run",
            "run again to use the new map",
        )


def _located(exc: OsrmError, ends: list[Location], starts: list[Location]) -> OsrmError:
    """Find the location of a NoSegment refusal ("... for coordinate N", N as sent)."""
    coords = list(dict.fromkeys([*ends, *starts]))
    tail = exc.message.rsplit(" ", 1)[-1]
    if exc.code != "NoSegment" or not tail.isdigit() or int(tail) >= len(coords):
        return exc
    return OsrmError(exc.code, exc.message, exc.hint, where=coords[int(tail)])
