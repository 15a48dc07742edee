"""busplan on the public MDVSP-TS instances of van Lieshout & van der Schaft (IJOC 2025).

For each GD-4 file and shift window (0 and +-5 min) the instance is converted
(`mdvsp_convert.py`), solved with `busplan optimize`, validated with `busplan check`, and its
plan is re-costed here from the original travel matrix. Next to it:

- a min-cost-flow bound at fixed times: a path cover of the trips in which each bus may leave
  from the cheapest depot for its first trip and return to the cheapest depot after its last,
  with no depot capacities; fewest vehicles first (a big cost per vehicle), then least deadhead
  (pull-out and pull-in included). Its vehicles bound busplan's vehicles from below at any
  shift; its deadhead bounds busplan's deadhead only at fixed times and equal vehicles;
- an exact multi-depot model for the small instances at fixed times: a per-depot multi-commodity
  flow solved as an integer program (SCIP through pywraplp, else CP-SAT) with depot capacities,
  minimizing vehicles first, then deadhead.

usage: python benchmarks/mdvsp_bench.py --repo /work/.mirror/rn-van-lieshout+DDD-MDVSP-TS/repo
       [--instances GD-4-100-0,GD-4-250-0] [--shifts 0,5] [--report-only]
Writes benchmarks/results-mdvsp.md (raw JSON lines in benchmarks/out/mdvsp.jsonl).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mdvsp_convert import Instance, parse, to_problem

HERE = Path(__file__).resolve().parent
REPO = Path("/work/.mirror/rn-van-lieshout+DDD-MDVSP-TS/repo")
INSTANCES = ["GD-4-100-0", *(f"GD-4-250-{k}" for k in range(5))]
LIMITS = {100: 60, 250: 120}
BIG = 100_000  # per vehicle: more than any instance's total deadhead, so vehicles come first
EXACT_MAX_TRIPS = 250  # the 250-trip IPs take about a minute each with SCIP
EXACT_SHIFT_MAX_TRIPS = 250


def slack(inst: Instance, i: int, j: int) -> int:
    """Minutes to spare between trip i and trip j at official times (negative: too late)."""
    a, b = inst.trips[i], inst.trips[j]
    return b[1] - a[3] - inst.matrix[a[2]][b[0]]


def feasible(inst: Instance, i: int, j: int, shift: int = 0) -> bool:
    return i != j and slack(inst, i, j) >= -2 * shift


def mcf_bound(inst: Instance) -> dict[str, float]:
    """Fewest vehicles, then least deadhead, any depot at either end, fixed times, no capacities."""
    from ortools.graph.python import min_cost_flow

    n, m, mat = len(inst.trips), inst.depots, inst.matrix
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 2 * n, 2 * n + 1  # node i: end of trip i; node n + j: start of trip j
    for i in range(n):
        flow.set_node_supply(i, 1)
        flow.set_node_supply(n + i, -1)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    flow.add_arc_with_capacity_and_unit_cost(source, sink, n, 0)
    for j, (s, *_rest) in enumerate(inst.trips):
        pull_out = min(mat[d][s] for d in range(m))
        flow.add_arc_with_capacity_and_unit_cost(source, n + j, 1, BIG + pull_out)
    for i, (_, _, e, _) in enumerate(inst.trips):
        flow.add_arc_with_capacity_and_unit_cost(i, sink, 1, min(mat[e][d] for d in range(m)))
        for j in range(n):
            if feasible(inst, i, j):
                flow.add_arc_with_capacity_and_unit_cost(i, n + j, 1, mat[e][inst.trips[j][0]])
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow failed")
    cost = flow.optimal_cost()
    return {"vehicles": cost // BIG, "deadhead_min": cost % BIG}


def exact(inst: Instance, time_limit: int, shift: int = 0) -> dict[str, object]:
    """Multi-depot vehicle scheduling as a multi-commodity flow IP.

    With a shift window, each trip's departure moves by an integer d_j in [-shift, shift]; an
    arc whose slack is negative (but at least -2 shift) may be used only if d_j - d_i >= -slack,
    a big-M constraint on the arc's use over all depots. Other arcs hold at any shifts."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP")
    engine = "SCIP"
    if solver is None:
        solver, engine = pywraplp.Solver.CreateSolver("CP-SAT"), "CP-SAT"
    n, m, mat = len(inst.trips), inst.depots, inst.matrix
    arcs = [(i, j) for i in range(n) for j in range(n) if feasible(inst, i, j, shift)]
    x = {(d, i, j): solver.BoolVar("") for d in range(m) for i, j in arcs}
    out = {(d, j): solver.BoolVar("") for d in range(m) for j in range(n)}
    back = {(d, i): solver.BoolVar("") for d in range(m) for i in range(n)}
    into: list[list[int]] = [[] for _ in range(n)]
    onward: list[list[int]] = [[] for _ in range(n)]
    for i, j in arcs:
        into[j].append(i)
        onward[i].append(j)
    for j in range(n):
        solver.Add(sum(out[d, j] + sum(x[d, i, j] for i in into[j]) for d in range(m)) == 1)
        for d in range(m):
            arrive = out[d, j] + sum(x[d, i, j] for i in into[j])
            solver.Add(arrive == back[d, j] + sum(x[d, j, k] for k in onward[j]))
    if shift:
        move = [solver.IntVar(-shift, shift, "") for _ in range(n)]
        for i, j in arcs:
            spare = slack(inst, i, j)
            if spare < 0:
                used = sum(x[d, i, j] for d in range(m))
                solver.Add(move[j] - move[i] >= -spare - 2 * shift * (1 - used))
    for d, cap in enumerate(inst.capacities):
        solver.Add(sum(out[d, j] for j in range(n)) <= cap)
    t = inst.trips
    pulls = sum(
        (BIG + mat[d][t[j][0]]) * out[d, j] + mat[t[j][2]][d] * back[d, j]
        for d in range(m)
        for j in range(n)
    )
    solver.Minimize(pulls + sum(mat[t[i][2]][t[j][0]] * var for (_, i, j), var in x.items()))
    solver.SetTimeLimit(time_limit * 1000)
    params = pywraplp.MPSolverParameters()
    # The objective is about 10**5 x vehicles: the default relative gap (1e-4) would accept a
    # plan some hundred minutes of deadhead from the optimum as "optimal".
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)
    started = time.monotonic()
    status = solver.Solve(params)
    seconds = time.monotonic() - started
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return {
            "engine": engine,
            "shift": shift,
            "status": int(status),
            "seconds": round(seconds, 1),
        }
    cost = round(solver.Objective().Value())
    return {
        "engine": engine,
        "shift": shift,
        "optimal": status == pywraplp.Solver.OPTIMAL,
        "vehicles": cost // BIG,
        "deadhead_min": cost % BIG,
        "seconds": round(seconds, 1),
        "variables": solver.NumVariables(),
        "bound_vehicles": int(solver.Objective().BestBound() + 1e-6) // BIG,  # deadhead < BIG
        "bound_deadhead_min": math.ceil(solver.Objective().BestBound() - 1e-6) % BIG,
    }


def recost(inst: Instance, solution: dict[str, object]) -> dict[str, int]:
    """Vehicles and deadhead of busplan's plan, from the original matrix, depots and trip order."""
    mat, trips = inst.matrix, inst.trips
    day = solution["days"]["L"]  # type: ignore[index]
    buses, deadhead = 0, 0
    for bus in day["buses"]:
        d = int(bus["depot"][1:])
        order = [int(t["id"][1:]) - 1 for t in bus["trips"]]
        buses += 1
        deadhead += mat[d][trips[order[0]][0]] + mat[trips[order[-1]][2]][d]
        deadhead += sum(mat[trips[a][2]][trips[b][0]] for a, b in itertools.pairwise(order))
    return {"buses": buses, "deadhead_min": deadhead, "unassigned": len(day["unassigned"])}


def busplan(problem: Path, solution: Path, limit: int) -> tuple[float, bool]:
    cli = [sys.executable, "-m", "busplan"]
    started = time.monotonic()
    subprocess.run(
        [*cli, "optimize", str(problem), "-o", str(solution), "--time-limit", str(limit)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.monotonic() - started
    check = [*cli, "check", str(problem), str(solution)]
    checked = subprocess.run(check, capture_output=True, text=True, check=False)
    if checked.returncode:
        print(checked.stdout[-2000:], checked.stderr[-2000:], file=sys.stderr)
    return seconds, checked.returncode == 0


def gap(value: float, bound: float) -> float:
    return round(100 * (value - bound) / bound, 1) if bound else 0.0


def bench(
    repo: Path, name: str, shifts: list[int], work: Path, exact_limit: int
) -> list[dict[str, object]]:
    show = ["git", "-C", str(repo), "show", f"HEAD:dataEUC/{name}.txt"]
    text = subprocess.run(show, capture_output=True, text=True, check=True).stdout
    inst = parse(text, name)
    n = len(inst.trips)
    bound = mcf_bound(inst)
    best = {
        shift: exact(inst, exact_limit, shift)
        for shift in shifts
        if exact_limit and n <= (EXACT_MAX_TRIPS if shift == 0 else EXACT_SHIFT_MAX_TRIPS)
    }
    rows = []
    for shift in shifts:
        problem, solution = work / f"{name}-s{shift}.json", work / f"{name}-s{shift}.solution.json"
        problem.write_text(json.dumps(to_problem(inst, shift)))
        seconds, valid = busplan(problem, solution, LIMITS.get(n, 120))
        plan = json.loads(solution.read_text())
        stats = plan["days"]["L"]["stats"]
        ours = recost(inst, plan)
        row = {
            "instance": name,
            "trips": n,
            "shift": shift,
            "buses": stats["buses"],
            "deadhead_min": round(stats["deadhead_min"]),
            "recosted": ours,
            "lower_bound": stats["lower_bound"],
            "seconds": round(seconds, 1),
            "check": valid,
            "mcf": bound,
            "exact": best.get(shift),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def fmt_exact(row: dict[str, object]) -> str:
    ex = row["exact"]
    if not ex:
        return "-"
    if "vehicles" not in ex:  # type: ignore[operator]
        return f"no solution in {ex['seconds']} s"  # type: ignore[index]
    tag = ""
    if not ex["optimal"]:  # type: ignore[index]
        tag = f" (not proven, buses >= {ex.get('bound_vehicles', '?')}"  # type: ignore[union-attr]
        if ex.get("bound_vehicles") == ex["vehicles"] and "bound_deadhead_min" in ex:  # type: ignore[union-attr,index]
            tag += f", deadhead >= {ex['bound_deadhead_min']}"  # type: ignore[index]
        tag += ")"
    return f"{ex['vehicles']} / {ex['deadhead_min']}{tag}"  # type: ignore[index]


def report(rows: list[dict[str, object]]) -> str:
    lines = [
        "| instance | shift | busplan buses | busplan deadhead | s | check "
        "| MCF bound buses / deadhead | exact buses / deadhead "
        "| deadhead vs MCF % | deadhead vs exact % |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mcf, ex = r["mcf"], r["exact"]
        vs_exact = "-"
        if ex and "vehicles" in ex and ex["vehicles"] == r["buses"]:  # type: ignore[index,operator]
            vs_exact = f"{gap(r['deadhead_min'], ex['deadhead_min']):+.1f}"  # type: ignore[index,arg-type]
        lines.append(
            f"| {r['instance']} | {'0' if r['shift'] == 0 else '±' + str(r['shift'])} "
            f"| {r['buses']} "
            f"| {r['deadhead_min']} | {r['seconds']} | {'ok' if r['check'] else 'FAIL'} "
            f"| {mcf['vehicles']} / {mcf['deadhead_min']} | {fmt_exact(r)} "  # type: ignore[index]
            f"| {gap(r['deadhead_min'], mcf['deadhead_min']):+.1f} | {vs_exact} |"  # type: ignore[index,arg-type]
        )
    lines.append("")
    for shift in sorted({r["shift"] for r in rows}):  # type: ignore[type-var]
        sel = [r for r in rows if r["shift"] == shift]
        extra = [r["buses"] - r["mcf"]["vehicles"] for r in sel]  # type: ignore[index,operator]
        ratio = [r["deadhead_min"] / r["mcf"]["deadhead_min"] for r in sel]  # type: ignore[index,operator]
        within = sum(
            1
            for r, q in zip(sel, ratio, strict=True)
            if q <= 1.05 and r["buses"] == r["mcf"]["vehicles"]  # type: ignore[index]
        )
        lines.append(
            f"- shift {shift}: {len(sel)} runs, "
            f"median buses over the MCF bound {statistics.median(extra):g}, "
            f"median deadhead / MCF deadhead {statistics.median(ratio):.3f} (min {min(ratio):.3f}, "
            f"max {max(ratio):.3f}), within 5 % at equal buses: {within}/{len(sel)}, "
            f"median seconds {statistics.median(r['seconds'] for r in sel):g}, "  # type: ignore[misc]
            f"all checks passed: {all(r['check'] for r in sel)}"
        )
        solved = [r for r in sel if r["exact"] and "vehicles" in r["exact"]]  # type: ignore[operator]
        same = [r for r in solved if r["buses"] == r["exact"]["vehicles"]]  # type: ignore[index]
        if solved:
            over = [r["buses"] - r["exact"]["vehicles"] for r in solved]  # type: ignore[index,operator]
            share = [r["deadhead_min"] / r["exact"]["deadhead_min"] for r in same] or [0.0]  # type: ignore[index,operator]
            proven = sum(1 for r in solved if r["exact"]["optimal"])  # type: ignore[index]
            lines.append(
                f"  - against the exact model ({len(solved)} runs, {proven} proven optimal): "
                f"buses over it {over}, median deadhead / exact at equal buses ({len(same)} runs) "
                f"{statistics.median(share):.3f} (min {min(share):.3f}, max {max(share):.3f})"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO)
    parser.add_argument("--instances", default=",".join(INSTANCES))
    parser.add_argument("--shifts", default="0,5")
    parser.add_argument(
        "--exact-limit",
        type=int,
        default=120,
        help="seconds for the exact model (0: none here, the table takes out/mdvsp-exact.jsonl)",
    )
    parser.add_argument(
        "--exact-only",
        action="store_true",
        help="only solve the exact models (to out/mdvsp-exact.jsonl, which the table prefers)",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="rebuild the table from the JSON lines"
    )
    args = parser.parse_args()
    out = HERE / "out"
    work = out / "mdvsp"
    work.mkdir(parents=True, exist_ok=True)
    raw = out / "mdvsp.jsonl"
    extra = out / "mdvsp-exact.jsonl"
    if args.exact_only:
        shifts = [int(s) for s in args.shifts.split(",")]
        for name in args.instances.split(","):
            show = ["git", "-C", str(args.repo), "show", f"HEAD:dataEUC/{name}.txt"]
            inst = parse(subprocess.run(show, capture_output=True, text=True, check=True).stdout)
            for shift in shifts:
                found = exact(inst, args.exact_limit, shift)
                print(name, shift, found, flush=True)
                with extra.open("a") as stream:
                    stream.write(json.dumps({"instance": name, "shift": shift, "exact": found}))
                    stream.write("\n")
        return 0
    if not args.report_only:
        raw.write_text("")
        shifts = [int(s) for s in args.shifts.split(",")]
        for name in args.instances.split(","):
            for row in bench(args.repo, name, shifts, work, args.exact_limit):
                with raw.open("a") as stream:
                    stream.write(json.dumps(row) + "\n")
    rows = [json.loads(line) for line in raw.read_text().splitlines() if line]
    for r in rows:  # an exact result belongs to its own shift window only
        if r["exact"] and r["exact"].get("shift", 0) != r["shift"]:
            r["exact"] = None
    if extra.exists():
        solved = [json.loads(line) for line in extra.read_text().splitlines() if line]
        best = {(e["instance"], e["shift"]): e["exact"] for e in solved}
        for r in rows:
            r["exact"] = best.get((r["instance"], r["shift"]), r["exact"])
    table = report(rows)
    print(table)
    target = HERE / "results-mdvsp.md"
    start, end = "<!-- table -->\n", "<!-- /table -->\n"
    fresh = f"# busplan on MDVSP-TS instances\n\n{start}{end}"
    text = target.read_text() if target.exists() else fresh
    head, rest = text.split(start, 1)
    target.write_text(head + start + table + end + rest.split(end, 1)[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
