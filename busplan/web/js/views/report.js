// The parse report of an upload: per-file counts, warnings, and one table of accepted trips
// and rejected rows with the reason for each rejection.

import { h } from "../dom.js";
import { DAYS, formatClockText, shortDayName } from "../format.js";

const KIND = { entry: "Entry", exit: "Exit" };

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
    h("h3", { id: "report-title" }, "What was read"),
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
  const files = totals.files ?? 1;
  const parts = [
    `${trips.length} trips accepted from ${files} file${files === 1 ? "" : "s"}`,
    `${rejected.length} row${rejected.length === 1 ? "" : "s"} rejected`,
  ];
  if (totals.duplicates) parts.push(`${totals.duplicates} repeated rows merged`);
  parts.push(`${warnings.length} warning${warnings.length === 1 ? "" : "s"}`);
  return `${parts.join(" · ")}.`;
}

function filesTable(files) {
  const row = (f) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, f.file),
      h(
        "td",
        {},
        f.format === "problem"
          ? "busplan problem"
          : f.format === "workbook"
            ? "Workbook"
            : "Route list",
      ),
      h("td", { class: "num" }, f.rows_read ?? "—"),
      h("td", { class: "num" }, f.trips ?? 0),
      h("td", { class: "num" }, (f.rejected || []).length),
      h("td", { class: "num" }, (f.warnings || []).length),
      h(
        "td",
        {},
        f.error ? h("span", { class: "bad" }, f.error) : (f.sheets_used || []).join(", "),
      ),
    );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data" },
      h("caption", { class: "visually-hidden" }, "Files read"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["File", "Kind", "Rows read", "Trips", "Rejected", "Warnings", "Sheets used"].map(
            (t) => h("th", { scope: "col" }, t),
          ),
        ),
      ),
      h("tbody", {}, files.map(row)),
    ),
  );
}

function warningList(warnings) {
  return h(
    "details",
    { class: "warnings", open: warnings.length <= 5 },
    h("summary", {}, `${warnings.length} warning${warnings.length === 1 ? "" : "s"} to check`),
    h(
      "ul",
      {},
      warnings.map((w) =>
        h(
          "li",
          {},
          h("span", { class: "muted" }, `${[w.file, w.where].filter(Boolean).join(" › ")}: `),
          w.text,
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
    h("option", { value: "all" }, `All rows (${trips.length + rejected.length})`),
    h("option", { value: "rejected" }, `Rejected (${rejected.length})`),
    h("option", { value: "accepted" }, `Accepted (${trips.length})`),
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
    h("div", { class: "rows-head" }, h("label", { for: "report-filter" }, "Show"), filter),
    h(
      "div",
      {
        class: "table-wrap tall",
        tabindex: "0",
        role: "region",
        "aria-label": "Accepted and rejected rows",
      },
      h(
        "table",
        { class: "data report-rows", "data-testid": "report-rows" },
        h(
          "caption",
          { class: "visually-hidden" },
          "Rejected rows with their reasons, then the accepted trips",
        ),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["Status", "Where", "Trip", "What was read or why it was rejected"].map((t) =>
              h("th", { scope: "col" }, t),
            ),
          ),
        ),
        body,
      ),
    ),
  );
}

function rejectedRow(r) {
  const where = [r.file, r.sheet, r.row !== undefined && r.row !== null ? `row ${r.row}` : null]
    .filter((x) => x !== null && x !== undefined && x !== "")
    .join(" › ");
  return h(
    "tr",
    { class: "rejected" },
    h("td", {}, h("span", { class: "badge badge-bad" }, "Rejected")),
    h("td", {}, where),
    h("td", {}, "—"),
    h("td", {}, r.column ? h("strong", {}, `${r.column}: `) : null, r.reason || r.code),
  );
}

function acceptedRow(t) {
  const days = Array.isArray(t.days) ? t.days : DAYS;
  const parts = [
    KIND[t.kind] || t.kind,
    t.time ? `${t.kind === "exit" ? "leaves school" : "at school"} ${formatClockText(t.time)}` : "",
    t.school ? t.school.name || t.school.id : "",
    days.length === DAYS.length ? "every school day" : days.map(shortDayName).join(", "),
    t.stops ? `${t.stops.length} stops` : "",
    t.seats ? `${t.seats} seats needed` : "",
  ].filter(Boolean);
  return h(
    "tr",
    {},
    h("td", {}, h("span", { class: "badge badge-ok" }, "Accepted")),
    h("td", {}, ""),
    h("td", {}, t.id),
    h("td", {}, parts.join(" · ")),
  );
}

function notice(w) {
  if (typeof w === "string") return { text: w, where: "" };
  const where = [w.sheet, w.row !== null && w.row !== undefined ? `row ${w.row}` : ""].filter(
    Boolean,
  );
  return { text: w.message || "", where: where.join(" › ") };
}
