// Times and quantities as the page's language writes them: a 24-hour clock, the language's
// decimal sign, its day names. Times of day arrive as "HH:MM[:SS]" (minutes from midnight,
// possibly past 24:00 for a trip shifted over midnight).

import { lang, locale, t } from "./i18n.js";

export const DAYS = ["L", "M", "Mc", "X", "V"];

// Made on first use: the language is known only once its catalogue has loaded. Browsers do
// not all carry Galician number and date data (Chromium falls back to "2026 M11 30" and a
// decimal point), so Galician numbers are written with the Spanish rules, which are the same
// (decimal comma), and dates in both languages as numbers: 30/11/2026, 10:58.
let made = null;
function formats() {
  if (made && made.locale === locale()) return made;
  const at = locale();
  const numbersAt = lang() === "gl" ? "es-ES" : at;
  made = {
    locale: at,
    clock: new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: "UTC",
    }),
    dateTime:
      lang() === "en"
        ? new Intl.DateTimeFormat(at, { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" })
        : new Intl.DateTimeFormat("es-ES", {
            day: "2-digit",
            month: "2-digit",
            year: "numeric",
            hour: "2-digit",
            minute: "2-digit",
            hourCycle: "h23",
          }),
    numbers: new Intl.NumberFormat(numbersAt, { maximumFractionDigits: 1 }),
  };
  return made;
}

/** "07:45" or "-00:10:30" -> minutes from midnight (fractional when seconds are given). */
export function clockMinutes(text) {
  const negative = String(text).startsWith("-");
  const [h = 0, m = 0, s = 0] = String(text).replace("-", "").split(":").map(Number);
  const minutes = h * 60 + m + s / 60;
  return negative ? -minutes : minutes;
}

/** Minutes from midnight as a time of day; outside the day it says which day. */
export function formatClock(minutes) {
  const day = Math.floor(minutes / 1440);
  const text = formats().clock.format(
    new Date(Date.UTC(1970, 0, 1) + (minutes - day * 1440) * 60000),
  );
  if (day === 0) return text;
  return t("time.other_day", { time: text, days: day > 0 ? `+${day}` : `${day}` });
}

export function formatClockText(text) {
  return formatClock(clockMinutes(text));
}

/** 727 -> "12 h 07 min", 45 -> "45 min". */
export function formatMinutes(minutes) {
  const total = Math.round(minutes);
  if (Math.abs(total) < 60) return t("duration.minutes", { m: total });
  const h = Math.trunc(total / 60);
  const m = Math.abs(total % 60);
  return t("duration.hours", { h, m: String(m).padStart(2, "0") });
}

/** A shift in minutes with its sign: "+5 min", "−10 min". */
export function formatShift(minutes) {
  const value = formatNumber(Math.abs(minutes));
  if (minutes > 0) return t("duration.minutes", { m: `+${value}` });
  if (minutes < 0) return t("duration.minutes", { m: `\u2212${value}` });
  return t("duration.minutes", { m: 0 });
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
  return formats().numbers.format(value);
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
  return ms === null ? "" : formats().dateTime.format(new Date(ms));
}

/** Day code (L, M, Mc, X, V) -> the weekday's name in the page's language. */
export function dayName(code) {
  return DAYS.includes(code) ? t(`day.${code}`) : code;
}

/** A day's name inside a sentence: Galician and Spanish write it in small letters there. */
export function dayInText(code) {
  const name = dayName(code);
  return lang() === "en" ? name : name.toLocaleLowerCase(locale());
}

export function shortDayName(code) {
  return DAYS.includes(code) ? t(`day_short.${code}`) : code;
}
