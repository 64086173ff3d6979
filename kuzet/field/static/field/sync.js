// Sync with the server: the offline package down, finalized records up.
//
// A record leaves the device only after the server's receipt (asked for separately: one
// request for a batch's records, else a GET each) shows the hash the device computed: then
// its copy is deleted and a tombstone (UUID, hash) kept.
// 201 and 200 are both success (200: the server already had this very record); 409 means
// the server holds different content under this UUID: the record stays and is shown.
// A record whose references have not arrived yet (422 missing_reference) is tried again
// after the others; an interruption leaves every unconfirmed record in the outbox, so the
// next sync resumes where this one stopped.
import { api, NoRoom, Offline, problemOf } from "./api.js";
import { SEND_ORDER } from "./records.js";
import * as store from "./store.js";
import { language } from "./ui.js";

export class TokenRefused extends Error {}

export async function refreshPackage(token) {
  const info = (await store.raw.get("meta", "package_info")) || {};
  const have = await store.getSecret("package");
  let reply;
  try {
    reply = await api.package(token, have ? info.etag : null, language);
  } catch (error) {
    if (error instanceof NoRoom) throw new Error("storage"); // refused before the download
    throw error;
  }
  if (reply.status === 304) {
    await store.raw.put("meta", { ...info, refreshed_at: new Date().toISOString() }, "package_info");
    return have;
  }
  if (reply.status === 401) throw new TokenRefused(problemOf(reply).message);
  if (reply.status !== 200) throw problemOf(reply);
  const size = JSON.stringify(reply.data).length * 2;
  const estimate = await navigator.storage?.estimate?.();
  if (estimate && estimate.quota - estimate.usage < size * 3) {
    throw new Error("storage");
  }
  await store.putSecret("package", reply.data);
  await store.raw.put("meta", { etag: reply.etag, refreshed_at: new Date().toISOString(), size }, "package_info");
  return reply.data;
}

/** Send every finalized record; ``progress(done, total)`` after each. Returns a summary. */
export async function sendOutbox(token, progress = () => {}) {
  const items = (await store.outbox()).filter((item) => item.status !== "conflict");
  items.sort((a, b) => SEND_ORDER.indexOf(a.label.type) - SEND_ORDER.indexOf(b.label.type));
  const summary = { sent: 0, conflicts: 0, errors: 0, waiting: 0 };
  let pending = items;
  let done = 0;
  // Several passes: a record that waits for another one is tried again after it.
  for (let pass = 0; pass < SEND_ORDER.length && pending.length; pass += 1) {
    const again = [];
    for (const chunk of chunks(pending)) {
      for (const [item, outcome] of await sendChunk(token, chunk)) {
        if (outcome === "waiting") { again.push(item); continue; }
        summary[outcome] += 1;
        done += 1;
        progress(done, items.length);
      }
    }
    if (again.length === pending.length) { summary.waiting = again.length; break; }
    pending = again;
  }
  return summary;
}

// Records go several to a request (the batch endpoint) when there are several: at most
// BATCH_RECORDS, and a request body of at most BATCH_CHARS (the server takes 5 MiB).
const BATCH_RECORDS = 20;
const BATCH_CHARS = 4 * 1024 * 1024;

function chunks(items) {
  const out = [];
  let chunk = [];
  let size = 0;
  for (const item of items) {
    const length = JSON.stringify(item.envelope).length + 100;
    if (chunk.length && (chunk.length === BATCH_RECORDS || size + length > BATCH_CHARS)) {
      out.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += length;
  }
  if (chunk.length) out.push(chunk);
  return out;
}

/** [item, outcome] for every item of ``chunk``: one request for several, else one each. */
async function sendChunk(token, chunk) {
  if (chunk.length > 1) {
    const reply = await api.submitBatch(
      token, chunk.map((item) => ({ uuid: item.uuid, envelope: item.envelope })), language,
    );
    if (reply.status === 401) throw new TokenRefused(problemOf(reply).message);
    const results = reply.status === 200 ? reply.data?.results : null;
    if (Array.isArray(results) && results.length === chunk.length) {
      const stored = chunk.filter((item, index) => [200, 201].includes(results[index]?.status));
      const receipts = await receiptsOf(token, stored);
      const out = [];
      for (const [index, item] of chunk.entries()) {
        const result = results[index];
        const answer = { status: result.status, data: result.receipt || result.problem || null };
        out.push([item, await settle(token, item, answer, receipts)]);
      }
      return out;
    }
    // Any other answer (a server without the batch endpoint, a 5xx): one by one.
  }
  const out = [];
  for (const item of chunk) out.push([item, await sendOne(token, item)]);
  return out;
}

async function sendOne(token, item) {
  const reply = await api.submit(token, { uuid: item.uuid, envelope: item.envelope }, language);
  return settle(token, item, reply);
}

/**
 * The receipts of ``items`` asked for in one request, by UUID. Whatever is not in it (a
 * server without the endpoint, an answer lost or malformed, a receipt missing) is asked
 * for again one by one in ``settle``, so a failure here only costs requests.
 */
async function receiptsOf(token, items) {
  const found = new Map();
  if (items.length < 2) return found;
  let reply;
  try {
    reply = await api.receipts(token, items.map((item) => item.uuid), language);
  } catch (error) {
    if (error instanceof Offline) return found;
    throw error;
  }
  if (reply.status === 401) throw new TokenRefused(problemOf(reply).message);
  const receipts = reply.status === 200 ? reply.data?.receipts : null;
  if (!Array.isArray(receipts)) return found;
  for (const receipt of receipts) {
    if (typeof receipt?.uuid === "string" && typeof receipt.hash === "string") {
      found.set(receipt.uuid.toLowerCase(), receipt);
    }
  }
  return found;
}

/** What the server's answer for one record means for its copy on the device. */
async function settle(token, item, reply, receipts = new Map()) {
  if (reply.status === 401) throw new TokenRefused(problemOf(reply).message);
  if (reply.status === 201 || reply.status === 200) {
    const known = receipts.get(item.uuid.toLowerCase());
    const receipt = known ? { status: 200, data: known } : await api.receipt(token, item.uuid, language);
    if (receipt.status === 200 && receipt.data?.hash === item.hash) {
      await store.confirm(item.uuid, item.hash);
      return "sent";
    }
    await store.updateOutbox(item.uuid, { status: "error", problem: "receipt" });
    return "errors";
  }
  if (reply.status === 409) {
    await store.updateOutbox(item.uuid, { status: "conflict", problem: reply.data?.detail || "" });
    return "conflicts";
  }
  if (reply.status === 422 && reply.data?.code === "missing_reference") return "waiting";
  await store.updateOutbox(item.uuid, {
    status: "error",
    problem: [reply.data?.detail, ...(Array.isArray(reply.data?.errors) ? reply.data.errors : [])].filter(Boolean).join(" "),
  });
  return "errors";
}

export { Offline };
