// The bells of a job: every school's official times with a move for each, and "Run scenario",
// which solves the job's problem with those bells moved as a new job linked to it. Opened on a
// scenario, it first follows the scenario's progress and then sets its plan beside its
// parent's.

import { api } from "../api.js";
import { announce, clear, h } from "../dom.js";
import {
  clockMinutes,
  formatClock,
  formatClockText,
  formatNumber,
  formatShift,
} from "../format.js";
import { t } from "../i18n.js";
import { cache } from "../store.js";
import { errorWords, serverDetail } from "../words.js";
import { renderComparison } from "./compare.js";
import { bellsHref, jobHref, scenarioLinks } from "./lineage.js";
import { showProgress } from "./progress.js";
import { movesSummary } from "./scenario.js";

export function render(view, id) {
  let left = false;
  let leave = () => {};
  clear(view, h("p", { class: "working" }, t("bells.loading")));
  Promise.all([api.job(id), api.bells(id), api.scenarios(id)])
    .then(([job, bells, scenarios]) => {
      if (left) return;
      const compareBox = h("section", { class: "panel", "aria-labelledby": "compare-title" });
      let head = heading(job);
      let panel = bellsPanel(job, bells);
      clear(
        view,
        head,
        job.derived_from ? compareBox : null,
        panel,
        scenarios.items.length ? scenariosPanel(scenarios) : null,
      );
      // A scenario that completes while watched can itself be the start of another.
      const completed = (done) => {
        const [freshHead, freshPanel] = [heading(done), bellsPanel(done, bells)];
        head.replaceWith(freshHead);
        panel.replaceWith(freshPanel);
        [head, panel] = [freshHead, freshPanel];
      };
      if (job.derived_from) leave = followScenario(compareBox, job, () => left, completed);
    })
    .catch((error) => {
      if (!left) clear(view, failure(error));
    });
  return () => {
    left = true;
    leave();
  };
}

function heading(job) {
  const name = job.name || job.job_id.slice(0, 8);
  return h(
    "div",
    { class: "results-head" },
    h(
      "div",
      {},
      h(
        "h1",
        {},
        job.derived_from ? t("bells.title_scenario", { name }) : t("bells.title", { name }),
      ),
      job.derived_from
        ? h(
            "p",
            { class: "muted", "data-testid": "scenario-of" },
            t("lineage.scenario_of"),
            " ",
            h("a", { href: bellsHref(job.derived_from) }, job.derived_from.slice(0, 8)),
            ": ",
            movesSummary(job.bell_moves),
          )
        : h("p", { class: "muted" }, t("bells.intro")),
    ),
    h(
      "a",
      { class: "button secondary", href: jobHref(job.job_id) },
      job.status === "completed" ? t("bells.to_results") : t("bells.to_job"),
    ),
  );
}

/** A scenario's progress while it runs, then its plan beside its parent's. */
function followScenario(box, job, gone, completed) {
  const title = h("h2", { id: "compare-title" }, t("compare.title"));
  const body = h("div");
  clear(box, title, body);
  const compare = async (done) => {
    clear(body, h("p", { class: "working" }, t("compare.loading")));
    try {
      const [parent, parentResult, result] = await Promise.all([
        api.job(job.derived_from),
        resultOf(job.derived_from),
        resultOf(job.job_id),
      ]);
      if (gone()) return;
      clear(body, renderComparison({ parent, scenario: done, parentResult, result }));
      announce(t("compare.ready"));
    } catch (error) {
      if (gone()) return;
      clear(
        body,
        h(
          "div",
          { class: "notice", role: "status" },
          h(
            "p",
            {},
            error.code === "RESULT_NOT_READY" ? t("compare.not_ready") : errorWords(error.code),
          ),
          serverDetail(error.detail),
        ),
      );
    }
  };
  if (job.status === "completed") {
    compare(job);
    return () => {};
  }
  return showProgress(body, job, {
    onCompleted: (done) => {
      const fresh = { ...job, ...done, status: "completed" };
      if (!gone()) completed(fresh);
      compare(fresh);
    },
  });
}

async function resultOf(id) {
  const cached = cache.result(id);
  if (cached) return cached;
  const result = (await api.result(id)).result;
  cache.setResult(id, result);
  return result;
}

function bellsPanel(job, bells) {
  const [earliest, latest] = bells.rules.range_min;
  const step = bells.rules.step_min;
  const moves = new Map(); // bell key -> minutes
  const rows = new Map(); // bell key -> row
  const moved = new Map(
    (bells.moves || []).map((m) => [`${m.school} ${m.kind} ${m.new_time}`, m]),
  );
  const count = h("p", { class: "muted", role: "status", "data-testid": "moved-count" });
  const errors = h("div", { "data-testid": "scenario-error", hidden: true });
  const limit = h("input", {
    id: "scenario-time-limit",
    type: "number",
    min: "1",
    step: "any",
    value: String(job.params?.time_limit ?? 60),
  });
  const run = h(
    "button",
    { type: "button", class: "primary", "data-testid": "run-scenario" },
    t("bells.run"),
  );
  const ready = job.status === "completed";

  const body = h(
    "tbody",
    {},
    bells.bells.map((bell) => {
      const key = `${bell.school} ${bell.kind} ${bell.time}`;
      const was = moved.get(key);
      const select = h(
        "select",
        {
          "aria-label": t("bells.move_of", {
            school: bell.school,
            kind: t(`kind.${bell.kind}`),
            time: formatClockText(bell.time),
          }),
          "data-bell": key,
        },
        amounts(earliest, latest, step).map((m) =>
          h(
            "option",
            { value: String(m), selected: m === 0 },
            m ? formatShift(m) : t("bells.stays"),
          ),
        ),
      );
      const newTime = h("td", { class: "num new-time" }, "");
      select.addEventListener("change", () => {
        const m = Number(select.value);
        if (m) moves.set(key, m);
        else moves.delete(key);
        newTime.textContent = m ? formatClock(clockMinutes(bell.time) + m) : "";
        row.classList.toggle("moving", Boolean(m));
        select.removeAttribute("aria-invalid");
        paint();
      });
      const row = h(
        "tr",
        { "data-bell": key, class: was ? "was-moved" : "" },
        h("th", { scope: "row" }, bell.school),
        h("td", {}, bell.school_name),
        h("td", {}, t(`kind.${bell.kind}`)),
        h(
          "td",
          { class: "num" },
          formatClockText(bell.time),
          was
            ? h(
                "small",
                { class: "was" },
                ` ${t("bells.was", { time: formatClockText(was.time) })}`,
              )
            : null,
        ),
        h("td", { class: "num" }, formatNumber(bell.trips)),
        h("td", {}, select),
        newTime,
      );
      rows.set(key, { row, select, bell });
      return row;
    }),
  );

  function paint() {
    count.textContent = moves.size
      ? t("bells.moved_count", { count: moves.size })
      : t("bells.none_moved");
    run.disabled = !ready || moves.size === 0;
  }

  run.addEventListener("click", async () => {
    const list = [...rows.values()]
      .filter(({ bell }) => moves.has(`${bell.school} ${bell.kind} ${bell.time}`))
      .map(({ bell }) => ({
        school: bell.school,
        kind: bell.kind,
        time: bell.time,
        move_min: moves.get(`${bell.school} ${bell.kind} ${bell.time}`),
      }));
    run.disabled = true;
    errors.hidden = true;
    const seconds = Number(limit.value);
    try {
      const accepted = await api.runScenario(job.job_id, {
        bell_moves: list,
        ...(seconds > 0 ? { time_limit: seconds } : {}),
      });
      location.hash = bellsHref(accepted.job_id);
    } catch (error) {
      paint();
      showErrors(errors, error, list, rows);
    }
  });

  paint();
  return h(
    "section",
    { class: "panel bells", "aria-labelledby": "bells-title" },
    h("h2", { id: "bells-title" }, t("bells.table_title")),
    h("p", { class: "help" }, t("bells.help", { earliest, latest, step })),
    h(
      "div",
      { class: "table-wrap tall" },
      h(
        "table",
        { class: "data", "data-testid": "bells" },
        h("caption", { class: "visually-hidden" }, t("bells.caption")),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["school", "name", "bell", "time", "trips", "move", "new_time"].map((k) =>
              h("th", { scope: "col" }, t(`bells.col_${k}`)),
            ),
          ),
        ),
        body,
      ),
    ),
    ready ? null : h("p", { class: "notice" }, t("bells.not_ready")),
    h(
      "div",
      { class: "actions" },
      h(
        "label",
        { for: "scenario-time-limit", class: "scenario-limit" },
        t("bells.time_limit"),
        limit,
        t("bells.seconds"),
      ),
      run,
      count,
    ),
    errors,
  );
}

/** -30, -25, ... 30 (minutes). */
function amounts(earliest, latest, step) {
  const out = [];
  for (let m = earliest; m <= latest + 1e-9; m += step) out.push(Math.round(m * 100) / 100);
  return out;
}

/** The server's refusal, each error beside the bell it names (`bell_moves[n]`). */
function showErrors(box, error, list, rows) {
  const items = (error.errors || []).map((e) => {
    const n = /^bell_moves\[(\d+)\]/.exec(e.path);
    const move = n ? list[Number(n[1])] : null;
    const target = move ? rows.get(`${move.school} ${move.kind} ${move.time}`) : null;
    if (target) target.select.setAttribute("aria-invalid", "true");
    return h(
      "li",
      {},
      move ? `${move.school} ${t(`kind.${move.kind}`)} ${formatClockText(move.time)}: ` : "",
      h("span", { lang: "en" }, e.reason),
    );
  });
  box.hidden = false;
  box.className = "alert";
  box.setAttribute("role", "alert");
  clear(
    box,
    h("p", { class: "alert-title" }, errorWords(error.code)),
    items.length ? h("ul", {}, items) : serverDetail(error.detail),
  );
}

function scenariosPanel(page) {
  return h(
    "section",
    { class: "panel", "aria-labelledby": "scenarios-title", "data-testid": "scenarios" },
    h("h2", { id: "scenarios-title" }, t("bells.scenarios_title")),
    h("p", { class: "lineage-list" }, scenarioLinks(page)),
  );
}

function failure(error) {
  return h(
    "div",
    { class: "alert", role: "alert" },
    h("p", { class: "alert-title" }, errorWords(error.code)),
    serverDetail(error.detail),
    h("p", {}, h("a", { href: "#/jobs" }, t("job.back"))),
  );
}
