// The page's language: Galician, Spanish or English. Every word the page shows comes from one
// catalogue per language (`/web/i18n/{lang}.json`, the same files the PDF, Excel and command
// line exports read). The choice made with the switcher is remembered in the browser; without
// one, the browser's own languages pick the first match.

export const LANGS = ["gl", "es", "en"];
const DEFAULT = "en";
const STORE_KEY = "busplan.lang";
/** Intl locales: a 24-hour clock and the region's own way of writing numbers. */
const LOCALES = { gl: "gl-ES", es: "es-ES", en: "en-GB" };

let current = DEFAULT;
let messages = {};
let numbers = new Intl.NumberFormat(LOCALES.en);
/** Keys asked for that the catalogue lacks: the browser tests fail when this is not empty. */
const missing = new Set();
window.busplanMissingKeys = missing;

/** The first of the saved choice and the browser's languages that busplan speaks. */
export function pickLanguage(saved, preferred) {
  if (LANGS.includes(saved)) return saved;
  for (const tag of preferred || []) {
    const base = String(tag).toLowerCase().split(/[-_]/)[0];
    if (LANGS.includes(base)) return base;
  }
  return DEFAULT;
}

function savedChoice() {
  try {
    return localStorage.getItem(STORE_KEY);
  } catch {
    return null;
  }
}

/** Load the catalogue of the page's language; call once before anything is drawn. */
export async function loadLanguage() {
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  current = pickLanguage(savedChoice(), preferred);
  const response = await fetch(`/web/i18n/${current}.json`, { cache: "no-cache" });
  messages = await response.json();
  // Galician numbers follow the Spanish rules (decimal comma); not every browser has gl data.
  numbers = new Intl.NumberFormat(current === "gl" ? LOCALES.es : LOCALES[current], {
    maximumFractionDigits: 1,
  });
  document.documentElement.lang = current;
  return current;
}

/** Remember a language chosen with the switcher and draw the page again in it. */
export function chooseLanguage(lang) {
  if (!LANGS.includes(lang)) return;
  try {
    localStorage.setItem(STORE_KEY, lang);
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page only.
  }
  location.reload();
}

export function lang() {
  return current;
}

export function locale() {
  return LOCALES[current];
}

/**
 * The words for `key` with `{name}` filled from `params` (numbers written as the language
 * writes them). A value with "one"/"other" forms is chosen by `params.count`.
 */
export function t(key, params = {}) {
  let value = messages[key];
  if (value === undefined) {
    missing.add(key);
    return key;
  }
  if (typeof value === "object") value = params.count === 1 ? value.one : value.other;
  return value.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const param = params[name];
    return typeof param === "number" ? numbers.format(param) : String(param);
  });
}

/** Whether the catalogue has words for `key` (for codes that may be new to the page). */
export function has(key) {
  return key in messages;
}

/** Fill the static page's `data-i18n` elements (their text) and `data-i18n-label` (aria-label). */
export function translateStatic(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  }
  document.title = t("app.title");
}
