// The response form of the visit workspace (visits/response_form.html).
//
// 1. Shows only the questions whose conditions hold, walking the form in order exactly as
//    the server's validation does (kuzet/instruments/validation.py): an answer to a hidden
//    question is kept in the draft but does not count for later conditions.
// 2. Saves the draft as it is typed: a POST of the whole form with X-Kuzet-Autosave: 1,
//    answered in JSON with the new revision. Without a connection it says so and retries;
//    a save refused because someone else saved first (409) stops autosaving and says why.
//    A tap or text typed before this script ran (it loads after the page) is saved when it
//    runs; a date or time set that early is not seen until the next change.
// 3. Adds and removes entries of repeats from the <template> the server rendered.
import { holds } from "../instruments/conditions.js";

const form = document.getElementById("response-form");
const status = document.getElementById("save-status");
const texts = document.getElementById("save-texts")?.dataset ?? {};
const SAVE_AFTER_MS = 1200;
const RETRY_MS = 10000;

// ---- answers as the conditions see them -------------------------------------------

function valueOf(question) {
  const type = question.dataset.type;
  const inputs = [...question.querySelectorAll(`[name="${CSS.escape(question.dataset.path)}"]`)];
  if (type === "select_multiple") {
    const values = inputs.filter((i) => i.checked).map((i) => i.value);
    return values.length ? values : null;
  }
  if (type === "select_one" || type === "compliance") {
    const chosen = inputs.find((i) => i.checked);
    return chosen ? chosen.value : null;
  }
  const text = inputs.length ? inputs[0].value.trim() : "";
  if (text === "") return null;
  if (type === "integer" && /^-?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (type === "decimal" && /^-?\d+([.,]\d+)?$/.test(text)) return Number.parseFloat(text.replace(",", "."));
  return text;
}

function condition(element) {
  const text = element.dataset.relevant;
  return text ? JSON.parse(text) : null;
}

function shows(element, context) {
  try {
    return holds(condition(element), context);
  } catch {
    return true; // a malformed condition was refused when the version was published
  }
}

function show(element, visible) {
  element.hidden = !visible;
}

export function applyConditions() {
  const kept = {};
  for (const section of form.querySelectorAll("fieldset.section")) {
    const sectionShown = shows(section, { answers: kept });
    show(section, sectionShown);
    document.querySelector(`[data-section-link="${CSS.escape(section.id.slice(2))}"]`)?.toggleAttribute("hidden", !sectionShown);
    for (const item of section.querySelectorAll(":scope > .question, :scope > .repeat")) {
      const itemShown = sectionShown && shows(item, { answers: kept });
      show(item, itemShown);
      if (!item.classList.contains("repeat")) {
        const value = valueOf(item);
        if (itemShown && value !== null) kept[item.dataset.name] = value;
        continue;
      }
      if (!itemShown) continue;
      const instances = [];
      kept[item.dataset.repeat] = instances;
      for (const entry of item.querySelectorAll(":scope > .instance")) {
        const instance = {};
        instances.push(instance);
        for (const question of entry.querySelectorAll(":scope > .question")) {
          const questionShown = shows(question, { answers: kept, instance });
          show(question, questionShown);
          const value = valueOf(question);
          if (questionShown && value !== null) instance[question.dataset.name] = value;
        }
      }
    }
  }
}

// ---- repeats ------------------------------------------------------------------------

function addEntry(repeatName) {
  const repeat = form.querySelector(`.repeat[data-repeat="${CSS.escape(repeatName)}"]`);
  const blank = repeat.querySelector(`template[data-blank="${CSS.escape(repeatName)}"]`);
  const numbers = [...repeat.querySelectorAll(":scope > .instance")].map((e) => Number(e.dataset.instance));
  const next = String(Math.max(0, ...numbers) + 1);
  const html = blank.innerHTML.replaceAll("__N__", next);
  blank.insertAdjacentHTML("beforebegin", html);
  applyConditions();
  changed();
}

form.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add]");
  if (add) {
    addEntry(add.dataset.add);
    return;
  }
  const remove = event.target.closest("[data-remove]");
  if (remove) {
    remove.closest(".instance").remove();
    applyConditions();
    changed();
  }
});

// ---- saving as you type -------------------------------------------------------------

let timer = null;
let saving = false;
let dirty = false;
let stopped = false;
let submitAfterSave = null;

function say(text, kind) {
  if (!status) return;
  status.textContent = text;
  status.dataset.kind = kind;
}

function changed() {
  if (stopped || form.dataset.autosave !== "1") return;
  dirty = true;
  clearTimeout(timer);
  timer = setTimeout(save, SAVE_AFTER_MS);
}

async function save() {
  if (saving || !dirty || stopped) return;
  saving = true;
  dirty = false;
  say(texts.i18nSaving || "…", "saving");
  try {
    const reply = await fetch(window.location.pathname, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Kuzet-Autosave": "1" },
      credentials: "same-origin",
    });
    const body = await reply.json();
    if (reply.ok) {
      form.elements.revision.value = body.revision;
      say(`${texts.i18nSaved} ${body.saved_at}`, "saved");
    } else {
      // 409: someone else saved; 422: refused. Either way a person must look.
      stopped = true;
      say(body.error, "error");
    }
  } catch {
    dirty = true;
    say(texts.i18nUnsaved, "offline");
    clearTimeout(timer);
    timer = setTimeout(save, RETRY_MS);
  } finally {
    saving = false;
    if (submitAfterSave) {
      // A button was pressed during the save: submit now, with the new revision.
      const button = submitAfterSave;
      submitAfterSave = null;
      form.requestSubmit(button);
    } else if (dirty && !stopped) {
      changed();
    }
  }
}

form.addEventListener("input", () => {
  applyConditions();
  changed();
});
form.addEventListener("change", () => {
  applyConditions();
  changed();
});
window.addEventListener("beforeunload", (event) => {
  if (dirty || saving) event.preventDefault();
});
// The buttons submit the form normally (after a save in flight, so that the revision
// they carry is the newest): nothing is pending once they do.
form.addEventListener("submit", (event) => {
  clearTimeout(timer);
  if (saving) {
    event.preventDefault();
    submitAfterSave = event.submitter;
    return;
  }
  dirty = false;
  stopped = true;
});

applyConditions();

// A tap before this module ran (it loads after the page, later still on a slow tablet)
// fired no event here: whatever differs from the page as the server sent it is saved now.
function changedBeforeLoad() {
  for (const element of form.elements) {
    if (element.type === "hidden" || element.type === "file") continue;
    if (element.type === "checkbox" || element.type === "radio") {
      if (element.checked !== element.defaultChecked) return true;
    } else if (element instanceof HTMLSelectElement) {
      // A single choice with no option marked selected shows its first one.
      const chosen = [...element.options].map((option) => option.defaultSelected);
      if (!element.multiple && chosen.length && !chosen.includes(true)) chosen[0] = true;
      if ([...element.options].some((option, n) => option.selected !== chosen[n])) return true;
    } else if (element instanceof HTMLTextAreaElement) {
      if (element.value !== element.defaultValue) return true;
    } else if (element instanceof HTMLInputElement && (element.type === "text" || element.type === "search")) {
      // The browser drops line breaks from such an input's value: compare it as shown.
      if (element.value !== element.defaultValue.replace(/[\r\n]/g, "")) return true;
    }
    // Dates, times and numbers are left out: the browser empties a value it cannot read,
    // and saving that would erase the answer the server holds.
  }
  return false;
}

// Only on a page freshly loaded: going back or forward, the browser may put back what was
// typed before, over answers someone has saved since.
const arrival = performance.getEntriesByType("navigation")[0]?.type ?? "navigate";
if (arrival === "navigate" && changedBeforeLoad()) changed();
