// Photos, audio, video and video appeals on the tablet: captured offline, written to
// IndexedDB in encrypted chunks as they arrive, uploaded with tus 1.0.0 when online.
//
// - A recording is cut by MediaRecorder into slices of a few seconds; each slice is hashed
//   (SHA-256, incrementally: a one-hour video never lives in memory), encrypted and stored
//   at once, so a crash or a closed tab loses at most the last slice. A recording found
//   unfinished at the next start is closed from its chunks and its hash computed again.
// - Upload: tus creation (metadata with the whole-file SHA-256), then PATCH chunk by chunk
//   from the server's offset with a per-request Upload-Checksum; a 460 resends the chunk.
//   The device deletes its copy only after the server confirms the hash.
import { sha256 } from "./vendor/noble-hashes-2.4.0/sha2.js";
import * as store from "./store.js";
import { toBase64 } from "./crypto.js";

const TIMESLICE_MS = 3000;
const PHOTO_CHUNK = 1024 * 1024;
const MIN_FREE_BYTES = 150 * 1024 * 1024; // about ten minutes of tablet video
const TUS = "/api/v1/uploads/";

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const b64text = (text) => toBase64(new TextEncoder().encode(text));

export class NotEnoughSpace extends Error {}

export async function freeBytes() {
  const estimate = await navigator.storage?.estimate?.();
  return estimate ? estimate.quota - estimate.usage : Infinity;
}

function newItem(fields) {
  return {
    id: crypto.randomUUID(),
    status: "recording",
    chunks: 0,
    size: 0,
    captured_at: new Date().toISOString(),
    ...fields,
  };
}

/** Store a chosen or photographed file, in 1 MiB encrypted chunks. */
export async function addFile(file, fields) {
  if ((await freeBytes()) < file.size * 2) throw new NotEnoughSpace();
  const item = newItem({ ...fields, content_type: file.type || "application/octet-stream", filename: file.name });
  await store.putMedia(item);
  const hasher = sha256.create();
  for (let offset = 0, seq = 0; offset < file.size; offset += PHOTO_CHUNK, seq += 1) {
    const bytes = new Uint8Array(await file.slice(offset, offset + PHOTO_CHUNK).arrayBuffer());
    hasher.update(bytes);
    await store.putChunk(item.id, seq, bytes);
    item.chunks = seq + 1;
    item.size += bytes.byteLength;
  }
  item.sha256 = hex(hasher.digest());
  item.status = "ready";
  await store.putMedia(item);
  return item;
}

/**
 * Start recording audio or video; returns {item, stop()}. Chunks are stored as they come.
 * Refused when the free storage cannot hold about ten minutes.
 */
export async function record(kind, fields, onProgress = () => {}) {
  if ((await freeBytes()) < MIN_FREE_BYTES) throw new NotEnoughSpace();
  const stream = await navigator.mediaDevices.getUserMedia(kind === "audio" ? { audio: true } : { audio: true, video: true });
  const recorder = new MediaRecorder(stream);
  const item = newItem({ ...fields, kind, content_type: recorder.mimeType || (kind === "audio" ? "audio/webm" : "video/webm"),
    filename: `${kind}.webm` });
  await store.putMedia(item);
  const hasher = sha256.create();
  let queue = Promise.resolve();
  recorder.ondataavailable = (event) => {
    if (!event.data.size) return;
    queue = queue.then(async () => {
      const bytes = new Uint8Array(await event.data.arrayBuffer());
      hasher.update(bytes);
      await store.putChunk(item.id, item.chunks, bytes);
      item.chunks += 1;
      item.size += bytes.byteLength;
      await store.putMedia(item); // the chunk count survives a crash
      onProgress(item);
    });
  };
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start(TIMESLICE_MS);
  return {
    item,
    async stop() {
      recorder.stop();
      stream.getTracks().forEach((track) => track.stop());
      await stopped;
      await queue;
      item.sha256 = hex(hasher.digest());
      item.status = "ready";
      await store.putMedia(item);
      return item;
    },
  };
}

/** Close recordings left unfinished by a crash or a closed tab: rehash their chunks. */
export async function recover() {
  const recovered = [];
  for (const item of await store.media()) {
    if (item.status !== "recording") continue;
    const sizes = await store.chunkSizes(item.id);
    const hasher = sha256.create();
    for (let seq = 0; seq < sizes.length; seq += 1) hasher.update(await store.getChunk(item.id, seq));
    Object.assign(item, { chunks: sizes.length, size: sizes.reduce((a, b) => a + b, 0), sha256: hex(hasher.digest()),
      status: sizes.length ? "ready" : "empty", recovered: true });
    if (item.status === "empty") await store.deleteMedia(item.id);
    else await store.putMedia(item);
    recovered.push(item);
  }
  return recovered;
}

// ---- upload (tus 1.0.0) -------------------------------------------------------------------

function metadata(item) {
  const pairs = {
    filename: item.filename || item.kind,
    filetype: item.content_type,
    media_uuid: item.id,
    visit: String(item.visit),
    kind: item.kind === "appeal" ? "video" : item.kind,
    sha256: item.sha256,
    captured_at: item.captured_at,
    device: item.device || "",
  };
  if (item.record) pairs.record = item.record;
  if (item.appeal_consent) pairs.appeal_consent = JSON.stringify(item.appeal_consent);
  return Object.entries(pairs).map(([k, v]) => `${k} ${b64text(v)}`).join(",");
}

async function tus(method, url, token, headers = {}, body) {
  const response = await fetch(url, {
    method,
    body,
    cache: "no-store",
    credentials: "omit",
    headers: { "Tus-Resumable": "1.0.0", Authorization: `Bearer ${token}`, ...headers },
  });
  return response;
}

/** Upload one ready item; resolves to "done", or throws with the server's reason. */
export async function upload(item, token, onProgress = () => {}) {
  if (!item.upload_url) {
    const created = await tus("POST", TUS, token, { "Upload-Length": String(item.size), "Upload-Metadata": metadata(item) });
    if (created.status !== 201) throw new UploadRefused(created.status, await problem(created));
    item.upload_url = new URL(created.headers.get("Location"), location.href).pathname;
    item.status = "uploading";
    await store.putMedia(item);
    if (created.headers.get("Kuzet-Media")) return finished(item); // the server already has it
  }
  const head = await tus("HEAD", item.upload_url, token);
  if (head.status !== 200 && head.status !== 204) {
    if (head.status === 404 || head.status === 410) { item.upload_url = null; await store.putMedia(item); }
    throw new UploadRefused(head.status, null);
  }
  let offset = Number(head.headers.get("Upload-Offset") || 0);
  let position = 0;
  for (let seq = 0; seq < item.chunks; seq += 1) {
    const bytes = await store.getChunk(item.id, seq);
    const end = position + bytes.byteLength;
    if (end > offset) {
      const part = bytes.subarray(offset - position);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", part));
      let reply;
      for (let attempt = 0; attempt < 3; attempt += 1) {
        reply = await tus("PATCH", item.upload_url, token, {
          "Content-Type": "application/offset+octet-stream",
          "Upload-Offset": String(offset),
          "Upload-Checksum": `sha256 ${toBase64(digest)}`,
        }, part);
        if (reply.status !== 460) break; // 460: the bytes arrived damaged; send them again
      }
      if (reply.status !== 204) throw new UploadRefused(reply.status, await problem(reply));
      offset = Number(reply.headers.get("Upload-Offset"));
      onProgress(offset, item.size);
      if (reply.headers.get("Kuzet-Media")) item.server_media = reply.headers.get("Kuzet-Media");
    }
    position = end;
  }
  return finished(item);
}

async function finished(item) {
  item.status = "uploaded";
  item.problem = null;
  await store.putMedia(item);
  return item;
}

export class UploadRefused extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

async function problem(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || null;
  } catch {
    return null;
  }
}
