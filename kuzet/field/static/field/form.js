// An instrument form built from its version document, on the device.
//
// The same document and the same condition evaluator (instruments/conditions.js) as the
// server's form (kuzet/visits/response_form.py), so a question shows on the tablet exactly
// when it shows on the server. Every answer typed is kept in the draft, even of a question
// that is hidden again; only validation (validate.js) drops it, as on the server.
import { holds } from "../instruments/conditions.js";
import { h, t, textIn as text } from "./ui.js";

const MEDIA = new Set(["photo", "audio", "video", "file"]);

function choicesOf(document, question) {
  const list = question.type === "compliance" ? "compliance" : question.choices;
  return document.choice_lists?.[list] || [];
}

function questionElement(document, question, path, value, language) {
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
  else if (type === "integer") wrapper.append(h("input", { id, name: path, type: "text", inputmode: "numeric", value: shown }));
  else if (type === "decimal") wrapper.append(h("input", { id, name: path, type: "text", inputmode: "decimal", value: shown }));
  else if (type === "text" || type === "geopoint") wrapper.append(h("input", { id, name: path, type: "text", value: shown }));
  else if (MEDIA.has(type)) wrapper.append(h("p", { class: "muted" }, t("Photos, recordings and documents are added in the Media tab.")));
  wrapper.append(h("ul", { class: "errorlist", hidden: true }));
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
 * answer typed (hidden ones included) after each change.
 */
export function instrumentForm(document, answers, language, onChange) {
  const form = h("form", { class: "response-form", novalidate: true });
  const repeatEntry = (repeat, number, row) => {
    const entry = h("div", { class: "instance", dataset: { instance: String(number) } });
    for (const question of repeat.items) {
      entry.append(questionElement(document, question, `${repeat.name}[${number}].${question.name}`, row?.[question.name], language));
    }
    entry.append(h("button", { type: "button", class: "link", onclick: () => { entry.remove(); changed(); } }, t("Remove this entry")));
    return entry;
  };
  for (const section of document.sections) {
    const fieldset = h("fieldset", { class: "card section", dataset: { name: section.name } }, h("legend", {}, text(section.label, language)));
    fieldset._condition = section.relevant ?? null;
    for (const item of section.items) {
      if (item.kind !== "repeat") {
        const element = questionElement(document, item, item.name, answers[item.name], language);
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
  };
  queueMicrotask(collect); // show and hide as the stored answers say
  return form;
}

function safeHolds(condition, context) {
  try {
    return holds(condition, context);
  } catch {
    return true;
  }
}
