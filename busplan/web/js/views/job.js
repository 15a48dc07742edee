// One job: its live progress while it runs, its results once it has completed, with the way
// to its bells and to the scenarios it belongs to.

import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { cache } from "../store.js";
import { t } from "../i18n.js";
import { errorWords, serverDetail } from "../words.js";
import { lineageBar } from "./lineage.js";
import { showProgress } from "./progress.js";
import { showResults } from "./results.js";

export function render(view, id) {
  let leave = () => {};
  let left = false;
  clear(view, h("p", { class: "working" }, t("job.loading")));
  // Asked for at once with the job's state, not after it: most jobs opened have completed,
  // and a region's documents take a while to come. A job still running answers 409 to the
  // result, which is then asked for again when it completes.
  const fetchResult = () => api.result(id).then((answer) => answer.result);
  const problemSoon = quiet(cache.problem(id) || api.problem(id));
  const resultSoon = quiet(cache.result(id) || fetchResult());

  const results = async (job, resultPromise) => {
    if (left) return;
    try {
      const [problem, full] = await Promise.all([
        problemSoon.then((p) => p || api.problem(id)),
        resultPromise || fetchResult(),
      ]);
      cache.setProblem(id, problem);
      cache.setResult(id, full);
      if (left) return;
      const body = h("div");
      clear(view, lineageBar(job), body);
      leave = showResults(body, { job, problem, result: full });
    } catch (error) {
      if (!left) clear(view, failure(error));
    }
  };

  api
    .job(id)
    .then((job) => {
      if (left) return;
      if (job.status === "completed") results(job, resultSoon.then((r) => r || fetchResult()));
      else
        leave = showProgress(view, job, {
          onCompleted: (done, result) => results(done, result ? Promise.resolve(result) : null),
        });
    })
    .catch((error) => {
      if (!left) clear(view, failure(error));
    });

  return () => {
    left = true;
    leave();
  };
}

/** The promise's value, or null if it fails (the caller asks again where it matters). */
function quiet(promise) {
  return Promise.resolve(promise).catch(() => null);
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
