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

  const results = async (job, result) => {
    if (left) return;
    try {
      const [problem, full] = await Promise.all([
        cache.problem(id) || api.problem(id),
        result ? Promise.resolve(result) : cache.result(id) || api.result(id).then((r) => r.result),
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
      if (job.status === "completed") results(job);
      else
        leave = showProgress(view, job, { onCompleted: (done, result) => results(done, result) });
    })
    .catch((error) => {
      if (!left) clear(view, failure(error));
    });

  return () => {
    left = true;
    leave();
  };
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
