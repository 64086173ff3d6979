"""The server's key pairs for records sealed on tablets, and opening their envelopes.

A finalized record leaves the tablet encrypted to one of the server's public keys: the
tablet cannot read it back. Each envelope version has its own kind of key, in its own file:

- v1, ``RSA-OAEP-256+A256GCM`` (and ODK Collect's submissions, ``kuzet.openrosa.crypto``):
  an RSA 3072 key in ``KUZET_FIELD_PRIVATE_KEY_FILE``;
- v2, ``ECDH-ES+HKDF-SHA256+A256GCM`` (what the app seals with now): a P-256 key in
  ``KUZET_FIELD_EC_PRIVATE_KEY_FILE``.

Each file holds one PEM private key and is created (mode 0600) the first time it is needed.
A key's kid is the first 16 hex digits of the SHA-256 of its public key (DER); the field
package carries the public half of both current keys. To rotate one: move its file aside,
name it in ``KUZET_FIELD_OLD_PRIVATE_KEY_FILES`` (v1) or
``KUZET_FIELD_OLD_EC_PRIVATE_KEY_FILES`` (v2), restart. A new key is created and handed out;
records sealed to the old one still open by their kid. Losing a key makes every record
sealed to it but not yet received unreadable. Keys are read once per process
(``reset_keys()`` forgets them).
"""

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Generic, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

KEY_BITS = 3072
ALGORITHM = "RSA-OAEP-256+A256GCM"
ENVELOPE_VERSION = 1
OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)
ALGORITHM_V2 = "ECDH-ES+HKDF-SHA256+A256GCM"
ENVELOPE_VERSION_V2 = 2
# HKDF-SHA256 of v2: this salt, and as info the ephemeral public key (65 bytes) then the kid.
HKDF_SALT_V2 = b"kuzet-envelope-v2"
EPHEMERAL_KEY_BYTES = 65  # an uncompressed P-256 point: 0x04 || X || Y
ALGORITHMS = {ENVELOPE_VERSION: ALGORITHM, ENVELOPE_VERSION_V2: ALGORITHM_V2}

PrivateKey = TypeVar("PrivateKey", rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)


@dataclass(frozen=True)
class ServerKey(Generic[PrivateKey]):
    """One of the server's keys: RSA for envelope v1, P-256 for v2."""

    kid: str
    private_key: PrivateKey
    spki_der: bytes

    @property
    def spki_base64(self) -> str:
        return base64.b64encode(self.spki_der).decode("ascii")


@dataclass(frozen=True)
class Keyring(Generic[PrivateKey]):
    """The keys of one kind: the one records are sealed to now, and every key that still
    opens them by kid (the current one first, then the old ones in their setting's order)."""

    current: ServerKey[PrivateKey]
    by_kid: Mapping[str, ServerKey[PrivateKey]]


class EnvelopeError(Exception):
    """An envelope that cannot be opened; ``code`` says why (never what it held)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _server_key(private_key: PrivateKey) -> ServerKey[PrivateKey]:
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = hashlib.sha256(der).hexdigest()[:16]
    return ServerKey(kid=kid, private_key=private_key, spki_der=der)


def _read_rsa(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def _generate_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _read_p256(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError(f"{path} does not hold a P-256 private key")
    return key


def _generate_p256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _read_or_create(
    path: Path, read: Callable[[Path], PrivateKey], generate: Callable[[], PrivateKey]
) -> PrivateKey:
    if path.exists():
        return read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        # O_EXCL: two processes starting together must not each write their own key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read(path)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key


@cache
def _keyring(
    current: Path,
    older: tuple[Path, ...],
    read: Callable[[Path], PrivateKey],
    generate: Callable[[], PrivateKey],
) -> Keyring[PrivateKey]:
    """The key ring of these files, read once per process (the cache is keyed by the paths
    and by ``read`` and ``generate``, so these must be module functions, not lambdas)."""
    key = _server_key(_read_or_create(current, read, generate))
    by_kid = {key.kid: key}
    for path in older:
        old = _server_key(read(path))
        by_kid.setdefault(old.kid, old)
    return Keyring(current=key, by_kid=by_kid)


def rsa_keyring() -> Keyring[rsa.RSAPrivateKey]:
    """The RSA keys of envelope v1 (and of ODK Collect's submissions)."""
    return _keyring(
        Path(settings.FIELD_PRIVATE_KEY_FILE),
        tuple(Path(p) for p in settings.FIELD_OLD_PRIVATE_KEY_FILES),
        _read_rsa,
        _generate_rsa,
    )


def ec_keyring() -> Keyring[ec.EllipticCurvePrivateKey]:
    """The P-256 keys of envelope v2."""
    return _keyring(
        Path(settings.FIELD_EC_PRIVATE_KEY_FILE),
        tuple(Path(p) for p in settings.FIELD_OLD_EC_PRIVATE_KEY_FILES),
        _read_p256,
        _generate_p256,
    )


def reset_keys() -> None:
    """Forget the keys read so far: the next use reads (or creates) the files again."""
    _keyring.cache_clear()


def current_key() -> ServerKey[rsa.RSAPrivateKey]:
    """The RSA key records are sealed to with envelope v1 now (in the package too)."""
    return rsa_keyring().current


def key_for(kid: str) -> ServerKey[rsa.RSAPrivateKey] | None:
    return rsa_keyring().by_kid.get(kid)


def current_ec_key() -> ServerKey[ec.EllipticCurvePrivateKey]:
    """The P-256 key records are sealed to with envelope v2 now (in the package too)."""
    return ec_keyring().current


def ec_key_for(kid: str) -> ServerKey[ec.EllipticCurvePrivateKey] | None:
    return ec_keyring().by_kid.get(kid)


def content_hash(key: str, iv: str, ct: str) -> str:
    """SHA-256 (hex) of ``key + "." + iv + "." + ct`` as sent: what a receipt confirms
    (the same in both versions; in v2 ``key`` is the ephemeral public key)."""
    return hashlib.sha256(f"{key}.{iv}.{ct}".encode()).hexdigest()


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise EnvelopeError("malformed_envelope") from None


def open_envelope(*, kid: str, key: str, iv: str, ct: str, v: int = ENVELOPE_VERSION) -> bytes:
    """The plaintext of a sealed record of envelope version ``v`` (1 or 2); raises
    EnvelopeError when it cannot be opened. A ``kid`` naming no key of that version (also a
    key of the other version) is ``unknown_key``."""
    if v == ENVELOPE_VERSION_V2:
        return _open_v2(kid=kid, key=key, iv=iv, ct=ct)
    if v != ENVELOPE_VERSION:
        raise EnvelopeError("malformed_envelope")
    server_key = key_for(kid)
    if server_key is None:
        raise EnvelopeError("unknown_key")
    wrapped, nonce, ciphertext = _b64(key), _b64(iv), _b64(ct)
    if len(nonce) != 12 or len(ciphertext) < 16:
        raise EnvelopeError("malformed_envelope")
    try:
        data_key = server_key.private_key.decrypt(wrapped, OAEP)
    except ValueError:
        raise EnvelopeError("tampered") from None
    if len(data_key) != 32:
        raise EnvelopeError("malformed_envelope")
    return _decrypt(data_key, nonce, ciphertext)


def v2_data_key(shared_secret: bytes, ephemeral_key: bytes, kid: str) -> bytes:
    """The AES-256-GCM key of a v2 envelope: HKDF-SHA256 (RFC 5869) with the ECDH shared
    secret (the 32-byte X coordinate) as input key material, salt ``kuzet-envelope-v2``,
    info the 65 bytes of the uncompressed ephemeral public key followed by the ASCII kid."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=HKDF_SALT_V2,
        info=ephemeral_key + kid.encode("ascii"),
    ).derive(shared_secret)


def _open_v2(*, kid: str, key: str, iv: str, ct: str) -> bytes:
    server_key = ec_key_for(kid)
    if server_key is None:
        raise EnvelopeError("unknown_key")
    ephemeral, nonce, ciphertext = _b64(key), _b64(iv), _b64(ct)
    if (
        len(ephemeral) != EPHEMERAL_KEY_BYTES
        or ephemeral[0] != 0x04
        or len(nonce) != 12
        or len(ciphertext) < 16
    ):
        raise EnvelopeError("malformed_envelope")
    try:
        # Checks that the point is on the curve (P-256 has no small subgroups).
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ephemeral)
        shared = server_key.private_key.exchange(ec.ECDH(), peer)
    except ValueError:
        raise EnvelopeError("tampered") from None
    # The kid is ASCII here: it named a key of ours.
    return _decrypt(v2_data_key(shared, ephemeral, kid), nonce, ciphertext)


def _decrypt(data_key: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
    try:
        return AESGCM(data_key).decrypt(nonce, ciphertext, None)
    except InvalidTag:
        raise EnvelopeError("tampered") from None
