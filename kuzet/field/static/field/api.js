// Calls to the field API (docs/field-api.md). Every answer is returned, never thrown,
// except when the network itself fails (Offline): the caller decides what a status means.

export class Offline extends Error {}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Free bytes of this origin's storage (Infinity when the browser does not say). */
async function freeStorage() {
  const estimate = await navigator.storage?.estimate?.();
  return estimate ? estimate.quota - estimate.usage : Infinity;
}

export class NoRoom extends Error {}

async function call(method, path, { token, body, headers = {}, language, roomFactor = 0, credentials = "omit" } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, cache: "no-store", credentials };
  if (language) init.headers["Accept-Language"] = language;
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new Offline();
  }
  // The package is refused before its body is read when it cannot fit in the free storage
  // (the server says its size; it is stored encrypted, so allow for a copy or two).
  const length = Number(response.headers.get("Content-Length") || 0);
  if (roomFactor && length && length * roomFactor > (await freeStorage())) throw new NoRoom();
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  return { status: response.status, data, etag: response.headers.get("ETag") };
}

export function problemOf(reply) {
  return new ApiError(reply.status, reply.data);
}

export const api = {
  // Signing in sends (and keeps) the known-browser cookie, so the sign-in throttle counts this
  // tablet's attempts apart from others at its address (docs/security.md); nothing else
  // sends cookies.
  deviceToken: (body, language) => call("POST", "/auth/device-token", { body, language, credentials: "same-origin" }),
  package: (token, etag, language) =>
    call("GET", "/field/package", { token, language, roomFactor: 3, headers: etag ? { "If-None-Match": etag } : {} }),
  submit: (token, body, language) => call("POST", "/field/submissions", { token, body, language }),
  // Several records in one request: one result per record (docs/field-api.md).
  submitBatch: (token, submissions, language) =>
    call("POST", "/field/submissions/batch", { token, body: { submissions }, language }),
  receipt: (token, uuid, language) => call("GET", `/field/receipts/${encodeURIComponent(uuid)}`, { token, language }),
  // The receipts of several (up to 100) in one request: one per UUID, null where none.
  receipts: (token, uuids, language) => call("POST", "/field/receipts", { token, body: { uuids }, language }),
  // A finished media item answers at the records' receipt endpoint (docs/field-api.md).
  mediaReceipt: (token, uuid, language) => call("GET", `/field/receipts/${encodeURIComponent(uuid)}`, { token, language }),
};
