"""Opening submissions that ODK Collect (or Enketo) encrypted to the server's public key.

Collect, per finalized record: a random AES-256 key; each media file, then the record's
XML (``submission.xml``), encrypted with AES/CFB (128-bit segments) and PKCS#7 padding
under an IV that starts as MD5(instanceID ‖ key) and has byte ``i % 16`` incremented
before the ``i``-th file; the key wrapped with RSA-OAEP (SHA-256); a signature: the RSA-
OAEP-wrapped MD5 of ``formId\\n[version\\n]base64Key\\ninstanceID\\n`` followed by
``name::md5hex\\n`` for each file (media, then ``submission.xml``; names without ``.enc``,
MD5 of the plaintext). Java's ``OAEPWithSHA256AndMGF1Padding`` uses MGF1 with SHA-1 on
some providers and SHA-256 on others: both are tried. The key pair is the field app's
(``kuzet.field.keys``), so one private key opens what tablets and ODK clients seal.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

from kuzet.field import keys

OAEP_VARIANTS = (
    padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
    ),
    padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA256(), label=None),  # noqa: S303
)


class DecryptionFailed(Exception):
    """The submission does not open with the server's keys, or its signature does not match;
    ``code`` says which (never what it held)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Opened:
    xml: bytes
    media: dict[str, bytes]  # plaintext by file name (without .enc)


def public_key_base64() -> str:
    """The key ODK forms carry (X.509 SubjectPublicKeyInfo, base64)."""
    return keys.current_key().spki_base64


def _unwrap(wrapped: bytes) -> bytes:
    # The field app's RSA keys: the current one first, then the rotated ones.
    for server_key in keys.rsa_keyring().by_kid.values():
        for variant in OAEP_VARIANTS:
            try:
                return server_key.private_key.decrypt(wrapped, variant)
            except ValueError:
                continue
    raise DecryptionFailed("key_not_unwrapped")


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode("".join(value.split()).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise DecryptionFailed("malformed_manifest") from None


def _ivs(instance_id: str, key: bytes, count: int) -> list[bytes]:
    seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + key).digest())  # noqa: S324
    out = []
    for counter in range(count):
        seed[counter % 16] = (seed[counter % 16] + 1) % 256
        out.append(bytes(seed))
    return out


def _decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    decryptor = Cipher(algorithms.AES(key), CFB(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = symmetric_padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptionFailed("not_decrypted") from None


def open_submission(
    *,
    form_id: str,
    version: str | None,
    instance_id: str,
    base64_key: str,
    signature: str,
    media_names: list[str],
    xml_name: str,
    files: dict[str, bytes],
) -> Opened:
    """The plaintext of an encrypted submission whose signature matches; raises
    DecryptionFailed."""
    key = _unwrap(_b64(base64_key))
    if len(key) != 32:
        raise DecryptionFailed("key_not_unwrapped")
    names = [*media_names, xml_name]
    ivs = _ivs(instance_id, key, len(names))
    plain: dict[str, bytes] = {}
    for name, iv in zip(names, ivs, strict=True):
        plain[name] = _decrypt(key, iv, files[name])
    source = form_id + "\n"
    if version:
        source += version + "\n"
    source += f"{base64_key}\n{instance_id}\n"
    for name in names:
        digest = hashlib.md5(plain[name]).hexdigest()  # noqa: S324  (Collect's choice)
        source += f"{_plain_name(name)}::{digest}\n"
    expected = hashlib.md5(source.encode("utf-8")).digest()  # noqa: S324
    if _unwrap(_b64(signature)) != expected:
        raise DecryptionFailed("signature_mismatch")
    return Opened(
        xml=plain[xml_name],
        media={_plain_name(n): plain[n] for n in media_names},
    )


def _plain_name(name: str) -> str:
    return name[:-4] if name.endswith(".enc") else name
