// The Kuzet field app: screens and their flow. Each other module is one concern:
// crypto.js (keys, sealing), store.js (IndexedDB), api.js (HTTP), sync.js (package and
// outbox), form.js (instrument forms), records.js (other records), validate.js (rules),
// library.js (the legal norms), ui.js (texts, language and DOM helpers).
import { api, Offline, problemOf } from "./api.js";
import { createVault, envelopeHash, openVault, sealForServer, WrongPassphrase } from "./crypto.js";
import { instrumentForm } from "./form.js";
import { libraryView } from "./library.js";
import * as mediaStore from "./media.js";
import { apiData, initialData, recordForm, TITLES } from "./records.js";
import * as store from "./store.js";
import { refreshPackage, sendOutbox, TokenRefused } from "./sync.js";
import {
  clearFields, confirmDialog, formatBytes, formatDate, formatDateTime, h, language, LANGUAGES, mount, notice, setLanguage, t, textIn, uuid4,
} from "./ui.js";
import { recordProblems, recordWarnings, validateResponse } from "./validate.js";

const IDLE_LOCK_MS = 10 * 60 * 1000;
const SAVE_AFTER_MS = 400;
// Wrong passphrases: from the third in a row each next try waits 2^(n-3) seconds (1, 2, 4 …
// 64 s), and the tenth erases the data on this tablet (docs/security.md). A constant, not a
// server setting: the lock screen must know it before anything can be decrypted, and a
// value that could come from the server could also be raised by whoever holds the tablet.
const DELAY_FROM_FAILURE = 3;
const ERASE_AFTER_FAILURES = 10;
let pkg = null; // the offline package, decrypted, while unlocked
let editing = false; // a form is open: no update takes over now
let unsaved = null; // a record just opened and not typed in yet: not stored until it is

// ---- start --------------------------------------------------------------------------------

async function start() {
  languageSwitch();
  registerWorker();
  window.addEventListener("online", () => { statusLine(); if (store.isUnlocked()) syncNow({ quiet: true }); });
  window.addEventListener("offline", statusLine);
  // Leaving the page (closing, reloading, another address) locks the app and empties every
  // field first, so no typed value is left in the page that the browser keeps for session
  // restore or the back-forward cache.
  window.addEventListener("pagehide", () => { if (store.isUnlocked()) lockScreen(); });
  const vault = await store.raw.get("meta", "vault");
  if (!vault) return setPassphraseScreen();
  lockScreen();
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).then((registration) => {
    const offer = (worker) => {
      const banner = document.getElementById("update");
      banner.hidden = false;
      banner.querySelector("button").onclick = async () => {
        if (editing && !(await confirmDialog(t("A form is open. Its answers are saved; update now?"), { yes: t("Update now") }))) return;
        updateAsked = true;
        worker.postMessage("take-over");
      };
    };
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker?.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    });
  });
  // The first worker takes control quietly (clients.claim); a new version only when the
  // user asked for it, and then the page reloads to run the new files.
  let updateAsked = false;
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (updateAsked && !reloading) { reloading = true; window.location.reload(); }
  });
}

// ---- language ---------------------------------------------------------------------------

/** The switch in the top bar: ru, kk, en, at any moment, without the network. */
function languageSwitch() {
  const nav = document.getElementById("languages");
  if (!nav) return;
  const draw = () => {
    nav.replaceChildren(...LANGUAGES.map(([code, name]) => h("button", {
      type: "button", class: "lang", lang: code, dataset: { lang: code }, "aria-pressed": String(code === language),
      onclick: () => switchLanguage(code),
    }, name)));
    for (const element of document.querySelectorAll("[data-t]")) element.textContent = t(element.dataset.t);
    nav.setAttribute("aria-label", t("Language"));
    document.title = t("Kuzet — field");
  };
  draw();
  languageSwitch.draw = draw;
}

async function switchLanguage(code) {
  if (code === language) return;
  await flushDraft(); // the open form is drawn again from what is stored
  setLanguage(code);
  languageSwitch.draw();
  notice("");
  if (!store.isUnlocked()) {
    const vault = await store.raw.get("meta", "vault");
    return vault ? lockScreen() : setPassphraseScreen();
  }
  if (!pkg) {
    return (await store.getSecret("token")) ? notice(t("The offline package has not been downloaded yet. Connect to the network and sync."), "error") : signInScreen();
  }
  route();
  // The package's own labels (institutions' types, lists of choices) come in the new
  // language with the next download; the texts of forms and norms switch at once.
  if (navigator.onLine && !editing) syncNow({ quiet: true });
}

// ---- passphrase and lock ------------------------------------------------------------------

function setPassphraseScreen() {
  const form = h("form", { class: "card narrow", id: "set-passphrase", onsubmit: async (event) => {
    event.preventDefault();
    const first = form.elements.passphrase.value;
    if (first.length < 10) return notice(t("Choose a passphrase of at least 10 characters."), "error");
    if (first !== form.elements.repeat.value) return notice(t("The two passphrases differ."), "error");
    notice(t("Preparing the encrypted storage…"));
    const { vault, key } = await createVault(first);
    await store.raw.put("meta", vault, "vault");
    store.unlock(key);
    notice("");
    requestPersistence(); // not awaited: a browser may leave the request pending
    afterUnlock();
  } },
  h("h1", {}, t("Protect this tablet's data")),
  h("p", {}, t("Everything you record is encrypted on this tablet with a key protected by this passphrase. Without it nobody can read the records — not even you: there is no way to recover it, so remember it.")),
  h("label", { for: "passphrase" }, t("Passphrase")), h("input", { id: "passphrase", name: "passphrase", type: "password", autocomplete: "new-password", required: true }),
  h("label", { for: "repeat" }, t("The same passphrase again")), h("input", { id: "repeat", name: "repeat", type: "password", autocomplete: "new-password", required: true }),
  h("button", { class: "btn", type: "submit" }, t("Set the passphrase")));
  mount(form);
}

/** Seconds to wait before the next try after ``count`` wrong passphrases in a row. */
function unlockDelay(count) {
  return count >= DELAY_FROM_FAILURE ? 2 ** (count - DELAY_FROM_FAILURE) : 0;
}

function lockScreen(message) {
  flushDraft();
  store.lock();
  pkg = null;
  editing = false;
  const waitLeft = (failures) => Math.ceil(unlockDelay(failures.count) - (Date.now() - Date.parse(failures.last_at || 0)) / 1000);
  const form = h("form", { class: "card narrow", id: "unlock", onsubmit: async (event) => {
    event.preventDefault();
    const passphrase = form.elements.passphrase.value;
    form.elements.passphrase.value = "";
    const failures = await store.unlockFailures();
    if (waitLeft(failures) > 0) return notice(t("Wait %(s)s seconds before the next try.", { s: waitLeft(failures) }), "error", "wait");
    // Counted before the try: closing the page during the slow key derivation is a failure too.
    const counted = { count: failures.count + 1, last_at: new Date().toISOString() };
    await store.setUnlockFailures(counted);
    const vault = await store.raw.get("meta", "vault");
    try {
      store.unlock(await openVault(passphrase, vault));
    } catch (error) {
      if (!(error instanceof WrongPassphrase)) throw error;
      if (counted.count >= ERASE_AFTER_FAILURES) {
        await store.erase();
        setPassphraseScreen();
        return notice(t("After %(n)s wrong passphrases the data on this tablet was erased.", { n: counted.count }), "error", "erased");
      }
      lockScreen();
      const wait = unlockDelay(counted.count);
      return notice(wait ? `${t("Wrong passphrase. Nothing was changed.")} ${t("Wait %(s)s seconds before the next try.", { s: wait })}`
        : t("Wrong passphrase. Nothing was changed."), "error", "wrong-passphrase");
    }
    await store.setUnlockFailures({ count: 0, last_at: null });
    notice("");
    afterUnlock();
  } },
  h("h1", {}, t("Kuzet is locked")),
  message ? h("p", { class: "muted" }, message) : null,
  h("label", { for: "passphrase" }, t("Passphrase")), h("input", { id: "passphrase", name: "passphrase", type: "password", autocomplete: "current-password", required: true }),
  h("button", { class: "btn", type: "submit" }, t("Unlock")),
  h("p", { class: "muted", id: "erase-rule" }, t("After %(n)s wrong passphrases in a row the data on this tablet is erased.", { n: ERASE_AFTER_FAILURES })),
  h("p", { class: "muted", id: "failures" }));
  mount(form);
  form.elements.passphrase.focus();
  store.unlockFailures().then((failures) => {
    if (failures.count) {
      form.querySelector("#failures").textContent = t("Wrong passphrases in a row: %(n)s of %(max)s.", { n: failures.count, max: ERASE_AFTER_FAILURES });
    }
  });
}

let idleTimer = null;
function watchIdle() {
  const reset = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => lockScreen(t("Locked after %(n)s minutes without use.", { n: IDLE_LOCK_MS / 60000 })), IDLE_LOCK_MS);
  };
  for (const name of ["pointerdown", "keydown", "input"]) document.addEventListener(name, reset, { passive: true });
  reset();
}

async function afterUnlock() {
  watchIdle();
  const recovered = await mediaStore.recover();
  if (recovered.length) notice(t("%(n)s interrupted recordings were recovered from their stored pieces.", { n: recovered.length }), "info", "recovered");
  const token = await store.getSecret("token");
  if (!token) return signInScreen();
  pkg = await store.getSecret("package");
  if (!pkg && navigator.onLine) {
    try { pkg = await refreshPackage(token.token); } catch (error) { return handleError(error); }
  }
  if (!pkg) return notice(t("The offline package has not been downloaded yet. Connect to the network and sync."), "error");
  route();
}

/**
 * Ask the browser not to clear this app's storage when space runs short. Asked once when
 * the passphrase is set, and again from the status bar's button (``asked``), which then
 * says what was decided and, when refused, what the user can do.
 */
async function requestPersistence(asked = false) {
  if (!navigator.storage?.persist) {
    if (asked) notice(t("This browser cannot protect the storage from clean-up. Sync after every visit: records the server has confirmed cannot be lost."), "error", "persist-refused");
    return;
  }
  const granted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  if (asked) {
    notice(granted ? t("The storage is protected: the browser will not clear it to free space.")
      : t("The browser refused to protect the storage. Add Kuzet to the home screen (browser menu → “Install app” or “Add to Home screen”), open it from there and press “Protect” again. Until then sync after every visit: records the server has confirmed cannot be lost."),
    granted ? "ok" : "error", granted ? "persisted" : "persist-refused");
  }
  statusLine();
}

// ---- sign in ----------------------------------------------------------------------------

function signInScreen(message) {
  const form = h("form", { class: "card narrow", id: "sign-in", onsubmit: async (event) => {
    event.preventDefault();
    const body = {
      username: form.elements.username.value.trim(),
      password: form.elements.password.value,
      otp: form.elements.otp.value.trim() || null,
      device_name: form.elements.device_name.value.trim() || t("Tablet"),
    };
    let reply;
    try { reply = await api.deviceToken(body, language); } catch (error) {
      if (error instanceof Offline) return notice(t("Signing in needs the network."), "error");
      throw error;
    }
    if (reply.status !== 201) return notice(problemOf(reply).message, "error");
    await store.putSecret("token", { token: reply.data.token, expires_at: reply.data.expires_at, user: reply.data.user, device_name: body.device_name });
    notice(t("Downloading the offline package…"));
    try { pkg = await refreshPackage(reply.data.token); } catch (error) { return handleError(error); }
    notice("");
    location.hash = "#/";
    route();
  } },
  h("h1", {}, t("Sign in to download your visits")),
  message ? h("p", { class: "muted" }, message) : null,
  h("label", { for: "username" }, t("Username")), h("input", { id: "username", name: "username", autocomplete: "username", required: true }),
  h("label", { for: "password" }, t("Password")), h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
  h("label", { for: "otp" }, t("Code from the authenticator app (if you use one)")), h("input", { id: "otp", name: "otp", inputmode: "numeric", autocomplete: "one-time-code" }),
  h("label", { for: "device_name" }, t("Name of this tablet")), h("input", { id: "device_name", name: "device_name", value: t("Tablet") }),
  h("button", { class: "btn", type: "submit" }, t("Sign in")));
  mount(form);
}

// ---- routing ------------------------------------------------------------------------------

window.addEventListener("hashchange", () => { if (store.isUnlocked() && pkg) route(); });

function route() {
  editing = false;
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "visit" && parts[1]) return visitScreen(Number(parts[1]));
  if (parts[0] === "edit" && parts[1]) return editScreen(parts[1]);
  if (parts[0] === "new" && parts[1]) return newRecord(Number(parts[1]), parts[2], parts[3], parts[4]);
  if (parts[0] === "outbox") return outboxScreen();
  if (parts[0] === "library") return libraryScreen(parts[1] ? Number(parts[1]) : null);
  return homeScreen();
}

// ---- status bar -------------------------------------------------------------------------

async function statusLine() {
  const bar = document.getElementById("status");
  if (!bar || !store.isUnlocked()) return;
  const info = (await store.raw.get("meta", "package_info")) || {};
  const outbox = (await store.raw.all("outbox")).length + (await store.raw.all("media")).length;
  const estimate = await navigator.storage?.estimate?.();
  const persisted = await navigator.storage?.persisted?.();
  const low = estimate && estimate.quota && estimate.quota - estimate.usage < 200 * 1024 * 1024;
  bar.replaceChildren(
    h("span", { class: navigator.onLine ? "online" : "offline", id: "network" }, navigator.onLine ? t("online") : t("offline")),
    h("span", {}, t("package refreshed %(when)s", { when: formatDateTime(info.refreshed_at) })),
    h("a", { href: "#/outbox", id: "outbox-count" }, t("to send: %(n)s", { n: outbox })),
    estimate ? h("span", { class: low ? "low" : "" }, t("storage %(used)s of %(quota)s", { used: formatBytes(estimate.usage), quota: formatBytes(estimate.quota) }),
      persisted ? "" : ` · ${t("not protected from clean-up")} `,
      persisted || !navigator.storage?.persist ? null : h("button", { class: "link", id: "protect-storage", type: "button", onclick: () => requestPersistence(true) }, t("Protect"))) : null,
    h("button", { class: "btn secondary", id: "sync-now", type: "button", onclick: () => syncNow() }, t("Sync now")),
    h("button", { class: "link", type: "button", onclick: () => lockScreen() }, t("Lock")),
  );
  if (low) notice(t("Storage on this tablet is running low: sync and free space."), "error");
}

// One sync at a time: the "online" event and the button may ask at once.
let syncing = null;

function syncNow(options = {}) {
  if (!syncing) syncing = runSync(options).finally(() => { syncing = null; });
  return syncing;
}

async function runSync({ quiet = false } = {}) {
  const token = await store.getSecret("token");
  if (!token) return signInScreen();
  const bar = document.getElementById("progress");
  try {
    bar.hidden = false;
    bar.value = 0;
    const summary = await sendOutbox(token.token, (done, total) => { bar.max = total; bar.value = done; });
    const media = await uploadMedia(token.token, bar);
    summary.sent += media.uploaded;
    summary.errors += media.refused;
    pkg = await refreshPackage(token.token);
    const text = t("Sync done: %(sent)s sent, %(conflicts)s in conflict, %(errors)s refused, %(waiting)s waiting.", summary);
    if (!quiet || summary.sent || summary.errors || summary.conflicts) {
      notice(text, summary.errors || summary.conflicts ? "error" : "ok", "synced");
    }
  } catch (error) {
    handleError(error);
  } finally {
    bar.hidden = true;
    statusLine();
    if (!editing) route();
  }
}

function handleError(error) {
  if (error instanceof Offline) return notice(t("No connection. Everything is kept on this tablet; try again later."), "error");
  if (error instanceof TokenRefused) return signInScreen(t("Your sign-in on this tablet has ended (%(why)s). Your records are kept; sign in again to send them.", { why: error.message }));
  if (error.message === "storage") return notice(t("The package does not fit in the free storage of this tablet. Free some space first."), "error");
  notice(error.message || String(error), "error");
}

// ---- screens ----------------------------------------------------------------------------

function shell(...children) {
  mount(h("div", { id: "status", class: "statusbar" }), ...children);
  statusLine();
}

/** An instrument's title in the app's language (the package carries ru and kk). */
function titleOf(version) {
  return version[`title_${language}`] || version.title;
}

/** The institution ``id``, named in the app's language (the package carries ru and kk). */
function institutionOf(id) {
  const institution = pkg.institutions.find((i) => i.id === id);
  if (!institution) return { name: "?" };
  return { ...institution, name: institution[`name_${language}`] || institution.name };
}

function homeScreen() {
  const visits = pkg.visits;
  shell(
    h("div", { class: "title-row" }, h("h1", {}, t("My visits")),
      h("a", { class: "btn secondary", href: "#/library", id: "open-library" }, t("Legal library"))),
    visits.length ? h("ul", { class: "visit-list" }, ...visits.map((visit) => h("li", {},
      h("a", { href: `#/visit/${visit.id}`, class: "card visit-card" },
        h("strong", {}, institutionOf(visit.institution).name),
        h("span", { class: "muted" }, ` ${formatDate(visit.planned_date)} · ${visit.kind_label} · ${visit.status_label}`)))))
      : h("p", { class: "card muted" }, t("No visits are assigned to you.")),
  );
}

async function recordsOf(visitId) {
  const drafts = (await store.drafts()).filter((d) => d.visit === visitId);
  const outbox = (await store.outbox()).filter((o) => o.label.visit === visitId);
  return { drafts, outbox };
}

async function visitScreen(visitId) {
  const visit = pkg.visits.find((v) => v.id === visitId);
  if (!visit) return homeScreen();
  const institution = institutionOf(visit.institution);
  const { drafts, outbox } = await recordsOf(visitId);
  const instruments = pkg.instruments.filter((i) => !i.institution_types.length || i.institution_types.includes(institution.type));
  const previous = pkg.previous_visits.filter((v) => v.institution === institution.id);
  const recommendations = pkg.open_recommendations.filter((r) => r.institution === institution.id);
  shell(
    h("p", {}, h("a", { href: "#/" }, `← ${t("My visits")}`)),
    h("h1", {}, institution.name),
    h("p", { class: "muted" }, `${formatDate(visit.planned_date)} · ${visit.kind_label} · ${visit.status_label}`),
    h("details", { class: "card" }, h("summary", {}, h("h2", { class: "inline" }, t("Preparation pack"))),
      h("dl", { class: "facts" },
        h("dt", {}, t("Institution")), h("dd", {}, `${institution.type_label || ""} · ${institution.address || ""}`),
        h("dt", {}, t("Population / capacity")), h("dd", {}, `${institution.population ?? "—"} / ${institution.capacity ?? "—"}`),
        h("dt", {}, t("Objectives")), h("dd", {}, visit.objectives || "—"),
        h("dt", {}, t("Team")), h("dd", {}, visit.team.map((m) => `${m.name} (${m.role_label})`).join(", ")),
        h("dt", {}, t("Earlier visits")), h("dd", {}, previous.map((v) => `${formatDate(v.planned_date)} (${v.status_label})`).join(", ") || t("none: a first visit"))),
      h("h3", {}, t("Open recommendations to verify on site")),
      ...(recommendations.length ? recommendations.map((r) => h("p", {}, r.text, h("span", { class: "muted" }, ` — ${r.addressee}, ${r.status_label}`)))
        : [h("p", { class: "muted" }, t("No open recommendations for this institution."))])),
    h("p", {}, h("a", { class: "btn secondary", href: `#/library/${visitId}`, id: "open-library" }, t("Legal library"))),
    h("div", { class: "card" }, h("h2", {}, t("Record")),
      h("h3", {}, t("Checklists")),
      h("ul", { class: "instrument-list" }, ...instruments.filter((v) => v.kind === "checklist").map((version) => instrumentEntry(visitId, version, drafts))),
      h("h3", {}, t("Questionnaires of interviews")),
      h("ul", { class: "instrument-list" }, ...instruments.filter((v) => v.kind !== "checklist").map((version) => instrumentEntry(visitId, version, drafts))),
      h("h3", {}, t("Interviews, findings, allegations, recommendations")),
      h("div", { class: "actions-row" }, ...["interview", "finding", "allegation", "recommendation"].map((type) =>
        h("a", { class: "btn", href: `#/new/${visitId}/${type}` }, t(`New ${type}`))))),
    await mediaCard(visitId, outbox),
    h("div", { class: "card" }, h("h2", {}, t("Drafts on this tablet")),
      drafts.length ? h("ul", { class: "records" }, ...drafts.map((d) => h("li", {},
        h("a", { href: `#/edit/${d.uuid}` }, draftTitle(d)), h("span", { class: "muted" }, ` · ${t("saved")} ${formatDateTime(d.updated_at)}`))))
        : h("p", { class: "muted" }, t("No drafts."))),
    h("div", { class: "card" }, h("h2", {}, t("Finalized, waiting to be sent")),
      h("p", { class: "muted" }, t("A finalized record is not changed on the tablet: the team corrects it on the web, on the visit's page, until the report is approved.")),
      outbox.length ? h("ul", { class: "records" }, ...outbox.map((o) => h("li", {}, finalizedName(o.label, o.created_at),
        o.status === "conflict" ? h("span", { class: "badge closed" }, ` ${t("conflict")}`) : null,
        o.status === "error" ? h("span", { class: "badge closed" }, ` ${o.problem}`) : null)))
        : h("p", { class: "muted" }, t("Nothing waiting."))),
  );
}

/** The drafts of ``version`` among ``drafts``, the one written last first. */
function draftsOf(version, drafts) {
  return drafts.filter((d) => d.type === "response" && d.data.version === version.id)
    .sort((a, b) => (b.updated_at || "").localeCompare(a.updated_at || ""));
}

/**
 * An instrument of the visit: opening it continues its draft when there is one (so that a
 * form filled yesterday is found where it was left); another copy is a separate action.
 */
function instrumentEntry(visitId, version, drafts) {
  const [latest, ...older] = draftsOf(version, drafts);
  const open = `#/new/${visitId}/response/${version.id}`;
  if (!latest) return h("li", {}, h("a", { class: "btn secondary instrument", href: open, dataset: { version: version.id } }, titleOf(version)));
  return h("li", { class: "has-draft" },
    h("a", { class: "btn instrument", href: open, dataset: { version: version.id, resumes: latest.uuid } }, titleOf(version),
      h("span", { class: "resume-note" }, ` · ${t("continue the draft (saved %(when)s)", { when: formatDateTime(latest.updated_at) })}`)),
    older.length ? h("span", { class: "muted" }, ` ${t("and %(n)s more drafts below", { n: older.length })}`) : null,
    h("a", { class: "link another-copy", href: `${open}/copy`, dataset: { version: version.id } }, t("Start another copy")));
}

async function libraryScreen(visitId) {
  const visit = visitId ? pkg.visits.find((v) => v.id === visitId) : null;
  const today = new Date().toISOString().slice(0, 10);
  const day = visit?.planned_date || today;
  const context = visit ? t("Texts in force on %(date)s, the date of the visit.", { date: formatDate(day) })
    : t("Texts in force today, %(date)s.", { date: formatDate(day) });
  shell(
    h("p", {}, h("a", { href: visit ? `#/visit/${visit.id}` : "#/" }, `← ${visit ? institutionOf(visit.institution).name : t("My visits")}`)),
    ...libraryView(pkg.norms || [], day, context),
  );
}

// ---- media ----------------------------------------------------------------------------------

let recording = null;

async function mediaCard(visitId, outbox) {
  const items = (await store.media()).filter((m) => m.visit === visitId);
  const token = await store.getSecret("token");
  const interviews = outbox.map((o) => ({ ...o.label, at: o.created_at })).filter((l) => l.type === "interview");
  const linkSelect = h("select", { id: "media-record" }, h("option", { value: "" }, t("the visit")),
    ...interviews.map((l) => h("option", { value: l.uuid }, finalizedName(l, l.at))));
  const common = () => ({ visit: visitId, device: token?.device_name || "", record: linkSelect.value || null });
  const photoInput = h("input", { type: "file", accept: "image/*", capture: "environment", id: "photo-input", hidden: true,
    onchange: async () => {
      const file = photoInput.files[0];
      photoInput.value = ""; // the file's name is not left in the page
      if (!file) return;
      try {
        await mediaStore.addFile(file, { ...common(), kind: "photo" });
        notice(t("The photo is stored, encrypted, on this tablet."), "ok", "media-stored");
      } catch (error) { mediaError(error); }
      route();
    } });
  const start = async (kind, extra = {}) => {
    try {
      editing = true;
      recording = await mediaStore.record(kind === "appeal" ? "video" : kind, { ...common(), ...extra, kind },
        (item) => { document.getElementById("recording-status").textContent = t("Recording: %(size)s stored", { size: formatBytes(item.size) }); });
      route();
    } catch (error) { editing = false; mediaError(error); }
  };
  const appealForm = h("form", { class: "appeal-consent", id: "appeal-consent", hidden: true, onsubmit: (event) => {
    event.preventDefault();
    const shownTo = [...appealForm.querySelectorAll("input[name=shown_to]:checked")].map((i) => i.value);
    if (!appealForm.elements.recorded.checked) return notice(t("A video appeal is recorded only with the person's consent."), "error");
    start("appeal", { appeal_consent: { recorded: true, shown_to: shownTo } });
  } },
  h("p", {}, t("Before recording: the person agrees to be recorded and says who may see the appeal.")),
  h("label", { class: "choice" }, h("input", { type: "checkbox", name: "recorded" }), " ", t("Consents to being recorded")),
  h("p", { class: "muted" }, t("The appeal may be shown to:")),
  ...[["npm", "the NPM"], ["prosecutor", "the prosecutor"], ["commissioner", "the Commissioner"], ["public", "the public"]].map(([value, label]) =>
    h("label", { class: "choice" }, h("input", { type: "checkbox", name: "shown_to", value }), " ", t(label))),
  h("button", { class: "btn", type: "submit", id: "appeal-start" }, t("Start the appeal recording")));
  return h("div", { class: "card", id: "media-card" }, h("h2", {}, t("Photos and recordings")),
    recording ? h("div", { class: "recording" },
      h("span", { class: "rec-dot" }), h("span", { id: "recording-status" }, t("Recording…")),
      h("button", { class: "btn", id: "stop-recording", type: "button", onclick: async () => {
        const item = await recording.stop();
        recording = null;
        editing = false;
        notice(t("The recording is stored, encrypted, on this tablet (%(size)s).", { size: formatBytes(item.size) }), "ok", "media-stored");
        route();
      } }, t("Stop"))) :
    h("div", {},
      h("label", { for: "media-record" }, t("Link to")), linkSelect,
      h("div", { class: "actions-row" },
        h("button", { class: "btn secondary", type: "button", id: "take-photo", onclick: () => photoInput.click() }, t("Photo")),
        h("button", { class: "btn secondary", type: "button", id: "record-audio", onclick: () => start("audio") }, t("Audio")),
        h("button", { class: "btn secondary", type: "button", id: "record-video", onclick: () => start("video") }, t("Video")),
        h("button", { class: "btn secondary", type: "button", id: "record-appeal", onclick: () => { appealForm.hidden = false; } }, t("Video appeal"))),
      photoInput, appealForm),
    items.length ? h("ul", { class: "records", id: "media-list" }, ...items.map((m) => h("li", { dataset: { status: m.status } },
      `${t(m.kind === "appeal" ? "Video appeal" : m.kind === "photo" ? "Photo" : m.kind === "audio" ? "Audio" : "Video")} · ${formatBytes(m.size)} · `,
      h("code", { title: m.sha256 || "" }, (m.sha256 || "").slice(0, 12)), ` · ${t(m.status)}`, m.problem ? h("span", { class: "badge closed" }, ` ${m.problem}`) : null)))
      : h("p", { class: "muted" }, t("No photos or recordings on this tablet.")));
}

function mediaError(error) {
  if (error instanceof mediaStore.NotEnoughSpace) return notice(t("Not enough free storage on this tablet to record. Sync and free space first."), "error");
  notice(error.message || String(error), "error");
}

async function uploadMedia(token, bar) {
  const summary = { uploaded: 0, refused: 0 };
  for (const item of await store.media()) {
    if (!["ready", "uploading", "uploaded"].includes(item.status)) continue;
    try {
      if (item.status !== "uploaded") {
        await mediaStore.upload(item, token, (done, total) => { bar.max = total; bar.value = done; });
      }
      const receipt = await api.mediaReceipt(token, item.id, language);
      if (receipt.status === 200 && receipt.data.hash === item.sha256) {
        await store.deleteMedia(item.id);
        await store.raw.put("tombstones", { uuid: item.id, hash: item.sha256, synced_at: new Date().toISOString() });
        summary.uploaded += 1;
      }
    } catch (error) {
      if (error instanceof Offline || error instanceof TypeError) throw new Offline();
      item.problem = error.message;
      // Refused at completion (hash or rule): the server dropped the upload; start again.
      if (error.status === 422 || error.status === 404 || error.status === 410) item.upload_url = null;
      if (item.status !== "uploaded") item.status = item.upload_url ? "uploading" : "ready";
      await store.putMedia(item);
      summary.refused += 1;
    }
  }
  return summary;
}

/**
 * A finalized record as lists show it: its type (a checklist's instrument) and, when given,
 * the time it was finalized — never its text, title or person's code.
 */
function finalizedName(label, at) {
  const type = label.type === "response" ? label.title || t("Checklist") : t(TITLES[label.type]);
  return at ? `${type} · ${formatDateTime(at)}` : type;
}

function draftTitle(draft) {
  if (draft.type === "response") {
    const version = pkg.instruments.find((i) => i.id === draft.data.version);
    return version ? titleOf(version) : t("Checklist");
  }
  const detail = draft.data.title || draft.data.person_code || "";
  return `${t(TITLES[draft.type])}${detail ? `: ${detail}` : ""}`;
}

/**
 * Open a new record of ``type`` (an instrument's: ``versionId``). An instrument with a
 * draft on this visit opens that draft, unless ``mode`` is "copy". Nothing is stored until
 * the first answer: a form merely opened leaves no empty draft.
 */
async function newRecord(visitId, type, versionId, mode) {
  if (type === "response" && mode !== "copy") {
    const [latest] = draftsOf({ id: Number(versionId) }, (await store.drafts()).filter((d) => d.visit === visitId));
    if (latest) return location.replace(`#/edit/${latest.uuid}`);
  }
  const record = { uuid: uuid4(), type, visit: visitId, created_at: new Date().toISOString(), data: {} };
  if (type === "response") record.data = { version: Number(versionId), interview: null, answers: {} };
  else if (TITLES[type]) record.data = initialData(type, pkg?.time_zone);
  else return homeScreen();
  unsaved = record;
  location.replace(`#/edit/${record.uuid}`); // the URL names the record by its UUID only
}

// The draft save waiting for typing to pause: at most one, for the open form.
let pendingSave = null;

function cancelPendingSave() {
  if (pendingSave) clearTimeout(pendingSave.timer);
  pendingSave = null;
}

/** Write the waiting draft save now (leaving or locking must not lose the last words). */
function flushDraft() {
  const pending = pendingSave;
  cancelPendingSave();
  return pending && store.isUnlocked() ? pending.run() : Promise.resolve();
}

async function editScreen(uuid) {
  const stored = await store.draft(uuid);
  const record = stored || (unsaved?.uuid === uuid ? unsaved : null);
  if (!record) return homeScreen();
  const visit = pkg.visits.find((v) => v.id === record.visit);
  editing = true;
  cancelPendingSave();
  const status = h("span", { class: "save-status", id: "save-status", role: "status" },
    stored ? `${t("Saved on this tablet")} ${formatDateTime(record.updated_at)}` : t("Not stored yet: the draft is kept from the first answer."));
  let shownProblems = null; // the problems shown since "Finalize" was pressed, by field
  // One message for the outcome: "saved" in green only when nothing waits to be corrected.
  const showSaved = () => {
    const count = shownProblems ? new Set(Object.values(shownProblems).flat()).size : 0;
    status.textContent = count
      ? t("Draft saved on this tablet; not finalized: %(n)s to correct (listed above).", { n: count })
      : `${t("Saved on this tablet")} ${formatDateTime(record.updated_at)}`;
    status.dataset.kind = count ? "draft" : "saved";
  };
  const save = (data) => {
    record.data = data;
    if (shownProblems) refreshProblems();
    status.textContent = t("Saving…");
    delete status.dataset.kind;
    cancelPendingSave();
    const run = async () => {
      if (pendingSave?.run === run) pendingSave = null;
      if (!(await store.saveDraft(record))) return; // finalized meanwhile: nothing to save
      if (unsaved === record) unsaved = null;
      showSaved();
    };
    pendingSave = { run, timer: setTimeout(run, SAVE_AFTER_MS) };
  };
  const context = await recordContext(record);
  let form;
  let title;
  if (record.type === "response") {
    const version = pkg.instruments.find((i) => i.id === record.data.version);
    title = titleOf(version);
    const interviews = context.interviewChoices();
    const interviewSelect = version.kind === "interview" ? h("label", { class: "inline-label" }, t("for the interview"),
      h("select", { id: "response-interview", onchange: (e) => save({ ...record.data, interview: e.target.value || null }) },
        h("option", { value: "" }, "—"), ...interviews.map(([v, label]) => h("option", { value: v, selected: record.data.interview === v }, label)))) : null;
    const library = { norms: new Map((pkg.norms || []).map((n) => [n.code, n])), day: visit?.planned_date || new Date().toISOString().slice(0, 10) };
    form = instrumentForm(version.document, record.data.answers, language, (answers) => save({ ...record.data, answers }), library);
    if (interviewSelect) form.prepend(interviewSelect);
  } else {
    title = t(TITLES[record.type]);
    // As the text is typed: the quality rules' warnings next to the field (quality/texts.js).
    const warn = (data) => form.showWarnings(recordWarnings(record.type, data, context));
    form = recordForm(record.type, record.data, context, (data) => { save(data); warn(data); });
    warn(record.data);
  }
  const problemsBox = h("div", { class: "card problems", id: "problems", hidden: true });
  // Once shown, a problem goes as soon as its answer is right; new ones wait for "Finalize".
  const refreshProblems = () => {
    const current = problemsOf(record, context);
    shownProblems = Object.fromEntries(Object.entries(current).filter(([field]) => field in shownProblems));
    showProblems(shownProblems, form, problemsBox);
  };
  shell(
    h("p", {}, h("a", { href: `#/visit/${record.visit}` }, `← ${visit ? institutionOf(visit.institution).name : ""}`)),
    h("h1", {}, title),
    problemsBox,
    form,
    h("div", { class: "savebar card" }, status,
      h("button", { class: "btn danger-link link", type: "button", id: "delete-draft", onclick: async () => {
        if (!(await confirmDialog(t("Delete this draft? It cannot be recovered."), { yes: t("Delete the draft"), no: t("Keep it"), danger: true }))) return;
        cancelPendingSave();
        if (unsaved === record) unsaved = null;
        await store.deleteDraft(record.uuid);
        location.hash = `#/visit/${record.visit}`;
      } }, t("Delete the draft")),
      h("button", { class: "btn", id: "finalize", type: "button", onclick: async () => {
        shownProblems = await finalize(record, form, problemsBox, context);
        if (unsaved !== record) showSaved();
      } }, t("Finalize"))),
  );
}

/** What stands in the way of finalizing ``record``, by field (path of a question). */
function problemsOf(record, context) {
  if (record.type !== "response") return recordProblems(record.type, record.data, context);
  const version = pkg.instruments.find((i) => i.id === record.data.version);
  return validateResponse(version.document, record.data.answers, language).errors;
}

function showProblems(problems, form, problemsBox) {
  form.showErrors(problems);
  const messages = Object.values(problems).flat();
  problemsBox.hidden = messages.length === 0;
  problemsBox.replaceChildren(h("h2", {}, t("Before it can be finalized")), h("ul", {}, ...[...new Set(messages)].map((m) => h("li", {}, m))));
  return messages.length;
}

async function recordContext(record) {
  const { drafts, outbox } = await recordsOf(record.visit);
  const labels = outbox.map((o) => ({ ...o.label, at: o.created_at }));
  const interviews = labels.filter((l) => l.type === "interview");
  return {
    package: pkg,
    rules: pkg.rules,
    interviewChoices: () => interviews.map((l) => [l.uuid, finalizedName(l, l.at)]),
    personChoices: () => interviews.filter((l) => l.person_code).map((l) => [l.person_code, l.person_code]),
    transmitConsented: (code) => interviews.some((l) => l.person_code === code && l.consent_transmit),
    itemChoices: () => labels.filter((l) => l.type === "response").flatMap((l) =>
      (l.items || []).map((item) => [`${l.uuid}:${item.path}`, `${l.title} — ${item.label}: ${item.value_label}`])),
    findingChoices: () => labels.filter((l) => l.type === "finding").map((l) => [l.uuid, finalizedName(l, l.at)]),
    addresseeChoices: () => pkg.addressees.map((a) => [String(a.id), a.name]),
    drafts,
  };
}

/**
 * Finalize ``record`` after the user confirms: sealed for the server, then gone from this
 * tablet's readable store. Returns the problems shown when it cannot be finalized yet.
 */
async function finalize(record, form, problemsBox, context) {
  const problems = problemsOf(record, context);
  let label = { uuid: record.uuid, type: record.type, visit: record.visit };
  if (record.type === "response") {
    const version = pkg.instruments.find((i) => i.id === record.data.version);
    const kept = validateResponse(version.document, record.data.answers, language).answers;
    label = { ...label, title: titleOf(version), items: nonCompliantItems(version.document, kept) };
  } else {
    // No title or text: a finalized record is shown by its type and time only. The person's
    // code stays (encrypted) because an allegation is linked to an interview by it.
    label = { ...label, person_code: record.data.person_code || null, consent_transmit: Boolean(record.data.consent_transmit) };
  }
  if (showProblems(problems, form, problemsBox)) {
    if (form.revealFirstError) form.revealFirstError(); else problemsBox.scrollIntoView();
    return problems;
  }
  const details = label.items ? [t("Items not or partly compliant: %(n)s — each needs a finding.", { n: label.items.length })] : [];
  const confirmed = await confirmDialog(t("Finalize? The record is sealed for the server and can no longer be read or changed on this tablet."), {
    title: t("Finalize"), yes: t("Finalize"), no: t("Keep editing"), details: [...details, t("A finalized record is corrected on the web, after it is sent.")],
  });
  if (!confirmed) return null;
  // The answers typed last are in record.data already; a save still waiting would write
  // the draft again after it was finalized.
  cancelPendingSave();
  const token = await store.getSecret("token");
  const plain = {
    uuid: record.uuid, type: record.type, visit: record.visit, created_at: record.created_at,
    finalized_at: new Date().toISOString(), device: token?.device_name || "", data: record.type === "response" ? record.data : apiData(record.type, record.data, pkg?.time_zone),
  };
  const envelope = await sealForServer(pkg, plain);
  const hash = await envelopeHash(envelope);
  await store.finalizeDraft({ uuid: record.uuid, envelope, hash, status: "pending", created_at: plain.finalized_at }, label);
  cancelPendingSave();
  if (unsaved === record) unsaved = null;
  editing = false;
  clearFields(form);
  form.remove();
  notice(t("Finalized: it will be sent at the next sync."), "ok");
  location.hash = `#/visit/${record.visit}`;
  if (navigator.onLine) syncNow({ quiet: true });
}

function nonCompliantItems(document, kept) {
  const labels = {};
  const choices = Object.fromEntries((document.choice_lists.compliance || []).map((c) => [c.name, textIn(c.label, language)]));
  for (const section of document.sections) {
    for (const item of section.items) {
      for (const question of item.kind === "repeat" ? item.items : [item]) labels[question.name] = textIn(question.label, language);
    }
  }
  const items = [];
  const visit = (name, value, prefix) => {
    if (value === "non_compliant" || value === "partly") items.push({ path: prefix + name, label: labels[name] || name, value_label: choices[value] || value });
  };
  for (const [name, value] of Object.entries(kept)) {
    if (Array.isArray(value) && value.every((v) => typeof v === "object")) {
      value.forEach((row, i) => Object.entries(row).forEach(([inner, v]) => visit(inner, v, `${name}[${i + 1}].`)));
    } else visit(name, value, "");
  }
  return items;
}

async function outboxScreen() {
  const items = await store.outbox();
  const tombstones = await store.tombstones();
  shell(
    h("p", {}, h("a", { href: "#/" }, `← ${t("My visits")}`)),
    h("h1", {}, t("To send")),
    h("div", { class: "card" }, items.length ? h("table", { class: "data" }, h("tbody", {}, ...items.map((item) => h("tr", {},
      h("td", {}, finalizedName(item.label)), h("td", {}, formatDateTime(item.created_at)),
      h("td", {}, item.status === "pending" ? t("waiting") : item.status === "conflict" ? t("conflict: the server holds another version") : item.problem),
      h("td", {}, h("code", { title: item.hash }, item.hash.slice(0, 12))))))) : h("p", { class: "muted" }, t("Nothing waiting."))),
    h("p", { class: "muted" }, t("%(n)s records confirmed by the server (kept as UUID and hash only).", { n: tombstones.length })),
    h("p", { class: "muted" }, t("A finalized record is not changed on the tablet: the team corrects it on the web, on the visit's page, until the report is approved.")),
  );
}

start().catch((error) => notice(String(error), "error"));
