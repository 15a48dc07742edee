// New optimization: upload timetables, read the parse report, set the options, run.

import { api, ApiProblem } from "../api.js";
import { announce, clear, h } from "../dom.js";
import { t } from "../i18n.js";
import { cache } from "../store.js";
import { serverDetail } from "../words.js";
import { renderReport } from "./report.js";
import { SettingsForm } from "./settingsform.js";

const ACCEPT = [".xlsx", ".xlsm", ".json"];

export function render(view) {
  let problem = null;
  let left = false;
  const status = h("div", { class: "import-status", role: "status", "aria-live": "polite" });
  const reportBox = h("div", { class: "report-box" });
  const form = new SettingsForm({ onSubmit: (values) => run(values) });

  const input = h("input", {
    id: "files",
    type: "file",
    multiple: true,
    accept: ACCEPT.join(","),
    class: "file-input",
    "aria-describedby": "files-help",
  });
  const zone = h(
    "div",
    { class: "dropzone", "data-testid": "dropzone" },
    input,
    h(
      "label",
      { for: "files" },
      h("span", { class: "drop-title" }, t("upload.drop")),
      h("span", { class: "drop-or" }, t("upload.or")),
      h("span", { class: "button" }, t("upload.choose")),
    ),
    h(
      "p",
      { class: "help", id: "files-help" },
      t("upload.help"),
    ),
  );
  input.addEventListener("change", () => load([...input.files]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    load([...event.dataTransfer.files]);
  });

  clear(
    view,
    h("h1", {}, t("nav.new")),
    h(
      "div",
      { class: "new-layout" },
      h(
        "section",
        { class: "panel upload", "aria-labelledby": "upload-title" },
        h("h2", { id: "upload-title" }, h("span", { class: "step" }, "1"), ` ${t("upload.title")}`),
        zone,
        status,
        reportBox,
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "settings-title" },
        h("h2", { id: "settings-title" }, h("span", { class: "step" }, "2"), ` ${t("settings.title")}`),
        form.element,
      ),
    ),
  );

  async function load(files) {
    if (!files.length) return;
    problem = null;
    form.disable();
    clear(reportBox);
    const names = files.map((f) => f.name).join(", ");
    clear(status, h("p", { class: "working" }, t("upload.reading", { files: names })));
    try {
      const read = await readFiles(files);
      if (left) return;
      problem = read.problem;
      form.load(problem);
      clear(status);
      clear(reportBox, renderReport(read.report, problem));
      announce(t("upload.accepted", { count: problem.trips.length }));
    } catch (error) {
      if (left) return;
      clear(status, importError(error, files));
      announce(t("error.IMPORT_FAILED"));
    }
  }

  async function run(values) {
    if (!problem) return;
    const body = {
      problem: {
        ...problem,
        settings: {
          ...(problem.settings || {}),
          entry_shift_min: values.entry,
          exit_shift_min: values.exit,
          buffer_min: values.buffer,
        },
      },
      time_limit: values.timeLimit,
      days: values.days.length === form.days.length ? null : values.days,
    };
    form.busy(true);
    try {
      const accepted = await api.submit(body);
      cache.setProblem(accepted.job_id, body.problem);
      location.hash = `#/jobs/${encodeURIComponent(accepted.job_id)}`;
    } catch (error) {
      form.busy(false);
      if (error instanceof ApiProblem) form.serverErrors(error);
      else throw error;
    }
  }

  return () => {
    left = true;
  };
}

/** A busplan problem file is used as it is; anything else goes through the server's import. */
async function readFiles(files) {
  const bad = files.filter((f) => !ACCEPT.some((s) => f.name.toLowerCase().endsWith(s)));
  if (bad.length) {
    throw new ApiProblem(415, {
      code: "UNSUPPORTED_FILE",
      fromPage: true,
      detail: t("upload.unsupported", { files: bad.map((f) => f.name).join(", ") }),
    });
  }
  const documents = [];
  for (const file of files.filter((f) => f.name.toLowerCase().endsWith(".json"))) {
    const doc = await readJson(file);
    if (doc && !Array.isArray(doc) && Array.isArray(doc.trips)) documents.push({ file, doc });
  }
  if (documents.length) {
    if (files.length > 1) {
      throw new ApiProblem(422, {
        code: "IMPORT_FAILED",
        fromPage: true,
        detail: t("upload.problem_alone", { file: documents[0].file.name }),
      });
    }
    const { file, doc } = documents[0];
    const name = doc.name || file.name.replace(/\.json$/i, "");
    return { problem: { ...doc, name }, report: problemReport(file, doc) };
  }
  const imported = await api.importFiles(files);
  // The server stores uploads under numbered names; show the operator's own file names.
  (imported.report.files || []).forEach((f, n) => {
    if (files[n]) f.file = files[n].name;
  });
  const stem = files[0].name.replace(/\.[^.]+$/, "");
  const name =
    files.length === 1 ? stem : t("upload.name_more", { name: stem, count: files.length - 1 });
  return { ...imported, problem: { ...imported.problem, name } };
}

async function readJson(file) {
  try {
    return JSON.parse(await file.text());
  } catch (error) {
    throw new ApiProblem(422, {
      code: "IMPORT_FAILED",
        fromPage: true,
      detail: t("upload.bad_json", { file: file.name }),
    });
  }
}

function problemReport(file, doc) {
  return {
    ok: true,
    totals: { files: 1, trips: doc.trips.length, rejected: 0, duplicates: 0, warnings: 0 },
    files: [
      {
        file: file.name,
        format: "problem",
        rows_read: doc.trips.length,
        trips: doc.trips.length,
        rejected: [],
        warnings: [],
        sheets_used: [],
      },
    ],
  };
}

function importError(error, files) {
  if (!(error instanceof ApiProblem)) throw error;
  // A file the server could not read: its name, and the server's reason folded away.
  const reasons = error.errors.map((e) => {
    const n = /^files\[(\d+)\]$/.exec(e.path || "");
    const name = n && files[Number(n[1])] ? files[Number(n[1])].name : e.path;
    return h("li", {}, h("strong", {}, name), `: ${t("upload.file_unreadable")}`, serverDetail(e.reason));
  });
  return h(
    "div",
    { class: "alert", role: "alert", "data-testid": "import-error" },
    h("p", { class: "alert-title" }, error.words),
    error.detail && !reasons.length
      ? error.fromPage
        ? h("p", {}, error.detail)
        : serverDetail(error.detail)
      : null,
    reasons.length ? h("ul", {}, reasons) : null,
    h("p", { class: "muted" }, t("upload.nothing_imported")),
  );
}
