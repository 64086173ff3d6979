// Encryption on the device, with WebCrypto only (no library).
//
// - A passphrase set on first use derives a key-encryption key (PBKDF2-SHA-256) that wraps
//   a random 256-bit data key (AES-GCM). Every record in IndexedDB is encrypted with the
//   data key, a fresh 96-bit IV each time. A wrong passphrase fails to unwrap (the GCM tag
//   does not verify): nothing is changed.
// - A finalized record is sealed to the server's public key and the device cannot open it
//   again, even with the passphrase (docs/field-api.md, "Sealing"). Envelope v2 when the
//   package offers a P-256 key (server_key_v2): a fresh ephemeral P-256 key per record,
//   ECDH with the server's key, HKDF-SHA-256 derives the AES-256-GCM key; the ephemeral
//   private key is dropped. Envelope v1 otherwise: a random AES-256-GCM key encrypts the
//   record, RSA-OAEP (SHA-256) wraps that key, and the plain key is dropped.

const PBKDF2_ITERATIONS = 600000; // OWASP's 2023 figure for PBKDF2-HMAC-SHA256
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

async function keyEncryptionKey(passphrase, salt, iterations) {
  const material = await crypto.subtle.importKey("raw", encoder.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

/** A new vault: the wrapped data key and what is needed to unwrap it; and the key itself. */
export async function createVault(passphrase) {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const kek = await keyEncryptionKey(passphrase, salt, PBKDF2_ITERATIONS);
  const dataKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  const wrapped = await crypto.subtle.wrapKey("raw", dataKey, kek, { name: "AES-GCM", iv });
  const vault = { salt, iv, wrapped: new Uint8Array(wrapped), iterations: PBKDF2_ITERATIONS, created_at: new Date().toISOString() };
  return { vault, key: await openVault(passphrase, vault) };
}

/** The data key (not extractable), or an error for a wrong passphrase. */
export async function openVault(passphrase, vault) {
  const kek = await keyEncryptionKey(passphrase, vault.salt, vault.iterations);
  try {
    return await crypto.subtle.unwrapKey("raw", vault.wrapped, kek, { name: "AES-GCM", iv: vault.iv },
      { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
  } catch {
    throw new WrongPassphrase();
  }
}

export class WrongPassphrase extends Error {}

export async function encryptJSON(key, value) {
  const iv = randomBytes(12);
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(JSON.stringify(value)));
  return { iv, ct: new Uint8Array(ct) };
}

export async function decryptJSON(key, sealed) {
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, key, sealed.ct);
  return JSON.parse(decoder.decode(plain));
}

export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The content hash both sides compute for a sealed record (docs/field-api.md). */
export function envelopeHash(envelope) {
  return sha256Hex(`${envelope.key}.${envelope.iv}.${envelope.ct}`);
}

/** Seal ``record`` to the server's public key; nothing on the device can open it again.
 *  ``pkg`` is the package (or anything with its ``server_key`` and ``server_key_v2``):
 *  envelope v2 when it offers a v2 key, v1 otherwise. */
export function sealForServer(pkg, record) {
  return pkg.server_key_v2 ? sealV2(pkg.server_key_v2, record) : sealV1(pkg.server_key, record);
}

/** Envelope v1: RSA-OAEP (SHA-256) wrapping a random AES-256-GCM key. */
export async function sealV1(serverKey, record) {
  const publicKey = await crypto.subtle.importKey("spki", fromBase64(serverKey.spki),
    { name: "RSA-OAEP", hash: "SHA-256" }, false, ["wrapKey"]);
  const recordKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  const iv = randomBytes(12);
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, recordKey, encoder.encode(JSON.stringify(record)));
  const wrapped = await crypto.subtle.wrapKey("raw", recordKey, publicKey, { name: "RSA-OAEP" });
  return {
    v: 1,
    alg: "RSA-OAEP-256+A256GCM",
    kid: serverKey.kid,
    key: toBase64(wrapped),
    iv: toBase64(iv),
    ct: toBase64(ct),
  };
}

const V2_SALT = encoder.encode("kuzet-envelope-v2");

/** Envelope v2: ECDH-ES on P-256 with an ephemeral key, HKDF-SHA-256, AES-256-GCM.
 *  HKDF: salt "kuzet-envelope-v2", info = the ephemeral public key (65 bytes, uncompressed)
 *  followed by the kid (ASCII); ``key`` carries that ephemeral public key. */
export async function sealV2(serverKey, record) {
  const publicKey = await crypto.subtle.importKey("spki", fromBase64(serverKey.spki),
    { name: "ECDH", namedCurve: "P-256" }, false, []);
  const ephemeral = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  const ephemeralPublic = new Uint8Array(await crypto.subtle.exportKey("raw", ephemeral.publicKey));
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: publicKey }, ephemeral.privateKey, 256);
  const material = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  const kid = encoder.encode(serverKey.kid);
  const info = new Uint8Array(ephemeralPublic.length + kid.length);
  info.set(ephemeralPublic);
  info.set(kid, ephemeralPublic.length);
  const recordKey = await crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: V2_SALT, info }, material,
    { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
  const iv = randomBytes(12);
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, recordKey, encoder.encode(JSON.stringify(record)));
  return {
    v: 2,
    alg: "ECDH-ES+HKDF-SHA256+A256GCM",
    kid: serverKey.kid,
    key: toBase64(ephemeralPublic),
    iv: toBase64(iv),
    ct: toBase64(ct),
  };
}
