// Results of a completed job: headline figures, a day selector, the timeline of buses, one
// bus on a map and in a table, and the downloads.

import { exportUrl } from "../api.js";
import { announce, clear, h } from "../dom.js";
import { DAYS, dayInText, dayName, formatDateTime, formatMinutes, formatNumber } from "../format.js";
import { lang, t } from "../i18n.js";
import { unassignedWords } from "../words.js";
import { renderBusDetail } from "./busdetail.js";
import { bufferOf, dayBuses, tripIndex } from "./plan.js";
import { legend, renderTimeline } from "./timeline.js";

export function showResults(view, { job, problem, result }) {
  const days = DAYS.filter((d) => result.days && result.days[d]).concat(
    Object.keys(result.days || {}).filter((d) => !DAYS.includes(d)),
  );
  const trips = tripIndex(problem);
  const buffer = bufferOf(problem);
  let day = days[0];
  let selected = null;
  let detail = null;

  const figures = h("div", { class: "figures", "data-testid": "figures" });
  const timelineBox = h("div", { class: "timeline-box" });
  const timelineTitle = h("h2", { id: "timeline-title" });
  const unassigned = h("div");
  const detailBox = h("div", { class: "detail-box" });

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
    dayPicker,
    figures,
    h(
      "section",
      { class: "panel", "aria-labelledby": "timeline-title" },
      h("div", { class: "timeline-head" }, timelineTitle, legend()),
      h("p", { class: "help" }, t("results.choose_bus")),
      timelineBox,
      unassigned,
    ),
    detailBox,
  );

  function paint() {
    const plan = result.days[day];
    const buses = dayBuses(plan, trips, buffer);
    clear(figures, ...headline(plan.stats || {}, buses));
    timelineTitle.textContent = t("results.buses_on", { count: buses.length, day: dayInText(day) });
    clear(timelineBox, renderTimeline(buses, { selected, onSelect: (id) => select(id, buses) }));
    clear(unassigned, unassignedList(plan.unassigned || [], trips));
    if (selected) select(selected, buses, { focus: false });
    else showDetail(null);
  }

  function select(id, buses, { focus = true } = {}) {
    selected = id;
    for (const row of timelineBox.querySelectorAll(".tl-row")) {
      const on = row.dataset.bus === id;
      row.classList.toggle("selected", on);
      row.querySelector(".tl-bus").setAttribute("aria-pressed", String(on));
    }
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
    detail = renderBusDetail(bus, { dayLabel: dayInText(day) });
    clear(detailBox, detail.element);
    detail.mount();
  }

  paint();
  return () => {
    if (detail) detail.remove();
  };
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

function headline(stats, buses) {
  const card = (label, value, detail, testid) =>
    h(
      "div",
      { class: "figure", "data-testid": testid },
      h("p", { class: "figure-label" }, label),
      h("p", { class: "figure-value" }, value),
      h("p", { class: "figure-detail" }, detail),
    );
  const count = stats.buses ?? buses.length;
  const bound = stats.lower_bound;
  const gap = typeof bound === "number" ? count - bound : null;
  const tpb = stats.trips_per_bus || {};
  return [
    card(
      t("figure.buses"),
      formatNumber(count),
      typeof bound === "number"
        ? gap === 0
          ? t("figure.bound_met", { bound })
          : t("figure.bound_above", { bound, count: gap })
        : t("figure.no_bound"),
      "figure-buses",
    ),
    card(
      t("figure.deadhead"),
      formatMinutes(stats.deadhead_min ?? 0),
      t("figure.deadhead_detail"),
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
