// Small DOM helpers and the app's texts. The texts are translated by Django into the shell
// page (kuzet/field/strings.py → <script type="application/json" id="kuzet-strings">),
// keyed by their English source, so a message here is the server's message word for word.

// (Outside a page — validate.js under Node, in the tests — texts stay in English.)
const page = typeof document === "undefined" ? null : document;
const strings = JSON.parse(page?.getElementById("kuzet-strings")?.textContent || "{}");

/** The translation of ``text``, with %(name)s replaced from ``params``. */
export function t(text, params = {}) {
  const translated = strings[text] || text;
  return translated.replace(/%\((\w+)\)s/g, (_, name) => (name in params ? String(params[name]) : `%(${name})s`));
}

export const language = page?.documentElement.lang || "ru";

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
  const units = ["B", "KB", "MB", "GB"];
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
