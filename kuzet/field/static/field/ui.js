// Small DOM helpers and the app's texts. The texts are translated by Django into the shell
// page (kuzet/field/strings.py → <script type="application/json" id="kuzet-strings">),
// keyed by their English source, so a message here is the server's message word for word.
// The shell carries the texts of every language the app speaks ({ru: {…}, kk: {…}, en: {…}}),
// so that the language can be switched inside the app without the network.

// (Outside a page — validate.js under Node, in the tests — texts stay in English.)
const page = typeof document === "undefined" ? null : document;
const catalogues = JSON.parse(page?.getElementById("kuzet-strings")?.textContent || "{}");
export const LANGUAGES = [["ru", "Рус"], ["kk", "Қаз"], ["en", "Eng"]];
// The choice of language is not a record: it is kept in clear, outside the encrypted store,
// so that the lock screen speaks it too.
const LANGUAGE_KEY = "kuzet-field-language";

function storedLanguage() {
  try {
    const chosen = globalThis.localStorage?.getItem(LANGUAGE_KEY);
    return LANGUAGES.some(([code]) => code === chosen) ? chosen : null;
  } catch {
    return null; // storage refused (a private window): the page's language then
  }
}

export let language = storedLanguage() || page?.documentElement.lang || "ru";
if (page) page.documentElement.lang = language;

/** Speak ``code`` from now on (ru, kk or en), and remember the choice on this tablet. */
export function setLanguage(code) {
  if (!LANGUAGES.some(([known]) => known === code)) return;
  language = code;
  if (page) page.documentElement.lang = code;
  try { globalThis.localStorage?.setItem(LANGUAGE_KEY, code); } catch { /* kept for this page only */ }
}

/** The translation of ``text``, with %(name)s replaced from ``params``. */
export function t(text, params = {}) {
  const translated = catalogues[language]?.[text] || text;
  return translated.replace(/%\((\w+)\)s/g, (_, name) => (name in params ? String(params[name]) : `%(${name})s`));
}

/** The text in ``lang`` of a {ru, kk} mapping, falling back to Russian, then Kazakh
 * (the twin of kuzet.instruments.schema.text_in). */
export function textIn(texts, lang) {
  if (!texts) return "";
  return texts[lang] || texts.ru || texts.kk || "";
}

// Form elements keep nothing in the browser's own stores: with autocomplete="off" Chromium
// neither saves a field's value as an autocomplete entry ("Web Data") nor keeps it in the
// form state that session restore writes to disk ("Sessions/"). Every form and field the
// app builds gets it unless it says otherwise (the passphrase and sign-in fields).
const FORM_TAGS = new Set(["form", "input", "textarea", "select"]);

/** An element: h("p", {class: "muted"}, "text", child, …). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  if (FORM_TAGS.has(tag) && !attributes?.autocomplete) element.setAttribute("autocomplete", "off");
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Empty every field under ``root``, so that no value outlives the screen it was typed on. */
export function clearFields(root) {
  for (const field of root.querySelectorAll("input, textarea, select")) {
    if (field.type === "checkbox" || field.type === "radio") field.checked = false;
    else if (field.tagName === "SELECT") field.selectedIndex = -1;
    else field.value = "";
    if (field.tagName === "TEXTAREA") field.textContent = "";
  }
}

export function mount(...children) {
  const main = document.getElementById("app");
  clearFields(main);
  main.replaceChildren(...children);
  window.scrollTo(0, 0);
}

/** Show ``text``; ``event`` names what happened (data-event), for tests and styles. */
export function notice(text, kind = "info", event = "") {
  const box = document.getElementById("notice");
  box.textContent = text;
  box.dataset.kind = kind;
  box.dataset.event = event;
  box.hidden = !text;
}

export function formatDate(value) {
  if (!value) return "—";
  const [year, month, day] = value.slice(0, 10).split("-");
  return `${day}.${month}.${year}`;
}

export function formatDateTime(value) {
  if (!value) return "—";
  const date = new Date(value);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(date.getDate())}.${pad(date.getMonth() + 1)}.${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function formatBytes(bytes) {
  if (bytes === undefined || bytes === null) return "—";
  const units = [t("B"), t("KB"), t("MB"), t("GB")];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export function uuid4() {
  return crypto.randomUUID();
}

/** The label of ``value`` in a [[value, label], …] list. */
export function labelOf(choices, value) {
  return (choices || []).find(([v]) => v === value)?.[1] ?? value;
}

/**
 * Ask a yes/no question in the app's own dialog (not the browser's confirm, which names the
 * site and cannot be styled or translated). Resolves to true when confirmed; Escape,
 * the cancel button and a click outside answer no.
 */
export function confirmDialog(message, { title = "", yes = t("Confirm"), no = t("Cancel"), danger = false, details = [] } = {}) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm-dialog", id: "confirm-dialog", "aria-labelledby": "confirm-title" },
      h("form", { method: "dialog" },
        title ? h("h2", { id: "confirm-title" }, title) : null,
        h("p", { id: title ? "confirm-message" : "confirm-title" }, message),
        details.length ? h("ul", {}, ...details.map((d) => h("li", {}, d))) : null,
        h("div", { class: "actions-row" },
          h("button", { class: `btn${danger ? " danger" : ""}`, id: "confirm-yes", value: "yes" }, yes),
          h("button", { class: "btn secondary", id: "confirm-no", value: "no" }, no))));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close("no"); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("#confirm-no").focus(); // the safe answer under the thumb
  });
}
