// The page's router: #/new, #/jobs, #/jobs/{id}, #/jobs/{id}/bells. Each view returns a
// function that stops what it started (sockets, timers) when the operator moves on.

import { clear, h } from "./dom.js";
import { chooseLanguage, lang, LANGS, loadLanguage, t, translateStatic } from "./i18n.js";
import * as bellsView from "./views/bells.js";
import * as jobView from "./views/job.js";
import * as jobsView from "./views/jobs.js";
import * as newView from "./views/newjob.js";

await loadLanguage();
translateStatic();
languageSwitch(document.getElementById("lang-switch"));

const view = document.getElementById("view");
let leave = () => {};

function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [section, id, part] = hash.split("/").map(decodeURIComponent);
  if (section === "jobs" && id && part === "bells") {
    return { name: "jobs", show: (v) => bellsView.render(v, id) };
  }
  if (section === "jobs" && id) return { name: "jobs", show: (v) => jobView.render(v, id) };
  if (section === "jobs") return { name: "jobs", show: (v) => jobsView.render(v) };
  return { name: "new", show: (v) => newView.render(v) };
}

function show() {
  leave();
  leave = () => {};
  const target = route();
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === target.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  clear(view);
  try {
    leave = target.show(view) || (() => {});
  } catch (error) {
    clear(view, h("p", { class: "alert", role: "alert" }, t("app.page_failed")));
    console.error(error);
  }
}

/** The language switcher: each language named in itself; the choice is remembered. */
function languageSwitch(box) {
  const select = h(
    "select",
    { id: "lang-select", "data-testid": "lang-select" },
    LANGS.map((code) =>
      h("option", { value: code, lang: code, selected: code === lang() }, t(`lang.${code}`)),
    ),
  );
  select.addEventListener("change", () => chooseLanguage(select.value));
  clear(box, h("label", { for: "lang-select", class: "visually-hidden" }, t("lang.label")), select);
}

window.addEventListener("hashchange", () => {
  show();
  view.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});
show();
