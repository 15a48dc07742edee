// Where a job stands among bell scenarios, above its results: the way to its bells, the job it
// is a scenario of, and the scenarios made from it.

import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";
import { stateBadge } from "../words.js";
import { movesSummary } from "./scenario.js";

export const jobHref = (id) => `#/jobs/${encodeURIComponent(id)}`;
export const bellsHref = (id) => `${jobHref(id)}/bells`;

export function lineageBar(job) {
  const scenarios = h("p", { class: "lineage-list", "data-testid": "job-scenarios", hidden: true });
  const bar = h(
    "nav",
    { class: "lineage", "aria-label": t("lineage.label") },
    h(
      "p",
      {},
      h(
        "a",
        { class: "button secondary", href: bellsHref(job.job_id), "data-testid": "open-bells" },
        job.derived_from ? t("lineage.compare") : t("lineage.bells"),
      ),
      job.derived_from ? " " : null,
      job.derived_from
        ? h(
            "span",
            { "data-testid": "parent-of" },
            t("lineage.scenario_of"),
            " ",
            h("a", { href: jobHref(job.derived_from) }, job.derived_from.slice(0, 8)),
            ": ",
            movesSummary(job.bell_moves),
          )
        : null,
    ),
    scenarios,
  );
  api
    .scenarios(job.job_id)
    .then((page) => {
      if (!page.items.length) return;
      scenarios.hidden = false;
      clear(scenarios, scenarioLinks(page));
    })
    .catch(() => {});
  return bar;
}

/** "Scenarios of this job: S003 entry 08:50 → 08:20 (completed), …", each a link. */
export function scenarioLinks(page) {
  return [
    t("lineage.scenarios", { count: page.total }),
    " ",
    page.items.flatMap((s, n) => [
      n ? " · " : null,
      h(
        "a",
        { href: bellsHref(s.job_id), "data-job": s.job_id },
        movesSummary(s.bell_moves),
      ),
      ` (${stateBadge(s.status)})`,
    ]),
  ];
}
