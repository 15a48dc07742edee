// What the service's codes mean, in words for transport planners, in the page's language.
// The service speaks English and codes; the words come from the catalogue (see i18n.js).

import { h } from "./dom.js";
import { has, lang, t } from "./i18n.js";

/** The solver's phases in the order it goes through them (a phase with no work is skipped). */
export const PHASE_ORDER = [
  "starting",
  "loading",
  "preprocessing",
  "travel_matrix",
  "building_chains",
  "matching_blocks",
  "local_search",
  "finalizing",
  "calculating_stats",
];

export function phaseWords(phase) {
  if (!phase) return t("phase.waiting");
  return has(`phase.${phase}`) ? t(`phase.${phase}`) : t("phase.other");
}

/** The solver's own progress message is English: English pages show it, the others say what
 * the phase does in their own words. */
export function phaseDetail(phase, message) {
  if (lang() === "en") return message || "";
  return phase && has(`phase_detail.${phase}`) ? t(`phase_detail.${phase}`) : "";
}

/** A job state as a short badge and as a sentence. */
export function stateBadge(state) {
  return has(`state.${state}`) ? t(`state.${state}`) : state;
}

export function stateWords(state) {
  return has(`state_title.${state}`) ? t(`state_title.${state}`) : state;
}

export const FINISHED = new Set(["completed", "failed", "cancelled"]);

/** A sentence for an error code; the server's own message is kept as the detail. */
export function errorWords(code) {
  return has(`error.${code}`) ? t(`error.${code}`) : t("error.unknown");
}

/** The server's own (English) wording, folded away under a heading in the page's language:
 * for whoever supports the service, not needed to act. */
export function serverDetail(text) {
  if (!text) return null;
  return h(
    "details",
    { class: "tech-detail" },
    h("summary", {}, t("error.server_detail")),
    h("p", { lang: "en" }, text),
  );
}

/** Why the solver left a trip without a bus. It says so in English with the numbers of the
 * trip; other languages make their words from the trip itself. */
export function unassignedWords(reason, trip, rule) {
  if (lang() !== "en" && rule && rule !== "vehicle_size") return t(`unassigned.rule.${rule}`);
  if (lang() !== "en" && String(reason || "").startsWith("no vehicle fits") && trip) {
    const range = Array.isArray(trip.vehicle_seats) ? trip.vehicle_seats : [null, null];
    return t("unassigned.no_vehicle", {
      seats: trip.seats ?? 0,
      min: range[0] ?? t("unassigned.any"),
      max: range[1] ?? t("unassigned.any"),
    });
  }
  return reason || "";
}

/** Why the importer rejected a row, by its code; the English reason as told by the server is
 * kept for English pages, where it names the value read. */
export function rejectionWords(rejection) {
  if (lang() === "en" && rejection.reason) return rejection.reason;
  const key = `reject.${rejection.code}`;
  return has(key) ? t(key) : t("reject.other");
}
