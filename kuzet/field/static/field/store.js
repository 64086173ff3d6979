// IndexedDB storage of the field app. Everything but the vault's own parameters is
// encrypted with the data key (crypto.js) before it is written:
//   meta        vault (salt, wrapped key), token, package, package info, device name
//   drafts      records being written, saved as they are typed
//   outbox      finalized records, sealed to the server, waiting for a receipt
//   tombstones  UUID and hash of every record the server confirmed
//   media       photos and recordings: what they are (encrypted) and where their upload is
//   chunks      their bytes, encrypted in pieces of a few seconds or 1 MiB, keyed [id, seq]
// In clear in "meta": the vault's parameters, the package's etag, refresh time and size, and
// the count of wrong passphrases in a row (docs/security.md, "The field app on a tablet").
// A small promise wrapper over IndexedDB rather than a library: four stores, get/put/
// delete/getAll, and strict durability on every write so a crash loses nothing written.
import { decryptJSON, encryptJSON } from "./crypto.js";

const DB_NAME = "kuzet-field";
const VERSION = 2;
let database = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function open() {
  if (database) return database;
  const req = indexedDB.open(DB_NAME, VERSION);
  req.onupgradeneeded = (event) => {
    const db = req.result;
    if (event.oldVersion < 1) {
      db.createObjectStore("meta");
      db.createObjectStore("drafts", { keyPath: "uuid" });
      db.createObjectStore("outbox", { keyPath: "uuid" });
      db.createObjectStore("tombstones", { keyPath: "uuid" });
    }
    if (event.oldVersion < 2) {
      db.createObjectStore("media", { keyPath: "id" });
      db.createObjectStore("chunks", { keyPath: ["id", "seq"] });
    }
  };
  database = await request(req);
  database.onclose = () => { database = null; }; // Safari closes it; reopen on next use
  database.onversionchange = () => { database.close(); database = null; };
  return database;
}

async function tx(store, mode, work) {
  const db = await open();
  const transaction = db.transaction(store, mode, { durability: "strict" });
  const done = new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("aborted"));
  });
  const result = await work(transaction.objectStore(store));
  await done;
  return result;
}

export const raw = {
  get: (store, key) => tx(store, "readonly", (s) => request(s.get(key))),
  all: (store) => tx(store, "readonly", (s) => request(s.getAll())),
  put: (store, value, key) => tx(store, "readwrite", (s) => request(key === undefined ? s.put(value) : s.put(value, key))),
  delete: (store, key) => tx(store, "readwrite", (s) => request(s.delete(key))),
};

// ---- encrypted values ------------------------------------------------------------------

let dataKey = null;

export function unlock(key) { dataKey = key; }
export function lock() { dataKey = null; }
export function isUnlocked() { return dataKey !== null; }

function key() {
  if (!dataKey) throw new Error("locked");
  return dataKey;
}

export async function getSecret(name) {
  const sealed = await raw.get("meta", name);
  return sealed ? decryptJSON(key(), sealed) : null;
}

export async function putSecret(name, value) {
  await raw.put("meta", await encryptJSON(key(), value), name);
}

export async function deleteSecret(name) {
  await raw.delete("meta", name);
}

// ---- wrong passphrases and erasing -------------------------------------------------------

/** Wrong passphrases in a row: ``{count, last_at}`` (not secret, kept in clear). */
export async function unlockFailures() {
  return (await raw.get("meta", "unlock_failures")) || { count: 0, last_at: null };
}

export const setUnlockFailures = (failures) => raw.put("meta", failures, "unlock_failures");

/** Delete the whole database: every record, draft, photo and the vault itself. */
export async function erase() {
  dataKey = null;
  if (database) { database.close(); database = null; }
  await new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(DB_NAME);
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
    req.onblocked = resolve; // another tab holds it open: deleted as soon as it closes
  });
}

// ---- drafts ------------------------------------------------------------------------------

/**
 * Save a draft, unless the record was finalized meanwhile (it is in the outbox or was
 * confirmed): the check and the write are one transaction, so a save that was already on
 * its way when the record was finalized cannot bring it back as a readable draft.
 * Returns whether the draft was written.
 */
export async function saveDraft(record) {
  record.updated_at = new Date().toISOString();
  const sealed = await encryptJSON(key(), record);
  const db = await open();
  const transaction = db.transaction(["drafts", "outbox", "tombstones"], "readwrite", { durability: "strict" });
  const done = new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("aborted"));
  });
  const [sent, confirmed] = await Promise.all([
    request(transaction.objectStore("outbox").getKey(record.uuid)),
    request(transaction.objectStore("tombstones").getKey(record.uuid)),
  ]);
  const finalized = sent !== undefined || confirmed !== undefined;
  if (!finalized) transaction.objectStore("drafts").put({ uuid: record.uuid, ...sealed });
  await done;
  return !finalized;
}

export async function drafts() {
  const rows = await raw.all("drafts");
  return Promise.all(rows.map((row) => decryptJSON(key(), row)));
}

export async function draft(uuid) {
  const row = await raw.get("drafts", uuid);
  return row ? decryptJSON(key(), row) : null;
}

export const deleteDraft = (uuid) => raw.delete("drafts", uuid);

// ---- outbox and tombstones --------------------------------------------------------------

/** A finalized record: its sealed envelope and hash, and a label only this device reads. */
export async function putOutbox(item, label) {
  const sealedLabel = await encryptJSON(key(), label);
  await raw.put("outbox", { ...item, label: sealedLabel });
}

/** Finalize a draft: the sealed record enters the outbox and the draft goes, at once. */
export async function finalizeDraft(item, label) {
  const sealedLabel = await encryptJSON(key(), label);
  const db = await open();
  const transaction = db.transaction(["outbox", "drafts"], "readwrite", { durability: "strict" });
  const done = new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("aborted"));
  });
  transaction.objectStore("outbox").put({ ...item, label: sealedLabel });
  transaction.objectStore("drafts").delete(item.uuid);
  await done;
}

export async function outbox() {
  const rows = await raw.all("outbox");
  return Promise.all(rows.map(async (row) => ({ ...row, label: await decryptJSON(key(), row.label) })));
}

export async function updateOutbox(uuid, changes) {
  const row = await raw.get("outbox", uuid);
  if (row) await raw.put("outbox", { ...row, ...changes });
}

export async function confirm(uuid, hash) {
  await raw.put("tombstones", { uuid, hash, synced_at: new Date().toISOString() });
  await raw.delete("outbox", uuid);
}

export const tombstones = () => raw.all("tombstones");

// ---- media ---------------------------------------------------------------------------------

/** Store chunk ``seq`` of media ``id``, encrypted; the additional data binds it to its place. */
export async function putChunk(id, seq, bytes) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(`${id}:${seq}`) }, key(), bytes);
  await raw.put("chunks", { id, seq, iv, ct: new Uint8Array(ct), size: bytes.byteLength });
}

export async function getChunk(id, seq) {
  const row = await raw.get("chunks", [id, seq]);
  if (!row) return null;
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: row.iv, additionalData: new TextEncoder().encode(`${id}:${seq}`) }, key(), row.ct);
  return new Uint8Array(plain);
}

/** Sizes of the stored chunks of ``id``, in order (read without decrypting). */
export function chunkSizes(id) {
  return tx("chunks", "readonly", (s) => request(s.getAll(IDBKeyRange.bound([id, 0], [id, Infinity]))))
    .then((rows) => rows.map((row) => row.size));
}

export function deleteChunks(id) {
  return tx("chunks", "readwrite", (s) => request(s.delete(IDBKeyRange.bound([id, 0], [id, Infinity]))));
}

export async function putMedia(item) {
  const { id, ...rest } = item;
  await raw.put("media", { id, ...(await encryptJSON(key(), rest)) });
}

export async function media() {
  const rows = await raw.all("media");
  return Promise.all(rows.map(async (row) => ({ id: row.id, ...(await decryptJSON(key(), row)) })));
}

export async function deleteMedia(id) {
  await deleteChunks(id);
  await raw.delete("media", id);
}
