"""Convert an MDVSP-TS instance of van Lieshout & van der Schaft into a busplan problem (version 2).

The instances (`dataEUC/GD-*.txt` in github.com/rn-van-lieshout/DDD-MDVSP-TS, INFORMS Journal on
Computing 2025) are plain whitespace-separated integers:

    m n L                      depots, trips, locations
    cap_0 ... cap_{m-1}        vehicles each depot may base
    n lines: startLoc startTime endLoc endTime      (minutes; locations 0..m-1 are the depots)
    L x L travel matrix        minutes from location row to location column

Conversion (matrices only, no coordinates):

- one depot `D<k>` per depot location, `max_buses` = its capacity, no `lat`/`lon`;
- each trip `T<i>` (i = 1..n in file order, the paper's ids) becomes an `exit` trip whose `time`
  is its start time and `duration_min` is end - start, running on Monday only (`days: ["L"]`);
  an exit's `time` is its departure, so busplan's shift moves the departure with the duration
  fixed, as in the paper;
- `travel.minutes[i][j]` = matrix[end location of i][start location of j],
  `depot_out_min[d][j]` = matrix[d][start of j], `depot_in_min[i][d]` = matrix[end of i][d];
- `settings.buffer_min` = 0 (the paper's connection rule is start_j >= end_i + travel), and the
  shift window is `[-s, s]` for both kinds (`--shift 0` fixes the times; the paper uses s = 3
  or 5 and more).

Times past midnight: busplan reads a trip's time as a time of one day (0..1439 minutes), while
the GD instances run from about 05:00 to past 24:00 (latest ends near 1490). Every instance is
therefore moved earlier as a whole by a constant offset so that the earliest departure minus
the shift lands at `--first` (default 02:00), keeping room for pull-outs before it. Moving all
trips by one constant changes no connection, so the problem is the same. Planned ends may then
still pass 24:00, which busplan allows. If the departures span more than a day minus the shift
window, no single offset works and the script stops with a message rather than split the
instance: a split at some quiet hour would forbid buses that run across it, which changes the
problem (the 100- to 1000-trip GD-4 files all fit).

usage: python benchmarks/mdvsp_convert.py GD-4-100-0.txt -o problem.json [--shift 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

DAY = 1440


@dataclass
class Instance:
    name: str
    capacities: list[int]
    trips: list[tuple[int, int, int, int]]  # start location, start time, end location, end time
    matrix: list[list[int]]

    @property
    def depots(self) -> int:
        return len(self.capacities)


def parse(text: str, name: str = "") -> Instance:
    values = [int(v) for v in text.split()]
    m, n, locations = values[:3]
    capacities = values[3 : 3 + m]
    at = 3 + m
    trips = [tuple(values[at + 4 * i : at + 4 * i + 4]) for i in range(n)]
    at += 4 * n
    flat = values[at:]
    if len(flat) != locations * locations:
        raise ValueError(
            f"{name}: expected a {locations}x{locations} matrix, got {len(flat)} values"
        )
    matrix = [flat[r * locations : (r + 1) * locations] for r in range(locations)]
    for start, t0, end, t1 in trips:  # type: ignore[misc]
        if t1 <= t0 or not (m <= start < locations and m <= end < locations):
            raise ValueError(f"{name}: bad trip {start} {t0} {end} {t1}")
    return Instance(name, capacities, trips, matrix)  # type: ignore[arg-type]


def offset_for(inst: Instance, shift: int, first: int = 120) -> int:
    """Minutes to subtract from every time so all departures (with shifts) fit in one day."""
    starts = [t[1] for t in inst.trips]
    lo, hi = min(starts) - shift, max(starts) + shift
    if hi - lo > DAY - 1:
        raise ValueError(
            f"{inst.name}: departures span {hi - lo} min with the shift window, more than a day; "
            "no single offset fits (this converter does not split instances)"
        )
    offset = lo - first
    if hi - offset > DAY - 1:  # not enough room after `first`: start as late as fits
        offset = hi - (DAY - 1)
    return offset


def to_problem(inst: Instance, shift: int = 0, first: int = 120) -> dict[str, object]:
    offset = offset_for(inst, shift, first)
    m, mat = inst.depots, inst.matrix
    trips = [
        {
            "id": f"T{i + 1}",
            "kind": "exit",
            "time": t0 - offset,
            "duration_min": t1 - t0,
            "days": ["L"],
        }
        for i, (_, t0, _, t1) in enumerate(inst.trips)
    ]
    return {
        "version": 2,
        "name": f"{inst.name} shift {shift} (times moved {offset} min earlier)",
        "depots": [{"id": f"D{d}", "max_buses": cap} for d, cap in enumerate(inst.capacities)],
        "trips": trips,
        "settings": {
            "entry_shift_min": [-shift, shift],
            "exit_shift_min": [-shift, shift],
            "buffer_min": 0,
        },
        "travel": {
            "minutes": [[mat[a[2]][b[0]] for b in inst.trips] for a in inst.trips],
            "depot_out_min": [[mat[d][b[0]] for b in inst.trips] for d in range(m)],
            "depot_in_min": [[mat[a[2]][d] for d in range(m)] for a in inst.trips],
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--shift", type=int, default=0, help="shift window [-s, s] in minutes")
    parser.add_argument(
        "--first", type=int, default=120, help="minute of day for the earliest departure"
    )
    args = parser.parse_args(argv)
    inst = parse(args.instance.read_text(), args.instance.stem)
    try:
        problem = to_problem(inst, args.shift, args.first)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    args.output.write_text(json.dumps(problem))
    return 0


if __name__ == "__main__":
    sys.exit(main())
