// A day's buses as the views need them: minutes from midnight, the trip's own data, and the
// connections that leave little spare time.

import { clockMinutes } from "../format.js";

/** Spare minutes (after the empty drive and the buffer) below which a connection is tight:
 * the same rule as the PDF and Excel timetables (slack under the buffer plus 5 minutes). */
export const TIGHT_SPARE_MIN = 5;

export function tripIndex(problem) {
  return new Map((problem?.trips || []).map((t) => [t.id, t]));
}

export function bufferOf(problem) {
  const value = problem?.settings?.buffer_min;
  return typeof value === "number" ? value : 5;
}

/** Buses of a day with each trip's times in minutes and its connection from the one before. */
export function dayBuses(day, trips, buffer) {
  return (day.buses || []).map((bus) => {
    let previous = null;
    const legs = bus.trips.map((p) => {
      const leg = {
        id: p.id,
        trip: trips.get(p.id) || null,
        start: clockMinutes(p.start),
        end: clockMinutes(p.end),
        shift: p.shift_min || 0,
        deadhead: p.deadhead_min || 0,
        spare: null,
        tight: false,
      };
      if (previous) {
        leg.wait = leg.start - previous.end;
        leg.spare = leg.wait - leg.deadhead - buffer;
        leg.tight = leg.spare < TIGHT_SPARE_MIN;
      }
      previous = leg;
      return leg;
    });
    return { id: bus.id, legs, plan: bus };
  });
}

/** The problem's depots by id, for names and places. */
export function depotIndex(problem) {
  return new Map((problem?.depots || []).map((d) => [d.id, d]));
}

/** Total vehicles of the fleet (the sum of each entry's count), or null without a fleet. */
export function fleetSize(problem) {
  const fleet = problem?.fleet;
  if (!Array.isArray(fleet) || !fleet.length) return null;
  return fleet.reduce((sum, entry) => sum + (Number(entry.count) || 0), 0);
}

/** One bus over the week: every trip it drives on some day, in time order, and for each day
 * whether this bus drives it, another bus does (which), it is unassigned, or it does not run.
 * A trip driven by another bus on some day is `moves`. */
export function busWeek(result, busId, days) {
  const where = new Map(); // day -> trip id -> bus id
  const runs = new Set(); // days on which this bus runs
  const first = new Map(); // trip id -> its planned start on the first day this bus drives it
  for (const day of days) {
    const plan = result.days[day] || {};
    const map = new Map();
    for (const bus of plan.buses || []) {
      if (bus.id === busId) runs.add(day);
      for (const p of bus.trips) {
        map.set(p.id, bus.id);
        if (bus.id === busId && !first.has(p.id)) first.set(p.id, clockMinutes(p.start));
      }
    }
    for (const u of plan.unassigned || []) map.set(u.id, null);
    where.set(day, map);
  }
  const rows = [...first.entries()]
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .map(([id, start]) => {
      const cells = days.map((day) => {
        const map = where.get(day);
        if (!map.has(id)) return { day, state: "off" };
        const bus = map.get(id);
        if (bus === busId) return { day, state: "here" };
        if (bus === null) return { day, state: "unassigned" };
        return { day, state: "other", bus };
      });
      const moves = cells.some((c) => c.state === "other" || c.state === "unassigned");
      return { id, start, cells, moves };
    });
  return { rows, runs };
}

/** Where a trip runs: its stops, or its start and end points. */
export function tripPoints(trip) {
  if (!trip) return [];
  if (Array.isArray(trip.stops) && trip.stops.length) {
    return trip.stops
      .filter((s) => Number.isFinite(s.lat) && Number.isFinite(s.lon))
      .map((s) => ({ lat: s.lat, lon: s.lon, name: s.name || "" }));
  }
  const ends = [trip.start, trip.end].filter((p) => Array.isArray(p) && p.length === 2);
  return ends.map(([lat, lon]) => ({ lat, lon, name: "" }));
}
