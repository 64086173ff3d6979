"""Field-level encryption of sensitive data at rest (identities, interview notes, allegations).

Values are encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``)
under the keys of ``KUZET_FIELD_KEYS``: the first encrypts, all decrypt, so a new key is
put first and ``manage.py rotate_field_keys`` re-encrypts every stored value with it.
Without the variable a key is derived from ``KUZET_SECRET_KEY``.

``EncryptedTextField`` stores the ciphertext as text; the database never sees the value,
so these fields cannot be searched or sorted. The audit trail records that such a field
changed, never its value (``core.audit``).
"""

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "enc1:"


class DecryptionError(Exception):
    """A stored value that none of the configured keys opens (wrong or missing key)."""


@cache
def _fernet() -> MultiFernet:
    keys: list[bytes] = [k.encode("ascii") for k in settings.FIELD_KEYS]
    if not keys:
        digest = hashlib.sha256(
            b"kuzet-field-encryption:" + settings.SECRET_KEY.encode("utf-8")
        ).digest()
        keys = [base64.urlsafe_b64encode(digest)]
    return MultiFernet([Fernet(k) for k in keys])


def reset_keys() -> None:
    """Forget the cached keys (after the settings change, in tests and key rotation)."""
    _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return PREFIX + _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise DecryptionError("the stored value is not encrypted by Kuzet")
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionError("no configured key opens this value (KUZET_FIELD_KEYS)") from None


def rotate(stored: str) -> str:
    """The same value encrypted under the current (first) key."""
    return PREFIX + _fernet().rotate(stored[len(PREFIX) :].encode("ascii")).decode("ascii")


FILE_MAGIC = b"kuzet-enc1\n"


def encrypt_bytes(plaintext: bytes) -> bytes:
    """A stored file's content encrypted under the current field key (generated reports)."""
    return FILE_MAGIC + _fernet().encrypt(plaintext)


def decrypt_bytes(stored: bytes) -> bytes:
    if not stored.startswith(FILE_MAGIC):
        raise DecryptionError("the stored file is not encrypted by Kuzet")
    try:
        return _fernet().decrypt(stored[len(FILE_MAGIC) :])
    except InvalidToken:
        raise DecryptionError("no configured key opens this file (KUZET_FIELD_KEYS)") from None


def rotate_bytes(stored: bytes) -> bytes:
    """A stored file's content encrypted again under the current (first) key."""
    if not stored.startswith(FILE_MAGIC):
        raise DecryptionError("the stored file is not encrypted by Kuzet")
    try:
        return FILE_MAGIC + _fernet().rotate(stored[len(FILE_MAGIC) :])
    except InvalidToken:
        raise DecryptionError("no configured key opens this file (KUZET_FIELD_KEYS)") from None


class EncryptedTextField(models.TextField):
    """Text encrypted at rest; ``None`` stays NULL, everything else (even "") is encrypted."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(str(value))

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:  # pragma: no cover - guard
        raise TypeError("encrypted fields cannot be searched")

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        """The usual placeholder. Having one keeps Django's bulk inserts on PostgreSQL from
        sending each column as one array (``UNNEST``): psycopg escapes an array's strings
        in Python, 20 ciphertexts of 20 KB in 7.4 ms of CPU, against 0.7 ms for the same strings
        sent one by one (escaped in C; ``bench/bulk_insert_quoting.py``)."""
        return "%s"


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (object, list, …) encrypted at rest as its compact JSON text."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(decrypt(value))

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)
