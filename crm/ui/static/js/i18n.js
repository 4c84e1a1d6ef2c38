// One message catalogue per language; the browser's language first, then the visitor's choice.

const LANGS = ["ru", "en"];
const STORE_KEY = "crm.lang";
let messages = {};
export let lang = pick();

function pick() {
  const saved = localStorage.getItem(STORE_KEY);
  if (LANGS.includes(saved)) return saved;
  for (const wanted of navigator.languages || [navigator.language || ""]) {
    const base = wanted.toLowerCase().split("-")[0];
    if (LANGS.includes(base)) return base;
  }
  return "en";
}

async function load(which) {
  const response = await fetch(`/ui/static/messages.${which}.json`);
  if (!response.ok) throw new Error(`messages.${which}.json: ${response.status}`);
  messages = await response.json();
  lang = which;
  document.documentElement.lang = which;
}

/** Load the catalogue for the current language and translate the page. */
export async function start() {
  await load(lang);
  translate(document);
}

/** Switch language, remember the choice, retranslate, and tell pages to redraw. */
export async function switchTo(which) {
  localStorage.setItem(STORE_KEY, which);
  await load(which);
  translate(document);
  document.dispatchEvent(new CustomEvent("langchange"));
}

export const otherLang = () => (lang === "ru" ? "en" : "ru");

/** The message for `key`, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = messages[key];
  if (text === undefined) {
    console.warn(`missing message: ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export const has = (key) => key in messages;

/** Fill data-i18n (text) and data-i18n-<attr> (attributes) under `root`. */
export function translate(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const attr of ["placeholder", "aria-label", "title", "content"]) {
    const data = `i18n${attr.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}`;
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) {
      el.setAttribute(attr, t(el.dataset[data]));
    }
  }
}
