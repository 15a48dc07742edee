// The optimization settings: shift windows, buffer, time limit and days, checked in the page
// before anything is sent, with each message next to its field.

import { h } from "../dom.js";
import { DAYS, dayName } from "../format.js";

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
    this.run = h(
      "button",
      { type: "submit", class: "primary", disabled: true },
      "Run optimization",
    );
    this.element = h(
      "form",
      { class: "settings", novalidate: true, "aria-labelledby": "settings-title" },
      h(
        "fieldset",
        { class: "window" },
        h("legend", {}, "School entries: how far a bell may move"),
        numberField("entry-earliest", "Earliest", DEFAULTS.entry[0], {
          unit: "min",
          help: "Negative: earlier than the official time.",
        }),
        numberField("entry-latest", "Latest", DEFAULTS.entry[1], {
          unit: "min",
          help: "Positive: later than the official time.",
        }),
      ),
      h(
        "fieldset",
        { class: "window" },
        h("legend", {}, "School exits: how far a bell may move"),
        numberField("exit-earliest", "Earliest", DEFAULTS.exit[0], { unit: "min" }),
        numberField("exit-latest", "Latest", DEFAULTS.exit[1], { unit: "min" }),
      ),
      h(
        "fieldset",
        { class: "window" },
        h("legend", {}, "Running the optimization"),
        numberField("buffer", "Buffer between trips", DEFAULTS.buffer, {
          min: 0,
          max: 60,
          unit: "min",
          help: "Spare time added to every empty drive.",
        }),
        numberField("time-limit", "Time limit", DEFAULTS.timeLimit, {
          min: 1,
          max: 3600,
          unit: "s",
          help: "The search stops by then with the best plan found.",
        }),
      ),
      h(
        "fieldset",
        { class: "days", "aria-describedby": "days-error" },
        h("legend", {}, "Days to plan"),
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
      this.daysBox.replaceChildren(h("p", { class: "muted" }, "Upload timetables to choose days."));
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
    this.run.textContent = on ? "Starting…" : "Run optimization";
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
    const rest = [];
    for (const e of problem.errors) {
      const path = String(e.path || "");
      const key = Object.keys(fields).find((k) => path === k || path.startsWith(`${k}[`));
      if (key) this.fieldError(fields[key], e.reason);
      else if (path.startsWith("days")) this.fieldError("days", e.reason);
      else rest.push(`${path}: ${e.reason}`);
    }
    this.general.replaceChildren(
      h(
        "p",
        { class: "alert" },
        problem.words,
        problem.detail && problem.detail !== problem.words ? ` ${problem.detail}` : "",
      ),
      rest.length
        ? h(
            "ul",
            {},
            rest.slice(0, 20).map((r) => h("li", {}, r)),
          )
        : null,
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
      if (!Number.isFinite(early)) fail(`${kind}-earliest`, "Enter a number of minutes.");
      else if (Math.abs(early) > MAX_SHIFT)
        fail(`${kind}-earliest`, `Keep it within ${MAX_SHIFT} minutes.`);
      if (!Number.isFinite(late)) fail(`${kind}-latest`, "Enter a number of minutes.");
      else if (Math.abs(late) > MAX_SHIFT)
        fail(`${kind}-latest`, `Keep it within ${MAX_SHIFT} minutes.`);
      else if (Number.isFinite(early) && early > late)
        fail(`${kind}-latest`, "Latest must not be before earliest.");
    }
    if (!Number.isFinite(v.buffer) || v.buffer < 0 || v.buffer > 60)
      fail("buffer", "Enter 0 to 60 minutes.");
    if (!Number.isFinite(v.timeLimit) || v.timeLimit < 1 || v.timeLimit > 3600)
      fail("time-limit", "Enter 1 to 3600 seconds.");
    if (this.days.length && !v.days.length) fail("days", "Choose at least one day.");
    if (!bad.length) return v;
    if (!quiet) {
      const first = bad[0] === "days" ? this.daysBox.querySelector("input") : this.input(bad[0]);
      if (first) first.focus();
    }
    return null;
  }
}
