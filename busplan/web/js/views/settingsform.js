// The optimization settings: shift windows, buffer, time limit and days, checked in the page
// before anything is sent, with each message next to its field.

import { h } from "../dom.js";
import { DAYS, dayName } from "../format.js";
import { t } from "../i18n.js";
import { serverDetail } from "../words.js";

const DEFAULTS = { entry: [-5, 5], exit: [-5, 10], buffer: 5, timeLimit: 60 };
const MAX_SHIFT = 120;

function numberField(id, label, value, { min, max, step = 1, unit, help } = {}) {
  const input = h("input", {
    id,
    name: id,
    type: "number",
    inputmode: "decimal",
    value: String(value),
    min: min ?? undefined,
    max: max ?? undefined,
    step: String(step),
    "aria-describedby": `${id}-error${help ? ` ${id}-help` : ""}`,
  });
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h(
      "div",
      { class: "with-unit" },
      input,
      unit ? h("span", { class: "unit", "aria-hidden": "true" }, unit) : null,
    ),
    help ? h("p", { class: "help", id: `${id}-help` }, help) : null,
    h("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" }),
  );
}

export class SettingsForm {
  constructor({ onSubmit }) {
    this.onSubmit = onSubmit;
    this.days = [];
    this.daysBox = h("div", { class: "day-list" });
    this.daysError = h("p", { class: "field-error", id: "days-error", "aria-live": "polite" });
    this.general = h("div", { class: "form-errors", role: "alert" });
    this.run = h("button", { type: "submit", class: "primary", disabled: true }, t("settings.run"));
    this.element = h(
      "form",
      { class: "settings", novalidate: true, "aria-labelledby": "settings-title" },
      h(
        "fieldset",
        { class: "window" },
        h("legend", {}, t("settings.entries")),
        numberField("entry-earliest", t("settings.earliest"), DEFAULTS.entry[0], {
          unit: "min",
          help: t("settings.earliest_help"),
        }),
        numberField("entry-latest", t("settings.latest"), DEFAULTS.entry[1], {
          unit: "min",
          help: t("settings.latest_help"),
        }),
      ),
      h(
        "fieldset",
        { class: "window" },
        h("legend", {}, t("settings.exits")),
        numberField("exit-earliest", t("settings.earliest"), DEFAULTS.exit[0], { unit: "min" }),
        numberField("exit-latest", t("settings.latest"), DEFAULTS.exit[1], { unit: "min" }),
      ),
      h(
        "fieldset",
        { class: "window" },
        h("legend", {}, t("settings.running")),
        numberField("buffer", t("settings.buffer"), DEFAULTS.buffer, {
          min: 0,
          max: 60,
          unit: "min",
          help: t("settings.buffer_help"),
        }),
        numberField("time-limit", t("settings.time_limit"), DEFAULTS.timeLimit, {
          min: 1,
          max: 3600,
          unit: "s",
          help: t("settings.time_limit_help"),
        }),
      ),
      h(
        "fieldset",
        { class: "days", "aria-describedby": "days-error" },
        h("legend", {}, t("settings.days")),
        this.daysBox,
        this.daysError,
      ),
      this.general,
      h("div", { class: "actions" }, this.run),
    );
    this.element.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = this.validate();
      if (values) this.onSubmit(values);
    });
    this.element.addEventListener("input", (event) => {
      if (event.target.getAttribute("aria-invalid") === "true") this.validate({ quiet: true });
    });
    this.setDays([]);
  }

  input(id) {
    return this.element.querySelector(`#${id}`);
  }

  /** Fill in what a loaded problem says, and the days it has trips on. */
  load(problem) {
    const s = problem.settings || {};
    const entry = s.entry_shift_min || DEFAULTS.entry;
    const exit = s.exit_shift_min || DEFAULTS.exit;
    this.input("entry-earliest").value = entry[0];
    this.input("entry-latest").value = entry[1];
    this.input("exit-earliest").value = exit[0];
    this.input("exit-latest").value = exit[1];
    this.input("buffer").value = s.buffer_min ?? DEFAULTS.buffer;
    const present = new Set();
    for (const trip of problem.trips || []) {
      const days = Array.isArray(trip.days) ? trip.days : DAYS;
      for (const d of days) present.add(d);
    }
    this.setDays(DAYS.filter((d) => present.has(d)));
    this.run.disabled = false;
    this.clearErrors();
  }

  disable() {
    this.setDays([]);
    this.run.disabled = true;
  }

  setDays(days) {
    this.days = days;
    if (!days.length) {
      this.daysBox.replaceChildren(h("p", { class: "muted" }, t("settings.days_empty")));
      return;
    }
    this.daysBox.replaceChildren(
      ...days.map((d) =>
        h(
          "label",
          { class: "check" },
          h("input", { type: "checkbox", name: "day", value: d, checked: true }),
          ` ${dayName(d)}`,
        ),
      ),
    );
  }

  busy(on) {
    this.run.disabled = on;
    this.run.textContent = on ? t("settings.starting") : t("settings.run");
  }

  clearErrors() {
    for (const node of this.element.querySelectorAll("[aria-invalid]"))
      node.removeAttribute("aria-invalid");
    for (const node of this.element.querySelectorAll(".field-error")) node.textContent = "";
    this.general.replaceChildren();
  }

  fieldError(id, text) {
    const input = this.input(id);
    if (input) input.setAttribute("aria-invalid", "true");
    const target = id === "days" ? this.daysError : this.element.querySelector(`#${id}-error`);
    if (target) target.textContent = text;
  }

  /** Show errors the server found (paths as in the request body). */
  serverErrors(problem) {
    const fields = {
      time_limit: "time-limit",
      "problem.settings.entry_shift_min": "entry-earliest",
      "problem.settings.exit_shift_min": "exit-earliest",
      "problem.settings.buffer_min": "buffer",
    };
    for (const e of problem.errors) {
      const path = String(e.path || "");
      const key = Object.keys(fields).find((k) => path === k || path.startsWith(`${k}[`));
      if (key) this.fieldError(fields[key], t("settings.server_invalid"));
      else if (path.startsWith("days")) this.fieldError("days", t("settings.server_invalid"));
    }
    this.general.replaceChildren(
      h(
        "p",
        { class: "alert" },
        problem.words,
      ),
      // The server's reasons name the request's fields, in English.
      serverDetail(
        [
          problem.detail !== problem.words ? problem.detail : "",
          ...problem.errors.map((e) => `${e.path}: ${e.reason}`),
        ]
          .filter(Boolean)
          .slice(0, 20)
          .join("\n"),
      ),
    );
  }

  /** The values if all are valid; otherwise the messages, and focus on the first bad field. */
  validate({ quiet = false } = {}) {
    this.clearErrors();
    const read = (id) => {
      const text = this.input(id).value.trim();
      return text === "" ? NaN : Number(text);
    };
    const v = {
      entry: [read("entry-earliest"), read("entry-latest")],
      exit: [read("exit-earliest"), read("exit-latest")],
      buffer: read("buffer"),
      timeLimit: read("time-limit"),
      days: [...this.element.querySelectorAll('input[name="day"]:checked')].map((i) => i.value),
    };
    const bad = [];
    const fail = (id, text) => {
      this.fieldError(id, text);
      bad.push(id);
    };
    for (const [kind, pair] of [
      ["entry", v.entry],
      ["exit", v.exit],
    ]) {
      const [early, late] = pair;
      if (!Number.isFinite(early)) fail(`${kind}-earliest`, t("settings.need_minutes"));
      else if (Math.abs(early) > MAX_SHIFT)
        fail(`${kind}-earliest`, t("settings.within", { max: MAX_SHIFT }));
      if (!Number.isFinite(late)) fail(`${kind}-latest`, t("settings.need_minutes"));
      else if (Math.abs(late) > MAX_SHIFT)
        fail(`${kind}-latest`, t("settings.within", { max: MAX_SHIFT }));
      else if (Number.isFinite(early) && early > late)
        fail(`${kind}-latest`, t("settings.latest_before"));
    }
    if (!Number.isFinite(v.buffer) || v.buffer < 0 || v.buffer > 60)
      fail("buffer", t("settings.buffer_range"));
    if (!Number.isFinite(v.timeLimit) || v.timeLimit < 1 || v.timeLimit > 3600)
      fail("time-limit", t("settings.time_limit_range"));
    if (this.days.length && !v.days.length) fail("days", t("settings.days_none"));
    if (!bad.length) return v;
    if (!quiet) {
      const first = bad[0] === "days" ? this.daysBox.querySelector("input") : this.input(bad[0]);
      if (first) first.focus();
    }
    return null;
  }
}
