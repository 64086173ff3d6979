// The media tab's upload: resumable, with a progress bar, through the tus 1.0.0 endpoint
// (/api/v1/uploads/, signed in with the page's session and CSRF token). Without this
// script the form is an ordinary multipart upload.
//
// The whole file's SHA-256 is computed first (incrementally: a 2 GB video never lives in
// memory), then the file is sent in chunks from the server's offset. A chunk cut off
// (network lost, tab closed) is not lost work: the upload is remembered in localStorage by
// file name, size and date, and continues from where the server stands — automatically a
// few times, or when the same file is chosen again.
import { sha256 } from "../field/vendor/noble-hashes-2.4.0/sha2.js";

const CHUNK = 4 * 1024 * 1024;
const RETRIES = 5;
const form = document.getElementById("media-upload");
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const b64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Refused extends Error {}

function words(key, values = {}) {
  let text = form.dataset[key] || key;
  for (const [name, value] of Object.entries(values)) text = text.replace(`{${name}}`, value);
  return text;
}

function show(state, value, max, text) {
  const box = form.querySelector(".upload-progress");
  const bar = box.querySelector("progress");
  box.hidden = false;
  box.dataset.state = state;
  bar.max = max;
  bar.value = value;
  box.querySelector(".upload-status").textContent = text;
}

const percent = (done, total) => (total ? Math.floor((100 * done) / total) : 100);

async function fileHash(file) {
  const hasher = sha256.create();
  for (let offset = 0; offset < file.size; offset += CHUNK) {
    hasher.update(new Uint8Array(await file.slice(offset, offset + CHUNK).arrayBuffer()));
    const done = Math.min(offset + CHUNK, file.size);
    show("hashing", done, file.size, words("checking", { percent: percent(done, file.size) }));
  }
  return hex(hasher.digest());
}

function tus(method, url, headers = {}, body = undefined) {
  return fetch(url, {
    method,
    body,
    cache: "no-store",
    credentials: "same-origin",
    headers: {
      "Tus-Resumable": "1.0.0",
      "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value,
      ...headers,
    },
  });
}

async function refusal(response) {
  try {
    const body = await response.json();
    const details = (body.errors || []).join(" ");
    return new Refused(details || body.detail || body.title || `HTTP ${response.status}`);
  } catch {
    return new Refused(`HTTP ${response.status}`);
  }
}

function metadata(file, uuid, hash) {
  const data = new FormData(form);
  const captured = data.get("captured_at");
  const pairs = {
    media_uuid: uuid,
    visit: form.dataset.visit,
    sha256: hash,
    filename: file.name,
    filetype: file.type,
    kind: data.get("kind") || "",
    finding: data.get("finding") || "",
    interview: data.get("interview") || "",
    description: data.get("description") || "",
    device: data.get("device") || "",
    captured_at: captured ? `${captured.length === 16 ? `${captured}:00` : captured}${form.dataset.offset}` : "",
  };
  return Object.entries(pairs)
    .filter(([, value]) => value !== "")
    .map(([key, value]) => `${key} ${b64(value)}`)
    .join(",");
}

const remembered = (file) => `kuzet-upload:${form.dataset.visit}:${file.name}:${file.size}:${file.lastModified}`;

/** Where the server stands for this upload: its offset, or null if it must start again. */
async function serverOffset(url) {
  const head = await tus("HEAD", url);
  if (head.status === 200) return Number(head.headers.get("Upload-Offset"));
  if (head.status === 404 || head.status === 410) return null;
  throw await refusal(head);
}

async function send(file) {
  const key = remembered(file);
  let upload = JSON.parse(localStorage.getItem(key) || "null");
  let offset = upload ? await serverOffset(upload.url) : null;
  if (offset === null) {
    const hash = await fileHash(file);
    // A hash recorded on the device must match, as in the plain form (the server checks too).
    const expected = String(new FormData(form).get("expected_sha256") || "").trim().toLowerCase();
    if (expected && expected !== hash) throw new Refused(words("mismatch", { hash }));
    const uuid = crypto.randomUUID();
    const created = await tus("POST", form.dataset.tus, {
      "Upload-Length": String(file.size),
      "Upload-Metadata": metadata(file, uuid, hash),
    });
    if (created.status !== 201) throw await refusal(created);
    upload = { url: new URL(created.headers.get("Location"), location.href).pathname, uuid };
    localStorage.setItem(key, JSON.stringify(upload));
    offset = Number(created.headers.get("Upload-Offset") || 0);
  }
  let failures = 0;
  while (offset < file.size) {
    show("sending", offset, file.size, words("sending", { percent: percent(offset, file.size) }));
    let reply;
    try {
      reply = await tus(
        "PATCH",
        upload.url,
        { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset) },
        file.slice(offset, offset + CHUNK),
      );
    } catch {
      // The connection broke: ask the server where it stands and continue from there.
      failures += 1;
      if (failures > RETRIES) throw new Refused(words("interrupted", { percent: percent(offset, file.size) }));
      show("waiting", offset, file.size, words("reconnecting", { percent: percent(offset, file.size) }));
      await wait(1000 * failures);
      try {
        offset = (await serverOffset(upload.url)) ?? 0;
      } catch {
        /* still offline: try again */
      }
      continue;
    }
    if (reply.status === 409 && reply.headers.get("Upload-Offset")) {
      offset = Number(reply.headers.get("Upload-Offset"));
      continue;
    }
    if (reply.status !== 204) {
      if (reply.status >= 400 && reply.status < 500) localStorage.removeItem(key);
      throw await refusal(reply);
    }
    failures = 0;
    offset = Number(reply.headers.get("Upload-Offset"));
  }
  localStorage.removeItem(key);
  show("done", file.size, file.size, words("finished"));
  return upload.uuid;
}

if (form && window.fetch && crypto.randomUUID) {
  form.addEventListener("submit", async (event) => {
    const file = form.querySelector("input[type=file]").files[0];
    if (!file) return; // the server says what is missing
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const uuid = await send(file);
      location.assign(`${form.dataset.page}?uploaded=${uuid}`);
    } catch (error) {
      show("failed", 0, 1, error instanceof Refused ? error.message : words("interrupted", { percent: 0 }));
      button.disabled = false;
    }
  });
}
