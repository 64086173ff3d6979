// What the server would refuse, refused on the tablet first, with the same messages.
//
// validateResponse is the twin of kuzet/instruments/validation.py (walk the form in order;
// a hidden question is not required and its answer does not count for later conditions);
// recordProblems mirrors the model and service rules of kuzet/visits and
// kuzet/recommendations for the other kinds of records. The messages are the server's own,
// translated by Django into the shell (strings.py), so both say the same thing.
import { holds, isEmpty } from "../instruments/conditions.js";
import { checkText, wordCount } from "../quality/texts.js";
import { t, textIn } from "./ui.js";

const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const MEDIA = new Set(["photo", "audio", "video", "file"]);

function typeProblem(question, value, lists) {
  const type = question.type;
  if (type === "text" || type === "long_text" || MEDIA.has(type)) return typeof value === "string" ? null : t("Give text.");
  if (type === "integer") return Number.isInteger(value) ? null : t("Give a whole number.");
  if (type === "decimal") return typeof value === "number" && Number.isFinite(value) ? null : t("Give a number.");
  if (type === "date") {
    return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))
      ? null : t("Give a date as YYYY-MM-DD.");
  }
  if (type === "datetime") {
    return typeof value === "string" && DATETIME.test(value) && !Number.isNaN(Date.parse(value))
      ? null : t("Give a date and time as YYYY-MM-DDTHH:MM.");
  }
  if (type === "time") return typeof value === "string" && TIME.test(value) ? null : t("Give a time as HH:MM.");
  if (type === "geopoint") {
    const ok = Array.isArray(value) && value.length >= 2 && value.length <= 4 && value.every((v) => typeof v === "number")
      && value[0] >= -90 && value[0] <= 90 && value[1] >= -180 && value[1] <= 180;
    return ok ? null : t("Give a location as [latitude, longitude].");
  }
  const allowed = type === "compliance"
    ? (lists.compliance || new Set(["compliant", "partly", "non_compliant", "not_checked"]))
    : (lists[question.choices] || new Set());
  if (type === "select_one" || type === "compliance") {
    return typeof value === "string" && allowed.has(value) ? null : t("Choose one of the offered answers.");
  }
  if (type === "select_multiple") {
    const ok = Array.isArray(value) && value.every((v) => allowed.has(v)) && new Set(value).size === value.length;
    return ok ? null : t("Choose among the offered answers, each once.");
  }
  return null;
}

function checkQuestion(question, value, path, context, lists, errors, target, language) {
  if (question.type === "note") return;
  const add = (message) => { (errors[path] ||= []).push(message); };
  if (question.type === "calculate") {
    // Computed by an ODK client (Kuzet does not evaluate XPath): kept as it came.
    if ((typeof value === "string" && value !== "") || (typeof value === "number" && Number.isFinite(value))) target[question.name] = value;
    else if (!isEmpty(value)) add(t("Give text."));
    return;
  }
  if (isEmpty(value)) {
    if (question.required) add(t("This question is required."));
    return;
  }
  const problem = typeProblem(question, value, lists);
  if (problem) return add(problem);
  if (question.pattern && !new RegExp(`^(?:${question.pattern})$`).test(String(value))) {
    return add(t("The answer does not have the expected form."));
  }
  if (question.constraint !== undefined && question.constraint !== null
      && !holds(question.constraint, { answers: context.answers, instance: context.instance, self: value })) {
    return add(textIn(question.constraint_message, language) || t("The answer is outside the allowed values."));
  }
  target[question.name] = value;
}

/** {answers kept, errors by path} — the same result as the server's validate_response. */
export function validateResponse(document, answers, language) {
  const errors = {};
  const kept = {};
  const lists = Object.fromEntries(
    Object.entries(document.choice_lists || {}).map(([name, choices]) => [name, new Set(choices.map((c) => c.name))]),
  );
  for (const section of document.sections) {
    const sectionShown = holds(section.relevant ?? null, { answers: kept });
    for (const item of section.items) {
      const shown = sectionShown && holds(item.relevant ?? null, { answers: kept });
      if (item.kind !== "repeat") {
        if (shown) checkQuestion(item, answers[item.name], item.name, { answers: kept }, lists, errors, kept, language);
        continue;
      }
      const rows = answers[item.name];
      if (!shown || rows === undefined || rows === null) continue;
      const instances = [];
      kept[item.name] = instances;
      rows.forEach((row, index) => {
        const instance = {};
        instances.push(instance);
        for (const question of item.items) {
          const path = `${item.name}[${index + 1}].${question.name}`;
          if (holds(question.relevant ?? null, { answers: kept, instance })) {
            checkQuestion(question, row[question.name], path, { answers: kept, instance }, lists, errors, instance, language);
          }
        }
      });
    }
  }
  return { answers: kept, errors };
}

// Words as the server counts them (kuzet/quality/tokens.py).
const words = (text) => wordCount(text || "");

// The texts the quality rules judge, by record type: field → kind of text.
const TEXT_FIELDS = {
  finding: { description: "finding" },
  recommendation: { text_ru: "recommendation", text_kk: "recommendation" },
};

function textReasons(type, data, rules) {
  const quality = rules.text_quality;
  const found = {};
  if (!quality) return found;
  for (const [field, kind] of Object.entries(TEXT_FIELDS[type] || {})) {
    const text = data[field] || "";
    // Either language may be written first: each text written is judged; with neither,
    // the Russian one (empty) carries the problem.
    if (field === "text_kk" && !text.trim()) continue;
    if (field === "text_ru" && !text.trim() && (data.text_kk || "").trim()) continue;
    found[field] = checkText(kind, text, quality, quality.messages).filter((r) => r.code !== "too_short");
  }
  return found;
}

/** Warnings of the quality rules by field (kuzet/quality): the text is saved, but reads as a
 *  standard answer or stock wording. Copies are checked by the server at sync. */
export function recordWarnings(type, data, context) {
  const blocking = new Set(context.rules.text_blocking || []);
  const warnings = {};
  for (const [field, reasons] of Object.entries(textReasons(type, data, context.rules))) {
    const messages = reasons.filter((r) => !blocking.has(r.code)).map((r) => r.message);
    if (messages.length) warnings[field] = messages;
  }
  return warnings;
}

/** Problems of a record of another kind, by field ("" for the record as a whole). */
export function recordProblems(type, data, context) {
  const problems = {};
  const add = (field, message) => { (problems[field] ||= []).push(message); };
  const rules = context.rules;
  if (type === "interview") {
    if (!data.kind) add("kind", t("This field is required."));
    if (!data.conducted_at) add("conducted_at", t("This field is required."));
    if (data.kind === "individual" && !data.person_code) add("person_code", t("An individual interview is with a coded person."));
    if (data.person_code && !new RegExp(rules.person_code_pattern).test(data.person_code)) {
      add("person_code", t("Letters, digits and hyphens, up to 16."));
    }
    if (!data.consent_interview && (data.consent_quote || data.consent_identify || data.consent_transmit)) {
      add("consent_interview", t("Without consent to the interview there is no other consent."));
    }
    if (["medium", "high"].includes(data.reprisal_risk) && !data.follow_up_on) {
      add("follow_up_on", t("A medium or high risk of reprisals needs a follow-up check date."));
    }
  } else if (type === "finding") {
    if (!data.theme) add("theme", t("This field is required."));
    if (!data.title?.trim()) add("title", t("This field is required."));
    if (words(data.description) < rules.finding_min_words) {
      add("description", t("Describe what was found in at least %(n)s words: facts, where, how many.", { n: rules.finding_min_words }));
    }
    if (!data.sources?.length) add("sources", t("Name at least one source, from the list."));
    if (data.good_practice && data.severity) add("severity", t("A good practice has no severity."));
    if (!data.good_practice && !data.severity) add("severity", t("Give the severity of the problem."));
    if (data.obstacle && data.theme !== "access") add("obstacle", t("An obstacle to access is a finding of the theme “access”."));
  } else if (type === "allegation") {
    if (!data.person_code) add("person_code", t("This field is required."));
    if (!data.circumstances?.trim()) add("circumstances", t("This field is required."));
    if (!data.perpetrator) add("perpetrator", t("This field is required."));
    if (!data.methods?.length) add("methods", t("Name at least one method, from the list."));
    if (data.referral && data.referral !== "none" && !data.consent_transmit) {
      add("referral", t("Without the person's consent the allegation is not transmitted."));
    }
    if (data.consent_transmit && !context.transmitConsented(data.person_code)) {
      add("consent_transmit", t("No interview with this person records consent to transmit an allegation."));
    }
  } else if (type === "recommendation") {
    // Russian or Kazakh, either first (as on the server): the length rule applies to the
    // Russian text when there is one, to the Kazakh one otherwise.
    const ru = (data.text_ru || "").trim(), kk = (data.text_kk || "").trim();
    if (!ru && !kk) {
      add("text_ru", t("Write the recommendation in Russian or in Kazakh."));
    } else if (words(ru || kk) < rules.recommendation_min_words) {
      add(ru ? "text_ru" : "text_kk", t("Say what must be done, by whom and how, in at least %(n)s words.", { n: rules.recommendation_min_words }));
    }
    for (const field of ["addressee", "level", "theme", "priority"]) if (!data[field]) add(field, t("This field is required."));
  }
  // The quality codes the secretariat made blocking stop finalizing, as on the server.
  const blocking = new Set(rules.text_blocking || []);
  for (const [field, reasons] of Object.entries(textReasons(type, data, rules))) {
    for (const reason of reasons) if (blocking.has(reason.code)) add(field, reason.message);
  }
  return problems;
}
