// The records other than instrument responses — interviews, findings, allegations,
// recommendations — as field lists with the same fields as the server's forms
// (kuzet/visits/forms.py, kuzet/recommendations/forms.py), and one form builder for them.
import { h, t } from "./ui.js";

// kind: text | textarea | select | multi | check | tristate | date | datetime
export const SPECS = {
  interview: [
    { name: "kind", label: "Type of interview", kind: "select", choices: "interview_kinds", initial: "individual" },
    { name: "conducted_at", label: "Conducted at", kind: "datetime" },
    { name: "time_note", label: "Why the time is outside the visit (only if it is)", kind: "textarea" },
    { name: "person_code", label: "Person's code", kind: "text", help: "A pseudonym such as A-07; never a name." },
    { name: "identity.full_name", label: "Full name (encrypted, seen only by the team and the secretariat)", kind: "text" },
    { name: "identity.birth_date", label: "Date of birth (encrypted)", kind: "text" },
    { name: "identity.cell", label: "Cell or room (encrypted)", kind: "text" },
    { name: "consent_interview", label: "Consents to the interview", kind: "check" },
    { name: "consent_quote", label: "May be quoted", kind: "check" },
    { name: "consent_identify", label: "May be identified", kind: "check" },
    { name: "consent_transmit", label: "An allegation may be transmitted", kind: "check" },
    { name: "vulnerabilities", label: "Vulnerability categories", kind: "multi", choices: "vulnerabilities" },
    { name: "fears_reprisals", label: "Fears reprisals", kind: "tristate" },
    { name: "reprisal_risk", label: "Risk of reprisals", kind: "select", choices: "reprisal_risks", initial: "unknown" },
    { name: "follow_up_on", label: "Follow-up check on", kind: "date" },
    { name: "notes", label: "Notes (encrypted)", kind: "textarea" },
  ],
  finding: [
    { name: "theme", label: "Theme", kind: "select", choices: "themes" },
    { name: "title", label: "Title", kind: "text" },
    { name: "description", label: "Description", kind: "textarea", help: "The facts: what was seen or heard, where, how many, since when." },
    { name: "sources", label: "Sources", kind: "multi", choices: "sources" },
    { name: "good_practice", label: "This is a good practice", kind: "check" },
    { name: "severity", label: "Severity", kind: "select", choices: "severities", blank: true },
    { name: "obstacle", label: "Obstacle to access", kind: "select", choices: "obstacles", blank: true },
    { name: "interviews", label: "Interviews it rests on", kind: "multi", choices: (c) => c.interviewChoices() },
    { name: "items", label: "Checklist items it describes", kind: "multi", choices: (c) => c.itemChoices(), help: "Every non-compliant item needs a finding that describes it." },
    { name: "no_recommendation_reason", label: "Why no recommendation (only if none will follow)", kind: "textarea" },
  ],
  allegation: [
    { name: "person_code", label: "Person (code)", kind: "select", choices: (c) => c.personChoices() },
    { name: "kind", label: "Kind", kind: "select", choices: "allegation_kinds", initial: "ill_treatment" },
    { name: "occurred_on", label: "Date", kind: "date" },
    { name: "place", label: "Place", kind: "text" },
    { name: "circumstances", label: "Circumstances (encrypted)", kind: "textarea" },
    { name: "perpetrator", label: "Alleged perpetrators", kind: "select", choices: "perpetrators" },
    { name: "methods", label: "Methods", kind: "multi", choices: "methods" },
    { name: "injuries_observed", label: "Injuries observed (encrypted)", kind: "textarea" },
    { name: "medical_documentation", label: "Medical documentation exists", kind: "tristate" },
    { name: "witnesses", label: "Witnesses (encrypted)", kind: "textarea" },
    { name: "consent_transmit", label: "The person consents to transmission", kind: "check" },
    { name: "referral", label: "Referral", kind: "select", choices: "referrals", initial: "none" },
    { name: "extent", label: "Isolated or pattern", kind: "select", choices: "extents", initial: "unknown" },
  ],
  recommendation: [
    { name: "text_ru", label: "Recommendation (Russian)", kind: "textarea" },
    { name: "text_kk", label: "Recommendation (Kazakh)", kind: "textarea" },
    { name: "addressee", label: "Addressee", kind: "select", choices: (c) => c.addresseeChoices() },
    { name: "level", label: "Level", kind: "select", choices: "recommendation_levels" },
    { name: "theme", label: "Theme", kind: "select", choices: "themes" },
    { name: "priority", label: "Priority", kind: "select", choices: "priorities" },
    { name: "deadline", label: "Deadline", kind: "date" },
    { name: "findings", label: "Findings it answers", kind: "multi", choices: (c) => c.findingChoices() },
  ],
};

export const TITLES = {
  interview: "Interview",
  finding: "Finding",
  allegation: "Allegation",
  recommendation: "Recommendation",
  response: "Checklist",
};

// The order in which records are sent: a record after those it refers to.
export const SEND_ORDER = ["interview", "response", "finding", "allegation", "recommendation"];

function getPath(data, name) {
  return name.split(".").reduce((value, part) => (value == null ? undefined : value[part]), data);
}

function setPath(data, name, value) {
  const parts = name.split(".");
  let target = data;
  for (const part of parts.slice(0, -1)) target = target[part] ||= {};
  target[parts.at(-1)] = value;
}

// Times are typed in the site's zone (the package's time_zone, e.g. Asia/Almaty), whatever the
// tablet's own zone, and sent with that zone's offset at that date (docs/field-api.md).
function zoneOffset(zone, instant) {
  if (zone) {
    try {
      const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit",
      }).formatToParts(instant).map((p) => [p.type, p.value]));
      const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
      return Math.round((asUtc - instant.getTime()) / 60000);
    } catch { /* an unknown zone: the tablet's own, still sent with its offset */ }
  }
  return -instant.getTimezoneOffset();
}

function offsetText(minutes, separator = ":") {
  const sign = minutes < 0 ? "-" : "+";
  const pad = (n) => String(n).padStart(2, "0");
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}${separator}${pad(Math.abs(minutes) % 60)}`;
}

/** "2026-12-01T11:30" typed in ``zone`` → "2026-12-01T11:30:00+05:00". */
export function zonedIso(wall, zone) {
  const [day, time] = wall.split("T");
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const offset = zoneOffset(zone, new Date(guess - zoneOffset(zone, new Date(guess)) * 60000));
  return `${day}T${time.slice(0, 5)}:00${offsetText(offset)}`;
}

/** "UTC+5" for ``zone`` now. */
export function zoneLabel(zone) {
  const minutes = zoneOffset(zone, new Date());
  const hours = `${minutes < 0 ? "−" : "+"}${Math.floor(Math.abs(minutes) / 60)}`;
  return `UTC${hours}${minutes % 60 ? `:${String(Math.abs(minutes) % 60).padStart(2, "0")}` : ""}`;
}

export function initialData(type, zone) {
  const data = {};
  for (const spec of SPECS[type]) {
    if (spec.initial !== undefined) setPath(data, spec.name, spec.initial);
    else if (spec.kind === "multi") setPath(data, spec.name, []);
    else if (spec.kind === "check") setPath(data, spec.name, false);
    else if (spec.kind === "tristate") setPath(data, spec.name, null);
    else if (spec.kind === "datetime" && spec.name === "conducted_at") setPath(data, spec.name, zonedNow(zone));
    else setPath(data, spec.name, "");
  }
  return data;
}

function zonedNow(zone) {
  const now = new Date();
  return new Date(now.getTime() + zoneOffset(zone, now) * 60000).toISOString().slice(0, 16);
}

/** A form of ``type`` filled with ``data``; ``onChange(data)`` after every change. */
export function recordForm(type, data, context, onChange) {
  const form = h("form", { class: "card record-form", novalidate: true });
  for (const spec of SPECS[type]) {
    const id = `f-${spec.name}`;
    const value = getPath(data, spec.name);
    const choices = typeof spec.choices === "function" ? spec.choices(context) : context.package.choices[spec.choices] || [];
    const field = h("div", { class: "field", dataset: { field: spec.name } });
    let input;
    if (spec.kind === "select") {
      input = h("select", { id, name: spec.name },
        spec.blank || !spec.initial ? h("option", { value: "" }, "—") : null,
        ...choices.map(([v, label]) => h("option", { value: v, selected: String(value) === String(v) }, label)));
    } else if (spec.kind === "multi") {
      input = h("div", { class: "choices", id },
        ...choices.map(([v, label]) => h("label", { class: "choice" },
          h("input", { type: "checkbox", name: spec.name, value: v, checked: (value || []).map(String).includes(String(v)) }), " ", label)));
      if (!choices.length) input.append(h("span", { class: "muted" }, "—"));
    } else if (spec.kind === "check") {
      input = h("label", { class: "choice" }, h("input", { type: "checkbox", id, name: spec.name, checked: Boolean(value) }), " ", t(spec.label));
    } else if (spec.kind === "tristate") {
      input = h("select", { id, name: spec.name },
        h("option", { value: "" }, t("unknown")),
        h("option", { value: "true", selected: value === true }, t("yes")),
        h("option", { value: "false", selected: value === false }, t("no")));
    } else if (spec.kind === "textarea") {
      input = h("textarea", { id, name: spec.name, rows: 4 }, value || "");
    } else {
      const inputType = { date: "date", datetime: "datetime-local" }[spec.kind] || "text";
      input = h("input", { id, name: spec.name, type: inputType, value: value || "" });
    }
    if (spec.kind !== "check") field.append(h("label", { for: id }, t(spec.label)));
    field.append(input);
    if (spec.help) field.append(h("p", { class: "helptext" }, t(spec.help)));
    if (spec.kind === "datetime") {
      const zone = context.package.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
      field.append(h("p", { class: "helptext" }, t("Time in %(zone)s (%(offset)s).", { zone, offset: zoneLabel(zone) })));
    }
    field.append(h("ul", { class: "errorlist", hidden: true }));
    field.append(h("ul", { class: "warninglist", hidden: true, role: "status" }));
    form.append(field);
  }
  const read = () => {
    const next = {};
    for (const spec of SPECS[type]) {
      const inputs = [...form.querySelectorAll(`[name="${CSS.escape(spec.name)}"]`)];
      let value;
      if (spec.kind === "multi") value = inputs.filter((i) => i.checked).map((i) => i.value);
      else if (spec.kind === "check") value = inputs[0].checked;
      else if (spec.kind === "tristate") value = inputs[0].value === "" ? null : inputs[0].value === "true";
      else value = inputs[0].value;
      if (spec.name === "addressee" && value) value = Number(value);
      setPath(next, spec.name, value);
    }
    return next;
  };
  form.addEventListener("input", () => onChange(read()));
  form.addEventListener("change", () => onChange(read()));
  form.showErrors = (problems) => {
    for (const field of form.querySelectorAll(".field")) {
      const messages = problems[field.dataset.field] || [];
      const list = field.querySelector(".errorlist");
      list.replaceChildren(...messages.map((m) => h("li", {}, m)));
      list.hidden = messages.length === 0;
    }
  };
  // The quality rules' warnings next to their field, as the text is typed.
  form.showWarnings = (warnings) => {
    for (const field of form.querySelectorAll(".field")) {
      const messages = warnings[field.dataset.field] || [];
      const list = field.querySelector(".warninglist");
      list.replaceChildren(...messages.map((m) => h("li", {}, m)));
      list.hidden = messages.length === 0;
    }
  };
  return form;
}

/** The record's data as the API expects it (docs/field-api.md). */
export function apiData(type, data, zone) {
  const out = structuredClone(data);
  if (type === "interview") {
    out.conducted_at = data.conducted_at ? zonedIso(data.conducted_at, zone) : "";
    out.follow_up_on = data.follow_up_on || null;
    out.identity = Object.fromEntries(Object.entries(data.identity || {}).filter(([, v]) => v));
  }
  if (type === "finding") {
    out.items = (data.items || []).map((key) => {
      const [response, ...path] = key.split(":");
      return { response, path: path.join(":") };
    });
  }
  if (type === "allegation") out.occurred_on = data.occurred_on || null;
  if (type === "recommendation") out.deadline = data.deadline || null;
  return out;
}
