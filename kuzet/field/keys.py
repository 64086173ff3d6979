"""The server's key pair for records sealed on tablets, and opening their envelopes.

A finalized record leaves the tablet encrypted to the server's public key (RSA-OAEP with
SHA-256 wrapping a random AES-256-GCM key): the tablet cannot read it back. The private
key lives in ``KUZET_FIELD_PRIVATE_KEY_FILE`` and is created (RSA 3072, mode 0600) the
first time it is needed. Losing it makes every record sealed but not yet received
unreadable; earlier keys named in ``KUZET_FIELD_OLD_PRIVATE_KEY_FILES`` still open the
records sealed to them before a rotation.
"""

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

KEY_BITS = 3072
ALGORITHM = "RSA-OAEP-256+A256GCM"
ENVELOPE_VERSION = 1
OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


@dataclass(frozen=True)
class ServerKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    spki_der: bytes

    @property
    def spki_base64(self) -> str:
        return base64.b64encode(self.spki_der).decode("ascii")


class EnvelopeError(Exception):
    """An envelope that cannot be opened; ``code`` says why (never what it held)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _server_key(private_key: rsa.RSAPrivateKey) -> ServerKey:
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return ServerKey(
        kid=hashlib.sha256(der).hexdigest()[:16], private_key=private_key, spki_der=der
    )


def _read(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def _read_or_create(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        # O_EXCL: two processes starting together must not each write their own key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return key


@cache
def _keys(current: str, older: tuple[str, ...]) -> tuple[ServerKey, dict[str, ServerKey]]:
    key = _server_key(_read_or_create(Path(current)))
    by_kid = {key.kid: key}
    for path in older:
        old = _server_key(_read(Path(path)))
        by_kid.setdefault(old.kid, old)
    return key, by_kid


def current_key() -> ServerKey:
    """The key records are sealed to now (its public half goes in the package)."""
    return _keys(
        str(settings.FIELD_PRIVATE_KEY_FILE),
        tuple(str(p) for p in settings.FIELD_OLD_PRIVATE_KEY_FILES),
    )[0]


def key_for(kid: str) -> ServerKey | None:
    return _keys(
        str(settings.FIELD_PRIVATE_KEY_FILE),
        tuple(str(p) for p in settings.FIELD_OLD_PRIVATE_KEY_FILES),
    )[1].get(kid)


def content_hash(key: str, iv: str, ct: str) -> str:
    """SHA-256 (hex) of ``key + "." + iv + "." + ct`` as sent: what a receipt confirms."""
    return hashlib.sha256(f"{key}.{iv}.{ct}".encode()).hexdigest()


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise EnvelopeError("malformed_envelope") from None


def open_envelope(*, kid: str, key: str, iv: str, ct: str) -> bytes:
    """The plaintext of a sealed record; raises EnvelopeError when it cannot be opened."""
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
    try:
        return AESGCM(data_key).decrypt(nonce, ciphertext, None)
    except InvalidTag:
        raise EnvelopeError("tampered") from None
