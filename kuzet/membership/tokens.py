"""Links and codes: unguessable, derived from a random reference with the server's key,
so they can be sent again without being stored in clear."""

import base64
import hashlib
import hmac

from django.utils.crypto import get_random_string, salted_hmac

REFERENCE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """An application's reference: 12 characters of 32 (60 bits), shown to its owner."""
    return get_random_string(12, REFERENCE_CHARS)


def status_token(reference: str) -> str:
    """The private status link's token (128 bits)."""
    return salted_hmac("kuzet.membership.status", reference, algorithm="sha256").hexdigest()[:32]


def status_token_ok(reference: str, token: str) -> bool:
    return hmac.compare_digest(status_token(reference), token)


def mandate_code(mandate_number: str) -> str:
    """The mandate's short code: 80 bits in 16 characters of base32, grouped 4-4-4-4."""
    digest = salted_hmac("kuzet.membership.mandate", mandate_number, algorithm="sha256").digest()
    raw = base64.b32encode(digest[:10]).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii")).hexdigest()
