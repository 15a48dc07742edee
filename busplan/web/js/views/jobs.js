// Recent jobs, newest first: state, figures, links. Refreshes itself while any job runs.
// The figures come with the list (`summary`), so a page of jobs is one small request.

import { api } from "../api.js";
import { clear, h } from "../dom.js";
import {
  formatDateTime,
  formatElapsed,
  formatMinutes,
  formatNumber,
  parseInstant,
} from "../format.js";
import { t } from "../i18n.js";
import { errorWords, FINISHED, phaseWords, stateBadge, stateWords } from "../words.js";

const PAGE = 20;
const REFRESH_MS = 2000;

export function render(view) {
  let offset = 0;
  let timer = null;
  let left = false;
  const body = h("tbody");
  const status = h("p", { class: "muted", role: "status" });
  const older = h("button", { type: "button", class: "secondary" }, t("jobs.older"));
  const newer = h("button", { type: "button", class: "secondary" }, t("jobs.newer"));
  older.addEventListener("click", () => go(offset + PAGE));
  newer.addEventListener("click", () => go(Math.max(0, offset - PAGE)));

  clear(
    view,
    h(
      "div",
      { class: "results-head" },
      h("h1", {}, t("nav.jobs")),
      h("a", { class: "button primary", href: "#/new" }, t("nav.new")),
    ),
    h(
      "div",
      { class: "panel" },
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data jobs", "data-testid": "jobs" },
          h("caption", { class: "visually-hidden" }, t("jobs.caption")),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ...["submitted", "name", "trips", "state", "run_time", "figures", "open"].map((k) =>
                h("th", { scope: "col" }, t(`jobs.col_${k}`)),
              ),
            ),
          ),
          body,
        ),
      ),
      status,
      h("div", { class: "actions" }, newer, older),
    ),
  );

  async function go(to) {
    offset = to;
    await load();
  }

  async function load() {
    clearTimeout(timer);
    let page;
    try {
      page = await api.jobs(PAGE, offset);
    } catch (error) {
      if (!left) status.textContent = errorWords(error.code);
      return;
    }
    if (left) return;
    body.replaceChildren(...page.items.map(row));
    status.textContent = page.total
      ? t("jobs.range", { from: offset + 1, to: offset + page.items.length, total: page.total })
      : t("jobs.none");
    newer.disabled = offset === 0;
    older.disabled = offset + PAGE >= page.total;
    if (page.items.some((j) => !FINISHED.has(j.status))) timer = setTimeout(load, REFRESH_MS);
  }

  load();
  return () => {
    left = true;
    clearTimeout(timer);
  };
}

function row(job) {
  const link = `#/jobs/${encodeURIComponent(job.job_id)}`;
  const figures = h("td", { class: "figures-cell" }, describe(job));
  const action =
    job.status === "completed"
      ? t("jobs.results")
      : FINISHED.has(job.status)
        ? t("jobs.details")
        : t("jobs.progress");
  return h(
    "tr",
    { "data-job": job.job_id },
    h("td", {}, formatDateTime(job.created_at)),
    h("th", { scope: "row" }, h("a", { href: link }, job.name || job.job_id.slice(0, 8))),
    h("td", { class: "num" }, formatNumber(job.trips)),
    h(
      "td",
      {},
      h(
        "span",
        { class: `badge state-${job.status}`, title: stateWords(job.status) },
        stateBadge(job.status),
      ),
    ),
    h("td", { class: "num" }, runTime(job)),
    figures,
    h(
      "td",
      {},
      h(
        "a",
        { href: link, "aria-label": t("jobs.action_of", { action, name: job.name || job.job_id.slice(0, 8) }) },
        action,
      ),
    ),
  );
}

function runTime(job) {
  const start = parseInstant(job.started_at);
  if (start === null) return "—";
  const end = parseInstant(job.finished_at) ?? Date.now();
  return formatElapsed((end - start) / 1000);
}

function describe(job) {
  if (job.status === "completed") return job.summary ? figuresOf(job.summary) : "";
  if (job.status === "running") return `${formatNumber(job.progress)} % · ${phaseWords(job.phase)}`;
  if (job.status === "queued") return phaseWords("queued");
  if (job.status === "failed") return errorWords(job.error_code);
  if (job.status === "cancelled") return t("jobs.cancelled");
  return "…";
}

/** A completed job's figures, from the list itself: results are megabytes for a region. */
function figuresOf(summary) {
  return t("jobs.figures", {
    buses: summary.buses_max,
    bound: summary.lower_bound ?? 0,
    empty: formatMinutes(summary.deadhead_min || 0),
    moved: formatMinutes(summary.abs_shift_min || 0),
  });
}
