// Two plans of the same trips set side by side: a job's and that of a bell scenario made from
// it. Trip ids are the same in both (a scenario only moves times).

import { DAYS, formatClockText, formatNumber, formatShift } from "../format.js";
import { t } from "../i18n.js";

/** Days of either plan, Monday first. */
export function planDays(...results) {
  const seen = new Set(results.flatMap((r) => Object.keys(r?.days || {})));
  return DAYS.filter((d) => seen.has(d)).concat([...seen].filter((d) => !DAYS.includes(d)));
}

/** A day's buses and empty driving (minutes), or null when the plan has no such day. */
export function dayFigures(plan) {
  if (!plan) return null;
  const stats = plan.stats || {};
  return {
    buses: stats.buses ?? (plan.buses || []).length,
    deadhead: stats.deadhead_min ?? 0,
  };
}

/** The week's figures: the fleet (the busiest day) and all the empty driving. */
export function weekFigures(result) {
  const stats = result?.stats || {};
  return { buses: stats.buses_max ?? 0, deadhead: stats.deadhead_min ?? 0 };
}

const byBusId = new Intl.Collator("en", { numeric: true }).compare;

function busesOf(plan) {
  return (plan?.buses || []).map((bus) => ({ id: bus.id, trips: bus.trips.map((p) => p.id) }));
}

/**
 * How a day's buses change from one plan to the other. The solver numbers buses in order, so
 * a bus number does not follow a bus's work from one plan to another: buses are matched by
 * their trips instead. A bus of the scenario driving exactly the trips of a bus of the
 * original is unchanged (whatever its number); the others are paired, most trips in common
 * first, and listed with their counterpart (none for a bus only one plan needs).
 * Returns { total, unchanged, renumbered, changes: [{ after, before }] } where `after` and
 * `before` are { id, trips } or null.
 */
export function busChanges(beforePlan, afterPlan) {
  const before = busesOf(beforePlan);
  const after = busesOf(afterPlan);
  const key = (bus) => bus.trips.join("\n");
  const waiting = new Map(before.map((bus) => [key(bus), bus]));
  let renumbered = 0;
  const left = [];
  for (const bus of after) {
    const same = waiting.get(key(bus));
    if (same) {
      waiting.delete(key(bus));
      if (same.id !== bus.id) renumbered += 1;
    } else left.push(bus);
  }
  const rest = [...waiting.values()];
  const changes = pairByTrips(left, rest);
  changes.sort((a, b) => byBusId((a.after || a.before).id, (b.after || b.before).id));
  return {
    total: Math.max(before.length, after.length),
    unchanged: after.length - left.length,
    renumbered,
    changes,
  };
}

/** Pairs of buses, most trips in common first; a bus with no partner is paired with null. */
function pairByTrips(after, before) {
  const where = new Map();
  before.forEach((bus, n) => bus.trips.forEach((trip) => where.set(trip, n)));
  const pairs = [];
  after.forEach((bus, a) => {
    const shared = new Map();
    for (const trip of bus.trips) {
      const b = where.get(trip);
      if (b !== undefined) shared.set(b, (shared.get(b) || 0) + 1);
    }
    for (const [b, count] of shared) pairs.push({ a, b, count });
  });
  pairs.sort((x, y) => y.count - x.count || x.a - y.a || x.b - y.b);
  const takenA = new Set();
  const takenB = new Set();
  const out = [];
  for (const { a, b } of pairs) {
    if (takenA.has(a) || takenB.has(b)) continue;
    takenA.add(a);
    takenB.add(b);
    out.push({ after: after[a], before: before[b] });
  }
  after.forEach((bus, a) => takenA.has(a) || out.push({ after: bus, before: null }));
  before.forEach((bus, b) => takenB.has(b) || out.push({ after: null, before: bus }));
  return out;
}

/** A signed difference: "+2", "−1", "0". */
export function signed(value) {
  const rounded = Math.round(value * 10) / 10;
  if (rounded > 0) return `+${formatNumber(rounded)}`;
  if (rounded < 0) return `\u2212${formatNumber(-rounded)}`;
  return formatNumber(0);
}

/** One move in words: "S003 entry 08:50 → 08:20 (−30 min)". */
export function moveLabel(move) {
  return t("scenario.move", {
    school: move.school,
    kind: t(`kind.${move.kind}`).toLocaleLowerCase(),
    from: formatClockText(move.time),
    to: formatClockText(move.new_time),
    shift: formatShift(move.move_min),
  });
}

/** A scenario's moves in a few words: the first one, and how many more. */
export function movesSummary(moves) {
  if (!moves || !moves.length) return t("scenario.no_moves");
  const first = moveLabel(moves[0]);
  return moves.length === 1 ? first : t("scenario.moves_more", { first, count: moves.length - 1 });
}
