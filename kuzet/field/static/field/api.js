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

async function call(method, path, { token, body, headers = {}, language } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, cache: "no-store", credentials: "omit" };
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
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  return { status: response.status, data, etag: response.headers.get("ETag") };
}

export function problemOf(reply) {
  return new ApiError(reply.status, reply.data);
}

export const api = {
  deviceToken: (body, language) => call("POST", "/auth/device-token", { body, language }),
  package: (token, etag, language) =>
    call("GET", "/field/package", { token, language, headers: etag ? { "If-None-Match": etag } : {} }),
  submit: (token, body, language) => call("POST", "/field/submissions", { token, body, language }),
  receipt: (token, uuid, language) => call("GET", `/field/receipts/${encodeURIComponent(uuid)}`, { token, language }),
  // A finished media item answers at the records' receipt endpoint (docs/field-api.md).
  mediaReceipt: (token, uuid, language) => call("GET", `/field/receipts/${encodeURIComponent(uuid)}`, { token, language }),
};
