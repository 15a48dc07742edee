// Results of a completed job: headline figures, a day selector, the timeline of buses, one
// bus on a map and in a table, and the downloads.

import { exportUrl } from "../api.js";
import { announce, clear, h } from "../dom.js";
import { DAYS, dayInText, dayName, formatDateTime, formatMinutes, formatNumber } from "../format.js";
import { has, lang, t } from "../i18n.js";
import { unassignedWords } from "../words.js";
import { renderBusDetail } from "./busdetail.js";
import { bufferOf, dayBuses, depotIndex, fleetSize, tripIndex } from "./plan.js";
import { legend, renderTimeline } from "./timeline.js";

export function showResults(view, { job, problem, result }) {
  const days = DAYS.filter((d) => result.days && result.days[d]).concat(
    Object.keys(result.days || {}).filter((d) => !DAYS.includes(d)),
  );
  const trips = tripIndex(problem);
  const buffer = bufferOf(problem);
  const depots = depotIndex(problem);
  const fleet = fleetSize(problem);
  let day = days[0];
  let selected = null;
  let detail = null;
  let timeline = null;
  let buses = [];

  const figures = h("div", { class: "figures", "data-testid": "figures" });
  const timelineBox = h("div", { class: "timeline-box" });
  const timelineTitle = h("h2", { id: "timeline-title" });
  const unassigned = h("div");
  const detailBox = h("div", { class: "detail-box" });
  const finder = busFinder((id) => {
    const bus = buses.find((b) => b.id.toLowerCase() === id.toLowerCase());
    if (!bus) return false;
    timeline.reveal(bus.id);
    select(bus.id);
    return true;
  });

  const dayPicker = h(
    "fieldset",
    { class: "day-picker" },
    h("legend", {}, t("results.day")),
    days.map((d) => {
      const same = result.days[d].same_as;
      const input = h("input", { type: "radio", name: "result-day", value: d, checked: d === day });
      input.addEventListener("change", () => {
        day = d;
        selected = null;
        paint();
      });
      return h(
        "label",
        { class: "day-option" },
        input,
        h(
          "span",
          {},
          dayName(d),
          same ? h("small", {}, ` ${t("results.same_as", { day: dayInText(same) })}`) : null,
        ),
      );
    }),
  );

  clear(
    view,
    h(
      "div",
      { class: "results-head" },
      h(
        "div",
        {},
        h("h1", {}, t("results.title", { name: job.name || job.job_id.slice(0, 8) })),
        h("p", { class: "muted" }, summaryLine(job, result)),
      ),
      downloads(job.job_id, result),
    ),
    weekLine(result),
    missingList(result),
    dayPicker,
    figures,
    h(
      "section",
      { class: "panel", "aria-labelledby": "timeline-title" },
      h("div", { class: "timeline-head" }, timelineTitle, legend()),
      h(
        "div",
        { class: "timeline-tools" },
        h("p", { class: "help" }, t("results.choose_bus")),
        finder,
      ),
      timelineBox,
      unassigned,
    ),
    detailBox,
  );

  function paint() {
    const plan = result.days[day];
    buses = dayBuses(plan, trips, buffer);
    clear(figures, ...headline(plan.stats || {}, buses), ...fleetFigures(plan, fleet, result.stats));
    timelineTitle.textContent = t("results.buses_on", { count: buses.length, day: dayInText(day) });
    if (timeline) timeline.remove();
    timeline = renderTimeline(buses, { selected, onSelect: (id) => select(id) });
    clear(timelineBox, timeline.element);
    clear(unassigned, unassignedList(plan.unassigned || [], trips));
    if (selected) select(selected, { focus: false });
    else showDetail(null);
  }

  function select(id, { focus = true } = {}) {
    selected = id;
    timeline.select(id);
    const bus = buses.find((b) => b.id === id);
    showDetail(bus || null);
    if (bus && focus) {
      const title = detailBox.querySelector("h2");
      title.focus({ preventScroll: true });
      detailBox.scrollIntoView({ block: "nearest", behavior: "smooth" });
      announce(t("results.bus_announce", { bus: id, count: bus.legs.length }));
    }
  }

  function showDetail(bus) {
    if (detail) detail.remove();
    detail = null;
    if (!bus) {
      clear(detailBox);
      return;
    }
    detail = renderBusDetail(bus, { dayLabel: dayInText(day), depots, result, days });
    clear(detailBox, detail.element);
    detail.mount();
  }

  paint();
  return () => {
    if (detail) detail.remove();
    if (timeline) timeline.remove();
  };
}

/** A field to go straight to a bus by its id: a region's day has thousands of them. */
function busFinder(find) {
  const input = h("input", {
    id: "bus-find",
    type: "search",
    autocomplete: "off",
    spellcheck: false,
    "data-testid": "bus-find",
  });
  const message = h("p", { class: "field-error", role: "status", id: "bus-find-message" });
  const form = h(
    "form",
    { class: "bus-find", role: "search" },
    h("label", { for: "bus-find" }, t("timeline.find")),
    input,
    h("button", { type: "submit", class: "secondary" }, t("timeline.find_button")),
    message,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = input.value.trim();
    message.textContent = !id || find(id) ? "" : t("timeline.not_found", { bus: id });
  });
  return form;
}

function summaryLine(job, result) {
  const parts = [t("count.trips", { count: job.trips })];
  const seconds = result.stats && result.stats.seconds;
  if (typeof seconds === "number") parts.push(t("results.solved_in", { s: formatNumber(seconds) }));
  if (job.finished_at) parts.push(t("results.finished", { at: formatDateTime(job.finished_at) }));
  return parts.join(" · ");
}

function weekLine(result) {
  const s = result.stats || {};
  if (typeof s.buses_max !== "number") return null;
  return h(
    "p",
    { class: "week" },
    t("results.week", {
      buses: s.buses_max,
      empty: formatMinutes(s.deadhead_min),
      moved: formatMinutes(s.abs_shift_min),
      optimal: s.optimal_days,
      days: Object.keys(result.days || {}).length,
    }),
  );
}

function card(label, value, detail, testid) {
  return h(
    "div",
    { class: "figure", "data-testid": testid },
    h("p", { class: "figure-label" }, label),
    h("p", { class: "figure-value" }, value),
    h("p", { class: "figure-detail" }, detail),
  );
}

/** Version 2 figures of a day: depot drives, vehicles of the fleet in use, trips left out and
 * the rules that left them out. Only those the plan states. */
function fleetFigures(plan, fleet, week = {}) {
  const stats = plan.stats || {};
  const out = [];
  if (week && typeof week.stability === "number") {
    out.push(
      card(
        t("figure.stability"),
        t("figure.percent", { value: formatNumber(Math.round(week.stability * 1000) / 10) }),
        t("figure.stability_detail"),
        "figure-stability",
      ),
    );
  }
  if (typeof stats.pull_min === "number") {
    out.push(
      card(t("figure.pull"), formatMinutes(stats.pull_min), t("figure.pull_detail"), "figure-pull"),
    );
  }
  if (stats.fleet_used && typeof stats.fleet_used === "object") {
    const used = Object.values(stats.fleet_used).reduce((a, b) => a + (Number(b) || 0), 0);
    out.push(
      card(
        t("figure.fleet"),
        formatNumber(used),
        fleet === null
          ? t("figure.fleet_entries", { count: Object.keys(stats.fleet_used).length })
          : t("figure.fleet_detail", { total: fleet }),
        "figure-fleet",
      ),
    );
  }
  const left = plan.unassigned || [];
  if (typeof stats.unassigned === "number" || left.length) {
    const rules = new Map();
    for (const u of left) {
      const rule = u.rule && has(`unassigned.rule.${u.rule}`) ? u.rule : "";
      rules.set(rule, (rules.get(rule) || 0) + 1);
    }
    const detail = left.length
      ? [...rules.entries()]
          .map(([rule, count]) =>
            t("figure.unassigned_rule", {
              count,
              rule: rule ? t(`unassigned.rule.${rule}`) : t("figure.unassigned_other"),
            }),
          )
          .join("; ")
      : t("figure.unassigned_none");
    const proven =
      typeof stats.unassigned_lower_bound === "number"
        ? "; " + t("figure.unassigned_bound", { bound: formatNumber(stats.unassigned_lower_bound) })
        : "";
    out.push(
      card(t("figure.unassigned"), formatNumber(left.length), detail + proven, "figure-unassigned"),
    );
  }
  return out;
}

// "OP2 needs 3 more vehicle(s) of 55 seats at D2 on X" (see core/week.py).
const MISSING =
  /^(.+?) needs (\d+) more vehicle\(s\) of (\d+)(?: to ([\d.]+|inf))? seats at (.+) on (\S+)$/;

/** The solver's sentences about vehicles the fleet lacks, in the page's language. */
function missingList(result) {
  const missing = result.extra && result.extra.missing;
  if (!Array.isArray(missing) || !missing.length) return null;
  return h(
    "div",
    { class: "alert", role: "note", "data-testid": "missing" },
    h("p", { class: "alert-title" }, t("results.missing_title")),
    h(
      "ul",
      {},
      missing.map((sentence) => {
        const m = MISSING.exec(sentence);
        if (!m) return h("li", {}, sentence);
        const [, operator, count, low, high, depots, day] = m;
        const seats = high
          ? t("results.seats_range", { min: low, max: high === "inf" ? "∞" : high })
          : low;
        return h(
          "li",
          {},
          t("results.missing", {
            operator,
            count: Number(count),
            seats,
            depots: depots.replaceAll("/", ", "),
            day: dayInText(day),
          }),
        );
      }),
    ),
  );
}

function headline(stats, buses) {
  const count = stats.buses ?? buses.length;
  const bound = stats.lower_bound;
  const gap = typeof bound === "number" ? count - bound : null;
  const tpb = stats.trips_per_bus || {};
  return [
    card(
      t("figure.buses"),
      formatNumber(count),
      typeof bound === "number"
        ? gap < 0
          ? t("figure.bound_unassigned", { bound })
          : gap === 0
          ? t("figure.bound_met", { bound })
          : t("figure.bound_above", { bound, count: gap })
        : t("figure.no_bound"),
      "figure-buses",
    ),
    card(
      t("figure.deadhead"),
      formatMinutes(stats.deadhead_min ?? 0),
      (typeof stats.pull_min === "number"
        ? t("figure.deadhead_detail_depots")
        : t("figure.deadhead_detail")) +
        (typeof stats.deadhead_lower_bound_min === "number"
          ? " " + t("figure.deadhead_bound", { bound: formatMinutes(stats.deadhead_lower_bound_min) })
          : ""),
      "figure-deadhead",
    ),
    card(
      t("figure.shifts"),
      t("count.trips", { count: stats.shifted_trips ?? 0 }),
      t("figure.shifts_detail", {
        total: formatMinutes(stats.abs_shift_min ?? 0),
        max: formatMinutes(stats.max_abs_shift_min ?? 0),
      }),
      "figure-shifts",
    ),
    card(
      t("figure.trips"),
      formatNumber(tpb.median ?? 0),
      tpb.min !== undefined
        ? t("figure.trips_detail", { min: tpb.min, max: tpb.max })
        : t("figure.median"),
      "figure-trips",
    ),
  ];
}

function unassignedList(items, trips) {
  if (!items.length) return null;
  return h(
    "div",
    { class: "alert", role: "note" },
    h("p", { class: "alert-title" }, t("results.unassigned", { count: items.length })),
    h(
      "ul",
      {},
      items.map((u) =>
        h(
          "li",
          {},
          h("strong", {}, u.id),
          u.reason ? `: ${unassignedWords(u.reason, trips.get(u.id), u.rule)}` : "",
        ),
      ),
    ),
  );
}

function downloads(jobId, result) {
  const json = h(
    "a",
    {
      class: "button secondary",
      href: "#",
      download: `busplan-${jobId}.json`,
      "data-testid": "download-json",
    },
    "JSON",
  );
  json.addEventListener("click", () => {
    // Built on demand: the solution is already in the page.
    const blob = new Blob([JSON.stringify(result, null, 1)], { type: "application/json" });
    json.href = URL.createObjectURL(blob);
    setTimeout(() => URL.revokeObjectURL(json.href), 60000);
  });
  return h(
    "nav",
    { class: "downloads", "aria-label": t("results.downloads") },
    h("span", { class: "muted" }, t("results.download")),
    h(
      "a",
      {
        class: "button secondary",
        href: exportUrl(jobId, "pdf", lang()),
        download: "",
        "data-testid": "download-pdf",
      },
      t("results.pdf"),
    ),
    h(
      "a",
      {
        class: "button secondary",
        href: exportUrl(jobId, "xlsx", lang()),
        download: "",
        "data-testid": "download-xlsx",
      },
      t("results.xlsx"),
    ),
    json,
  );
}
