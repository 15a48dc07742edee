// A scenario beside its parent: buses and empty driving per day, the bells it moved, and the
// buses whose trips change (matched by their trips, not their numbers).

import { clear, h } from "../dom.js";
import { dayName, formatClockText, formatMinutes, formatNumber, formatShift } from "../format.js";
import { t } from "../i18n.js";
import { busChanges, dayFigures, planDays, signed, weekFigures } from "./scenario.js";

export function renderComparison({ parent, scenario, parentResult, result }) {
  const days = planDays(parentResult, result);
  return h(
    "div",
    { class: "comparison", "data-testid": "comparison" },
    h(
      "p",
      { class: "muted" },
      t("compare.intro", {
        parent: parent.job_id.slice(0, 8),
        scenario: scenario.job_id.slice(0, 8),
      }),
    ),
    figuresTable(days, parentResult, result),
    movesTable(scenario.bell_moves || []),
    busesSection(days, parentResult, result),
  );
}

function figuresTable(days, parentResult, result) {
  const rows = days.map((day) =>
    figuresRow(
      dayName(day),
      dayFigures(parentResult.days[day]),
      dayFigures(result.days?.[day]),
      day,
    ),
  );
  rows.push(
    figuresRow(t("compare.week"), weekFigures(parentResult), weekFigures(result), "week"),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data compare-days", "data-testid": "compare-days" },
      h("caption", {}, t("compare.days_caption")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("compare.col_day")),
          ...[
            "buses_before",
            "buses_after",
            "buses_change",
            "deadhead_before",
            "deadhead_after",
            "deadhead_change",
          ].map((k) => h("th", { scope: "col", class: "num" }, t(`compare.col_${k}`))),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

function figuresRow(label, before, after, key) {
  const cell = (value, format) =>
    h("td", { class: "num" }, value === null || value === undefined ? "—" : format(value));
  const change = (field, format) => {
    if (!before || !after) return h("td", { class: "num" }, "—");
    const delta = after[field] - before[field];
    const kind = delta < 0 ? "better" : delta > 0 ? "worse" : "same";
    return h("td", { class: `num change ${kind}` }, format(delta));
  };
  return h(
    "tr",
    { "data-day": key },
    h("th", { scope: "row" }, label),
    cell(before?.buses, formatNumber),
    cell(after?.buses, formatNumber),
    change("buses", signed),
    cell(before?.deadhead, formatMinutes),
    cell(after?.deadhead, formatMinutes),
    change("deadhead", (d) => t("duration.minutes", { m: signed(d) })),
  );
}

function movesTable(moves) {
  if (!moves.length) return h("p", { class: "notice" }, t("compare.no_moves"));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data", "data-testid": "compare-moves" },
      h("caption", {}, t("compare.moves_caption", { count: moves.length })),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["school", "bell", "from", "to", "move", "trips"].map((k) =>
            h("th", { scope: "col" }, t(`bells.col_${k}`)),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        moves.map((m) =>
          h(
            "tr",
            { "data-bell": `${m.school} ${m.kind} ${m.time}` },
            h(
              "th",
              { scope: "row" },
              m.school,
              m.school_name ? h("small", {}, ` ${m.school_name}`) : null,
            ),
            h("td", {}, t(`kind.${m.kind}`)),
            h("td", {}, formatClockText(m.time)),
            h("td", {}, formatClockText(m.new_time)),
            h("td", { class: "num" }, formatShift(m.move_min)),
            h("td", { class: "num" }, formatNumber(m.trips)),
          ),
        ),
      ),
    ),
  );
}

function busesSection(days, parentResult, result) {
  return h(
    "div",
    { class: "compare-buses", "data-testid": "compare-buses" },
    h("h3", {}, t("compare.buses_title")),
    h("p", { class: "help" }, t("compare.buses_help")),
    days.map((day, n) => {
      const { total, renumbered, changes } = busChanges(parentResult.days[day], result.days?.[day]);
      const summary = changes.length
        ? t("compare.buses_changed", { count: changes.length, total, day: dayName(day) })
        : t("compare.buses_same", { day: dayName(day) });
      const ids = (side) => changes.map((c) => c[side]?.id).filter(Boolean).join(" ");
      return h(
        "details",
        {
          "data-day": day,
          "data-changed": ids("after"),
          "data-gone": ids("before"),
          open: n === 0,
        },
        h(
          "summary",
          {},
          summary,
          renumbered
            ? h("span", { class: "muted" }, ` ${t("compare.renumbered", { count: renumbered })}`)
            : null,
        ),
        changes.length ? busTable(changes) : null,
      );
    }),
  );
}

function busTable(changes) {
  const trips = (bus, other) => {
    if (!bus) return t("compare.not_used");
    const there = new Set(other?.trips || []);
    return bus.trips.flatMap((id, n) => [n ? ", " : null, there.has(id) ? id : h("mark", {}, id)]);
  };
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["bus_after", "trips_after", "bus_before", "trips_before"].map((k) =>
            h("th", { scope: "col" }, t(`compare.col_${k}`)),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        changes.map(({ after, before }) =>
          h(
            "tr",
            { "data-bus": after?.id || "", "data-was": before?.id || "" },
            h("th", { scope: "row" }, after ? after.id : "—"),
            h("td", {}, trips(after, before)),
            h("td", {}, before ? before.id : "—"),
            h("td", {}, trips(before, after)),
          ),
        ),
      ),
    ),
  );
}
