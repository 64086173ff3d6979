// An instrument form built from its version document, on the device.
//
// The same document and the same condition evaluator (instruments/conditions.js) as the
// server's form (kuzet/visits/response_form.py), so a question shows on the tablet exactly
// when it shows on the server. Every answer typed is kept in the draft, even of a question
// that is hidden again; only validation (validate.js) drops it, as on the server.
// A form of several sections has an index (each section's answered questions and errors);
// a long one shows one section at a time, with the index and next/previous to move.
import { holds } from "../instruments/conditions.js";
import { questionNorms } from "./library.js";
import { h, t, textIn as text } from "./ui.js";

const MEDIA = new Set(["photo", "audio", "video", "file"]);
// From this many questions a form opens one section at a time (the user may show all).
const LONG_FORM_QUESTIONS = 25;

function choicesOf(document, question) {
  const list = question.type === "compliance" ? "compliance" : question.choices;
  return document.choice_lists?.[list] || [];
}

function questionElement(document, question, path, value, language, library) {
  const id = `q-${path}`;
  const required = question.required ? h("span", { class: "required", title: t("required") }, " *") : null;
  const wrapper = h("div", { class: `question q-${question.type}`, dataset: { path, name: question.name, type: question.type } });
  const type = question.type;
  if (type === "compliance" || type === "select_one" || type === "select_multiple") {
    const selected = Array.isArray(value) ? value : [value];
    const inputType = type === "select_multiple" ? "checkbox" : "radio";
    wrapper.append(h("fieldset", { class: "choices" },
      h("legend", {}, text(question.label, language), required),
      ...choicesOf(document, question).map((choice) => h("label", { class: `choice choice-${choice.name}` },
        h("input", { type: inputType, name: path, value: choice.name, checked: selected.includes(choice.name) }),
        " ", text(choice.label, language)))));
  } else {
    wrapper.append(h("label", { for: id }, text(question.label, language), required));
  }
  const hint = text(question.hint, language);
  if (hint) wrapper.append(h("p", { class: "helptext" }, hint));
  const shown = value === undefined || value === null ? "" : Array.isArray(value) ? value.join(" ") : String(value);
  if (type === "long_text") wrapper.append(h("textarea", { id, name: path, rows: 3 }, shown));
  else if (type === "date") wrapper.append(h("input", { id, name: path, type: "date", value: shown }));
  else if (type === "time") wrapper.append(h("input", { id, name: path, type: "time", value: shown }));
  else if (type === "datetime") wrapper.append(h("input", { id, name: path, type: "datetime-local", value: shown }));
  else if (type === "integer") wrapper.append(h("input", { id, name: path, type: "text", inputmode: "numeric", value: shown }));
  else if (type === "decimal") wrapper.append(h("input", { id, name: path, type: "text", inputmode: "decimal", value: shown }));
  else if (type === "text" || type === "geopoint") wrapper.append(h("input", { id, name: path, type: "text", value: shown }));
  else if (MEDIA.has(type)) wrapper.append(h("p", { class: "muted" }, t("Photos, recordings and documents are added in the Media tab.")));
  wrapper.append(h("ul", { class: "errorlist", hidden: true }));
  const norms = library ? questionNorms(question, library.norms, library.day) : null;
  if (norms) wrapper.append(norms);
  return wrapper;
}

/** The value of one question's inputs, typed as the answers are stored. */
function valueOf(wrapper) {
  const type = wrapper.dataset.type;
  const inputs = [...wrapper.querySelectorAll("input, textarea")];
  if (type === "select_multiple") {
    const values = inputs.filter((i) => i.checked).map((i) => i.value);
    return values.length ? values : null;
  }
  if (type === "select_one" || type === "compliance") return inputs.find((i) => i.checked)?.value ?? null;
  const raw = inputs[0]?.value.trim() ?? "";
  if (raw === "") return null;
  if (type === "integer" && /^-?\d+$/.test(raw)) return Number.parseInt(raw, 10);
  if (type === "decimal" && /^-?\d+([.,]\d+)?$/.test(raw)) return Number.parseFloat(raw.replace(",", "."));
  if (type === "geopoint") {
    const parts = raw.replace(/,/g, " ").split(/\s+/);
    if (parts.length >= 2 && parts.length <= 4 && parts.every((p) => /^-?\d+(\.\d+)?$/.test(p))) return parts.map(Number);
  }
  return raw;
}

/**
 * The form of ``document`` filled with ``answers``; calls ``onChange(answers)`` with every
 * answer typed (hidden ones included) after each change. ``library`` ({norms: Map code →
 * norm, day}) folds under each question the norms it checks, as they read on ``day``.
 */
export function instrumentForm(document, answers, language, onChange, library = null) {
  const form = h("form", { class: "response-form", novalidate: true });
  const repeatEntry = (repeat, number, row) => {
    const entry = h("div", { class: "instance", dataset: { instance: String(number) } });
    for (const question of repeat.items) {
      entry.append(questionElement(document, question, `${repeat.name}[${number}].${question.name}`, row?.[question.name], language, library));
    }
    entry.append(h("button", { type: "button", class: "link", onclick: () => { entry.remove(); changed(); } }, t("Remove this entry")));
    return entry;
  };
  for (const section of document.sections) {
    const fieldset = h("fieldset", { class: "card section", id: `section-${section.name}`, dataset: { name: section.name } }, h("legend", {}, text(section.label, language)));
    fieldset._condition = section.relevant ?? null;
    for (const item of section.items) {
      if (item.kind !== "repeat") {
        const element = questionElement(document, item, item.name, answers[item.name], language, library);
        element._condition = item.relevant ?? null;
        element._question = item;
        fieldset.append(element);
        continue;
      }
      const block = h("div", { class: "repeat", dataset: { repeat: item.name } }, h("h3", {}, text(item.label, language)));
      block._condition = item.relevant ?? null;
      block._repeat = item;
      (Array.isArray(answers[item.name]) ? answers[item.name] : []).forEach((row, i) => block.append(repeatEntry(item, i + 1, row)));
      const add = h("button", { type: "button", class: "btn secondary", onclick: () => {
        const numbers = [...block.querySelectorAll(":scope > .instance")].map((e) => Number(e.dataset.instance));
        add.before(repeatEntry(item, Math.max(0, ...numbers) + 1, null));
        changed();
      } }, t("Add another"));
      block.append(add);
      fieldset.append(block);
    }
    form.append(fieldset);
  }
  const sections = sectionNavigation(form, document, language);

  function collect() {
    const all = {};
    const kept = {};
    for (const fieldset of form.querySelectorAll(":scope > fieldset.section")) {
      const sectionShown = safeHolds(fieldset._condition, { answers: kept });
      fieldset.hidden = !sectionShown;
      for (const element of fieldset.querySelectorAll(":scope > .question, :scope > .repeat")) {
        const shown = sectionShown && safeHolds(element._condition, { answers: kept });
        element.hidden = !shown;
        if (element._question) {
          const value = valueOf(element);
          if (value !== null) all[element.dataset.name] = value;
          if (shown && value !== null) kept[element.dataset.name] = value;
          continue;
        }
        const rows = [];
        const keptRows = [];
        for (const entry of element.querySelectorAll(":scope > .instance")) {
          const row = {};
          const keptRow = {};
          for (const question of entry.querySelectorAll(":scope > .question")) {
            const spec = element._repeat.items.find((q) => q.name === question.dataset.name);
            const questionShown = safeHolds(spec.relevant ?? null, { answers: kept, instance: keptRow });
            question.hidden = !questionShown;
            const value = valueOf(question);
            if (value !== null) row[question.dataset.name] = value;
            if (questionShown && value !== null) keptRow[question.dataset.name] = value;
          }
          rows.push(row);
          keptRows.push(keptRow);
        }
        if (rows.length) all[element.dataset.repeat] = rows;
        if (shown) kept[element.dataset.repeat] = keptRows;
      }
    }
    sections?.update();
    return all;
  }

  function changed() {
    onChange(collect());
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.showErrors = (errors) => {
    for (const question of form.querySelectorAll(".question")) {
      const list = question.querySelector(".errorlist");
      const messages = errors[question.dataset.path] || [];
      list.replaceChildren(...messages.map((m) => h("li", {}, m)));
      list.hidden = messages.length === 0;
      question.classList.toggle("has-error", messages.length > 0);
    }
    sections?.update();
  };
  /** Bring the first question with an error into view (its section, when one is shown). */
  form.revealFirstError = () => {
    const question = form.querySelector(".question.has-error");
    if (!question) return;
    sections?.open(question.closest("fieldset.section").dataset.name);
    question.scrollIntoView({ block: "center" });
  };
  queueMicrotask(collect); // show and hide as the stored answers say
  return form;
}

/**
 * The index of a form's sections and, for a long form, one section at a time. Sections
 * hidden by their condition leave the index. Paging hides sections with a class, not with
 * ``hidden``, which means "not asked" to the form and to validation.
 */
function sectionNavigation(form, document, language) {
  const fieldsets = [...form.querySelectorAll(":scope > fieldset.section")];
  if (fieldsets.length < 2) return null;
  const questionCount = form.querySelectorAll(".question").length;
  let paged = questionCount >= LONG_FORM_QUESTIONS;
  let current = fieldsets[0].dataset.name;
  const labels = Object.fromEntries(document.sections.map((s) => [s.name, text(s.label, language)]));
  const entries = Object.fromEntries(fieldsets.map((fieldset) => {
    const name = fieldset.dataset.name;
    const progress = h("span", { class: "progress-count" });
    const link = h("button", { type: "button", class: "section-link", dataset: { section: name }, onclick: () => open(name) },
      h("span", { class: "section-label" }, labels[name]), " ", progress);
    return [name, { item: h("li", {}, link), link, progress }];
  }));
  const toggle = h("button", { type: "button", class: "link", id: "section-mode", onclick: () => {
    paged = !paged;
    apply();
    if (paged) open(current); else form.querySelector(`#section-${CSS.escape(current)}`)?.scrollIntoView();
  } });
  const index = h("nav", { class: "card section-index", id: "section-index", "aria-label": t("Sections") },
    h("div", { class: "index-head" }, h("h2", {}, t("Sections")), toggle),
    h("ol", {}, ...Object.values(entries).map((e) => e.item)));
  const previous = h("button", { type: "button", class: "btn secondary", id: "section-previous", onclick: () => step(-1) });
  const next = h("button", { type: "button", class: "btn", id: "section-next", onclick: () => step(1) });
  const pager = h("div", { class: "section-pager", id: "section-pager" }, previous, h("span", { class: "muted", id: "section-position" }), next);
  form.prepend(index);
  form.append(pager);

  const visible = () => fieldsets.filter((f) => !f.hidden).map((f) => f.dataset.name);
  function step(direction) {
    const names = visible();
    const target = names[names.indexOf(current) + direction];
    if (target) open(target);
  }
  function open(name) {
    current = name;
    apply();
    const target = paged ? index : form.querySelector(`#section-${CSS.escape(name)}`);
    target?.scrollIntoView({ block: "start" });
  }
  function apply() {
    const names = visible();
    if (!names.includes(current)) current = names[0] ?? current;
    for (const fieldset of fieldsets) fieldset.classList.toggle("section-off", paged && fieldset.dataset.name !== current);
    for (const [name, entry] of Object.entries(entries)) {
      entry.item.hidden = !names.includes(name);
      entry.link.classList.toggle("current", paged && name === current);
      if (paged && name === current) entry.link.setAttribute("aria-current", "step"); else entry.link.removeAttribute("aria-current");
    }
    toggle.textContent = paged ? t("Show all sections on one page") : t("One section at a time");
    pager.hidden = !paged;
    const position = names.indexOf(current);
    form.querySelector("#section-position").textContent = t("Section %(n)s of %(total)s", { n: position + 1, total: names.length });
    previous.hidden = position <= 0;
    next.hidden = position >= names.length - 1;
    previous.textContent = `← ${labels[names[position - 1]] || ""}`;
    next.textContent = `${labels[names[position + 1]] || ""} →`;
  }
  function update() {
    for (const fieldset of fieldsets) {
      const entry = entries[fieldset.dataset.name];
      const asked = [...fieldset.querySelectorAll(".question")].filter((q) => !q.closest("[hidden]") && q.dataset.type !== "note");
      const answered = asked.filter((q) => [...q.querySelectorAll("input, textarea")].some((i) => (i.type === "radio" || i.type === "checkbox" ? i.checked : i.value.trim() !== "")));
      const errors = fieldset.querySelectorAll(".question.has-error").length;
      entry.progress.textContent = errors ? t("%(done)s of %(n)s · errors: %(errors)s", { done: answered.length, n: asked.length, errors })
        : t("%(done)s of %(n)s", { done: answered.length, n: asked.length });
      entry.link.classList.toggle("has-error", errors > 0);
      entry.link.classList.toggle("complete", asked.length > 0 && answered.length === asked.length);
    }
    apply();
  }
  return { update, open };
}

function safeHolds(condition, context) {
  try {
    return holds(condition, context);
  } catch {
    return true;
  }
}
