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
    return { id: bus.id, legs };
  });
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
