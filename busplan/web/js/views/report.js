// The parse report of an upload: per-file counts, warnings, and one table of accepted trips
// and rejected rows with the reason for each rejection.

import { h } from "../dom.js";
import { DAYS, formatClockText, shortDayName } from "../format.js";
import { has, lang, t } from "../i18n.js";
import { rejectionWords, serverDetail } from "../words.js";

export function renderReport(report, problem) {
  const totals = report.totals || {};
  const trips = problem ? problem.trips : [];
  const rejected = (report.files || []).flatMap((f) =>
    (f.rejected || []).map((r) => ({ ...r, file: f.file })),
  );
  const warnings = (report.files || []).flatMap((f) =>
    (f.warnings || []).map((w) => ({ ...notice(w), file: f.file })),
  );
  return h(
    "section",
    { class: "report", "aria-labelledby": "report-title" },
    h("h3", { id: "report-title" }, t("report.title")),
    h(
      "p",
      { class: "report-summary", "data-testid": "report-summary" },
      summary(totals, trips, rejected, warnings),
    ),
    filesTable(report.files || []),
    warnings.length ? warningList(warnings) : null,
    rowsTable(trips, rejected),
  );
}

function summary(totals, trips, rejected, warnings) {
  const parts = [
    t("report.accepted", {
      count: trips.length,
      files: t("count.files", { count: totals.files ?? 1 }),
    }),
    t("report.rejected", { count: rejected.length }),
  ];
  if (totals.duplicates) parts.push(t("report.duplicates", { count: totals.duplicates }));
  parts.push(t("report.warnings", { count: warnings.length }));
  return `${parts.join(" · ")}.`;
}

const FORMATS = { problem: "report.format_problem", workbook: "report.format_workbook" };

function filesTable(files) {
  const row = (f) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, f.file),
      h("td", {}, t(FORMATS[f.format] || "report.format_routes")),
      h("td", { class: "num" }, f.rows_read ?? "—"),
      h("td", { class: "num" }, f.trips ?? 0),
      h("td", { class: "num" }, (f.rejected || []).length),
      h("td", { class: "num" }, (f.warnings || []).length),
      h(
        "td",
        {},
        f.error
          ? h("span", { class: "bad" }, t("upload.file_unreadable"), serverDetail(f.error))
          : (f.sheets_used || []).join(", "),
      ),
    );
  const heads = ["file", "kind", "rows_read", "trips", "rejected", "warnings", "sheets"];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data" },
      h("caption", { class: "visually-hidden" }, t("report.files_caption")),
      h(
        "thead",
        {},
        h("tr", {}, ...heads.map((k) => h("th", { scope: "col" }, t(`report.col_${k}`)))),
      ),
      h("tbody", {}, files.map(row)),
    ),
  );
}

function warningList(warnings) {
  return h(
    "details",
    { class: "warnings", open: warnings.length <= 5 },
    h("summary", {}, t("report.warnings_to_check", { count: warnings.length })),
    h(
      "ul",
      {},
      warnings.map((w) =>
        h(
          "li",
          {},
          h("span", { class: "muted" }, `${[w.file, w.where].filter(Boolean).join(" › ")}: `),
          warningWords(w),
        ),
      ),
    ),
  );
}

function rowsTable(trips, rejected) {
  const body = h("tbody");
  const filter = h(
    "select",
    { id: "report-filter" },
    h("option", { value: "all" }, t("report.show_all", { count: trips.length + rejected.length })),
    h("option", { value: "rejected" }, t("report.show_rejected", { count: rejected.length })),
    h("option", { value: "accepted" }, t("report.show_accepted", { count: trips.length })),
  );
  const fill = () => {
    const show = filter.value;
    const rows = [];
    if (show !== "accepted") rows.push(...rejected.map(rejectedRow));
    if (show !== "rejected") rows.push(...trips.map(acceptedRow));
    body.replaceChildren(...rows);
  };
  filter.addEventListener("change", fill);
  fill();
  return h(
    "div",
    { class: "rows" },
    h("div", { class: "rows-head" }, h("label", { for: "report-filter" }, t("report.show")), filter),
    h(
      "div",
      {
        class: "table-wrap tall",
        tabindex: "0",
        role: "region",
        "aria-label": t("report.rows_label"),
      },
      h(
        "table",
        { class: "data report-rows", "data-testid": "report-rows" },
        h("caption", { class: "visually-hidden" }, t("report.rows_caption")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["status", "where", "trip", "what"].map((k) =>
              h("th", { scope: "col" }, t(`report.col_${k}`)),
            ),
          ),
        ),
        body,
      ),
    ),
  );
}

function rowWords(row) {
  return row !== undefined && row !== null ? t("report.row", { row: String(row) }) : null;
}

function rejectedRow(r) {
  const where = [r.file, r.sheet, rowWords(r.row)]
    .filter((x) => x !== null && x !== undefined && x !== "")
    .join(" › ");
  return h(
    "tr",
    { class: "rejected" },
    h("td", {}, h("span", { class: "badge badge-bad" }, t("report.badge_rejected"))),
    h("td", {}, where),
    h("td", {}, "—"),
    h("td", {}, r.column ? h("strong", {}, `${r.column}: `) : null, rejectionWords(r)),
  );
}

function acceptedRow(trip) {
  const days = Array.isArray(trip.days) ? trip.days : DAYS;
  const time = trip.time ? formatClockText(trip.time) : "";
  const parts = [
    t(`kind.${trip.kind === "exit" ? "exit" : "entry"}`),
    time ? t(trip.kind === "exit" ? "report.leaves_school" : "report.at_school", { time }) : "",
    trip.school ? trip.school.name || trip.school.id : "",
    days.length === DAYS.length ? t("report.every_day") : days.map(shortDayName).join(", "),
    trip.stops ? t("report.stops", { count: trip.stops.length }) : "",
    trip.seats ? t("report.seats", { count: trip.seats }) : "",
  ].filter(Boolean);
  return h(
    "tr",
    {},
    h("td", {}, h("span", { class: "badge badge-ok" }, t("report.badge_accepted"))),
    h("td", {}, ""),
    h("td", {}, trip.id),
    h("td", {}, parts.join(" · ")),
  );
}

function notice(w) {
  if (typeof w === "string") return { text: w, where: "", code: "", params: {} };
  const where = [w.sheet, rowWords(w.row)].filter(Boolean);
  return { text: w.message || "", where: where.join(" › "), code: w.code, params: w.params };
}

/** The importer's note by its code; English pages keep its own sentence, which names more. */
function warningWords(w) {
  if (lang() === "en" || !w.code || !has(`warn.${w.code}`)) {
    return lang() === "en" ? w.text : h("span", {}, t("warn.other"), serverDetail(w.text));
  }
  return t(`warn.${w.code}`, w.params || {});
}
