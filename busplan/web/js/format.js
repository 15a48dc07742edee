// Times and quantities in the operator's own locale. Times of day arrive as "HH:MM[:SS]"
// (minutes from midnight, possibly past 24:00 for a trip shifted over midnight).

const clock = new Intl.DateTimeFormat(undefined, {
  hour: "numeric",
  minute: "2-digit",
  timeZone: "UTC",
});
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "long", timeZone: "UTC" });
const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export const DAYS = ["L", "M", "Mc", "X", "V"];

/** "07:45" or "-00:10:30" -> minutes from midnight (fractional when seconds are given). */
export function clockMinutes(text) {
  const negative = String(text).startsWith("-");
  const [h = 0, m = 0, s = 0] = String(text).replace("-", "").split(":").map(Number);
  const minutes = h * 60 + m + s / 60;
  return negative ? -minutes : minutes;
}

/** Minutes from midnight as a local time of day; outside the day it says which day. */
export function formatClock(minutes) {
  const day = Math.floor(minutes / 1440);
  const text = clock.format(new Date(Date.UTC(1970, 0, 1) + (minutes - day * 1440) * 60000));
  if (day === 0) return text;
  return day > 0 ? `${text} (+${day} d)` : `${text} (${day} d)`;
}

export function formatClockText(text) {
  return formatClock(clockMinutes(text));
}

/** 727 -> "12 h 07 min", 45 -> "45 min". */
export function formatMinutes(minutes) {
  const total = Math.round(minutes);
  if (Math.abs(total) < 60) return `${total} min`;
  const h = Math.trunc(total / 60);
  const m = Math.abs(total % 60);
  return `${h} h ${String(m).padStart(2, "0")} min`;
}

/** A shift in minutes with its sign: "+5 min", "−10 min". */
export function formatShift(minutes) {
  const value = numbers.format(Math.abs(minutes));
  if (minutes > 0) return `+${value} min`;
  if (minutes < 0) return `\u2212${value} min`;
  return "0 min";
}

/** Seconds as a stopwatch: "0:07", "12:30", "1:02:03". */
export function formatElapsed(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

export function formatNumber(value) {
  return numbers.format(value);
}

/** The server writes UTC; an ISO time without a zone is read as UTC, not as local time. */
export function parseInstant(iso) {
  if (!iso) return null;
  const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : ms;
}

export function formatDateTime(iso) {
  const ms = parseInstant(iso);
  return ms === null ? "" : dateTime.format(new Date(ms));
}

/** Day code (L, M, Mc, X, V) -> the weekday's name in the operator's language. */
export function dayName(code) {
  const index = DAYS.indexOf(code);
  if (index < 0) return code;
  // 5 January 1970 was a Monday.
  return weekday.format(new Date(Date.UTC(1970, 0, 5 + index)));
}

const shortWeekday = new Intl.DateTimeFormat(undefined, { weekday: "short", timeZone: "UTC" });

export function shortDayName(code) {
  const index = DAYS.indexOf(code);
  return index < 0 ? code : shortWeekday.format(new Date(Date.UTC(1970, 0, 5 + index)));
}
