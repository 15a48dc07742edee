// Live progress of a queued or running job: phase in words, bar, elapsed time, connection
// state, and Cancel (after confirmation). Ends showing the final state in words.

import { api } from "../api.js";
import { announce, clear, h } from "../dom.js";
import { formatElapsed, formatNumber, parseInstant } from "../format.js";
import { JobFeed } from "../live.js";
import { t } from "../i18n.js";
import {
  errorWords,
  FINISHED,
  PHASE_ORDER,
  phaseDetail,
  phaseWords,
  serverDetail,
  stateBadge,
  stateWords,
} from "../words.js";

export function showProgress(view, job, { onCompleted }) {
  const state = {
    status: job.status,
    phase: job.phase,
    progress: job.progress || 0,
    startedAt: parseInstant(job.started_at),
    queuedAt: parseInstant(job.created_at),
    endedAt: parseInstant(job.finished_at),
    skew: 0, // server clock minus page clock, from message timestamps
  };
  const badge = h("span", { class: "badge", "data-testid": "job-state" });
  const phase = h("span", { class: "phase", "data-testid": "phase" });
  const fill = h("div", { class: "fill" });
  const bar = h(
    "div",
    {
      class: "bar",
      role: "progressbar",
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      "aria-labelledby": "progress-title",
    },
    fill,
  );
  const percent = h("dd", { "data-testid": "percent" });
  const elapsed = h("dd", { "data-testid": "elapsed" });
  const message = h("p", { class: "message muted" });
  const connection = h("p", { class: "connection", role: "status", "data-testid": "connection" });
  const problem = h("div", {
    class: "alert",
    role: "alert",
    hidden: true,
    "data-testid": "job-error",
  });
  const cancel = h(
    "button",
    { type: "button", class: "danger", "data-testid": "cancel" },
    t("progress.cancel"),
  );
  const dialog = confirmDialog(() => doCancel());
  const limit = job.params && job.params.time_limit;
  const steps = PHASE_ORDER.map((p) =>
    h("li", { "data-phase": p }, phaseWords(p), h("span", { class: "visually-hidden" })),
  );

  clear(
    view,
    h(
      "section",
      { class: "panel progress-panel", "aria-labelledby": "progress-title" },
      h(
        "h1",
        { id: "progress-title" },
        job.name ? t("progress.title_named", { name: job.name }) : t("progress.title"),
      ),
      h(
        "div",
        { class: "progress-grid" },
        h(
          "div",
          {},
          h(
            "p",
            { class: "muted" },
            [
              t("count.trips", { count: job.trips }),
              limit ? t("progress.time_limit", { s: limit }) : "",
              t("progress.job", { id: job.job_id.slice(0, 8) }),
            ]
              .filter(Boolean)
              .join(" · "),
          ),
          h("div", { class: "state-line" }, badge, phase),
          bar,
          h(
            "dl",
            { class: "facts" },
            h("dt", {}, t("progress.progress")),
            percent,
            h("dt", {}, t("progress.elapsed")),
            elapsed,
          ),
          message,
          connection,
          problem,
          h(
            "div",
            { class: "actions" },
            cancel,
            h("a", { href: "#/jobs", class: "button secondary" }, t("progress.all_jobs")),
          ),
        ),
        h(
          "div",
          { class: "steps-box" },
          h("h2", { id: "steps-title" }, t("progress.steps")),
          h("ol", { class: "steps", "aria-labelledby": "steps-title" }, steps),
        ),
      ),
      dialog,
    ),
  );
  cancel.addEventListener("click", () => dialog.showModal());

  function now() {
    return Date.now() + state.skew;
  }

  function paint() {
    const finished = FINISHED.has(state.status);
    badge.textContent = stateBadge(state.status);
    badge.className = `badge state-${state.status}`;
    badge.title = stateWords(state.status);
    phase.textContent =
      state.status === "queued"
        ? phaseWords("queued")
        : finished && state.status !== "completed"
          ? stateWords(state.status)
          : phaseWords(state.phase);
    const value = Math.max(0, Math.min(100, state.progress));
    fill.style.width = `${value}%`;
    bar.setAttribute("aria-valuenow", String(Math.round(value)));
    bar.setAttribute("aria-valuetext", `${formatNumber(Math.round(value))} %, ${phase.textContent}`);
    bar.classList.toggle("stopped", finished && state.status !== "completed");
    percent.textContent = `${formatNumber(value)} %`;
    tick();
    cancel.hidden = finished;
    const current =
      state.status === "completed" ? PHASE_ORDER.length : PHASE_ORDER.indexOf(state.phase);
    steps.forEach((li, n) => {
      const kind =
        n < current ? "done" : n === current && !finished ? "now" : n === current ? "stopped" : "";
      li.className = kind;
      li.lastChild.textContent = kind ? ` (${t(`progress.step_${kind}`)})` : "";
    });
  }

  function tick() {
    const from = state.startedAt ?? state.queuedAt;
    const to = state.endedAt ?? now();
    elapsed.textContent = from ? formatElapsed((to - from) / 1000) : "—";
  }

  function onMessage(m) {
    const at = parseInstant(m.timestamp);
    // Status messages are stamped when sent, so they tell the server's clock; logged events
    // keep the time they happened, which may be long ago when they are replayed.
    if (at && m.type === "status") state.skew = at - Date.now();
    if (m.type === "status") {
      const wasQueued = state.status === "queued";
      state.status = m.status;
      if (m.phase) state.phase = m.phase;
      if (typeof m.progress === "number") state.progress = m.progress;
      if (state.status === "running" && (wasQueued || state.startedAt === null))
        state.startedAt ??= at;
    } else if (m.type === "progress") {
      if (state.status === "queued") state.status = "running";
      state.startedAt ??= at;
      state.phase = m.phase || state.phase;
      state.progress = m.progress;
      message.textContent = phaseDetail(state.phase, m.message);
    } else if (m.type === "completed") {
      state.status = "completed";
      state.phase = "completed";
      state.progress = 100;
      state.endedAt = at;
      complete({ ...job, status: "completed", finished_at: m.timestamp }, m.result);
      return;
    } else if (m.type === "error" && ("seq" in m || m.error_code === "JOB_NOT_FOUND")) {
      finish(
        m.error_code === "JOB_CANCELLED" ? "cancelled" : "failed",
        m.error_code,
        m.message,
        at,
      );
      return;
    }
    paint();
  }

  function onConnection(kind, info) {
    live = kind === "live";
    if (live) serverAnswers = false;
    connection.className = `connection ${kind}`;
    if (kind === "live") {
      connection.textContent = info.resumed
        ? t("live.again", { seq: info.lastSeq ?? 0 })
        : t("live.on");
      if (info.resumed) announce(t("live.restored"));
    } else if (serverAnswers && (kind === "offline" || kind === "reconnecting")) {
      // The server answers, only its live channel does not: say what still works.
      connection.textContent = t("live.polling");
    } else if (kind === "offline") {
      const seconds = Math.max(1, Math.round((info.retryAt - Date.now()) / 1000));
      connection.textContent = t("live.offline", { s: seconds, attempt: info.attempt });
      if (info.attempt === 1) announce(t("live.lost"));
    } else if (kind === "reconnecting") {
      connection.textContent = t("live.reconnecting", { attempt: info.attempt });
    } else if (kind === "connecting") {
      connection.textContent = t("live.connecting");
    } else {
      connection.textContent = t("live.unavailable");
    }
  }

  function complete(done, result) {
    if (completed) return;
    completed = true;
    paint();
    announce(t("progress.completed"));
    onCompleted(done, result);
  }

  /** While the socket is away, the job's state is still read now and then over REST (also
   * the only way when the server has WebSockets turned off). */
  async function poll() {
    if (polling || FINISHED.has(state.status)) return;
    polling = true;
    try {
      const fresh = await api.job(job.job_id);
      if (FINISHED.has(state.status) || stopped) return;
      serverAnswers = !live;
      if (fresh.status === "completed") {
        feed.stop();
        Object.assign(state, { status: "completed", phase: "completed", progress: 100 });
        state.endedAt = parseInstant(fresh.finished_at);
        complete(fresh);
      } else if (FINISHED.has(fresh.status)) {
        finish(
          fresh.status,
          fresh.error_code,
          fresh.error || fresh.message,
          parseInstant(fresh.finished_at),
        );
      } else {
        Object.assign(state, {
          status: fresh.status,
          phase: fresh.phase ?? state.phase,
          progress: fresh.progress,
        });
        state.startedAt ??= parseInstant(fresh.started_at);
        paint();
      }
    } catch {
      // The server is away as well; the socket's retries say so already.
    } finally {
      polling = false;
    }
  }

  function finish(status, code, text, at) {
    state.status = status;
    state.endedAt = at ?? now();
    feed.stop();
    paint();
    connection.textContent = "";
    problem.hidden = false;
    clear(
      problem,
      h(
        "p",
        { class: "alert-title" },
        status === "cancelled" ? errorWords("JOB_CANCELLED") : errorWords(code),
      ),
      text && status !== "cancelled" ? serverDetail(text) : null,
      h("p", {}, h("a", { href: "#/new" }, t("progress.start_new"))),
    );
    problem.className = status === "cancelled" ? "notice" : "alert";
    announce(status === "cancelled" ? stateWords("cancelled") : errorWords(code));
  }

  async function doCancel() {
    cancel.disabled = true;
    try {
      const answer = await api.cancel(job.job_id);
      finish(answer.status, "JOB_CANCELLED", answer.message);
    } catch (error) {
      cancel.disabled = false;
      // Already finished: the socket brings (or has brought) the final state.
      if (error.status !== 409) {
        problem.hidden = false;
        clear(
          problem,
          h("p", { class: "alert-title" }, t("progress.cancel_failed")),
          h("p", {}, error.words),
        );
      }
    }
  }

  let live = false;
  let serverAnswers = false;
  let polling = false;
  let completed = false;
  let stopped = false;
  let ticks = 0;
  const feed = new JobFeed(job.job_id, { onMessage, onConnection });
  paint();
  if (FINISHED.has(job.status)) {
    finish(job.status, job.error_code, job.error || job.message, state.endedAt);
  } else {
    feed.start();
  }
  const timer = setInterval(() => {
    if (FINISHED.has(state.status)) return;
    tick();
    ticks += 1;
    if (!live && ticks % 3 === 0) poll();
  }, 1000);
  return () => {
    stopped = true;
    clearInterval(timer);
    feed.stop();
    if (dialog.open) dialog.close();
  };
}

function confirmDialog(onConfirm) {
  const keep = h(
    "button",
    { type: "button", class: "secondary", autofocus: true },
    t("cancel.keep"),
  );
  const stop = h(
    "button",
    { type: "button", class: "danger", "data-testid": "confirm-cancel" },
    t("cancel.stop"),
  );
  const dialog = h(
    "dialog",
    { "aria-labelledby": "cancel-title", "aria-describedby": "cancel-text" },
    h("h2", { id: "cancel-title" }, t("cancel.title")),
    h(
      "p",
      { id: "cancel-text" },
      t("cancel.text"),
    ),
    h("div", { class: "actions" }, keep, stop),
  );
  keep.addEventListener("click", () => dialog.close());
  stop.addEventListener("click", () => {
    dialog.close();
    onConfirm();
  });
  return dialog;
}
