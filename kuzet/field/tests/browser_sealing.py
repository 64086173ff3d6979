"""Sealing a record for the field API in Python, exactly as the browser's crypto.js does
(envelope v2 when the package offers its key, else v1: RSA-OAEP with SHA-256 wrapping a
random AES-256-GCM key), for tests that must put a record on the server the way a second
tablet would."""

import base64
import json
import os
import urllib.request
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kuzet.field.tests.device import seal_bytes_v2


def _get(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310  (the test's own server)
        return json.loads(response.read())


def seal(server_key: dict[str, str], record: dict[str, Any]) -> dict[str, Any]:
    public_key = serialization.load_der_public_key(base64.b64decode(server_key["spki"]))
    assert isinstance(public_key, rsa.RSAPublicKey)
    key = AESGCM.generate_key(bit_length=256)
    iv = os.urandom(12)
    ct = AESGCM(key).encrypt(iv, json.dumps(record, ensure_ascii=False).encode(), None)
    wrapped = public_key.encrypt(
        key,
        padding.OAEP(
            mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        ),
    )
    b64 = lambda data: base64.b64encode(data).decode("ascii")  # noqa: E731
    return {"v": 1, "alg": "RSA-OAEP-256+A256GCM", "kid": server_key["kid"],
            "key": b64(wrapped), "iv": b64(iv), "ct": b64(ct)}  # fmt: skip


def seal_record(base: str, token: str, record_uuid: str, note: str) -> dict[str, Any]:
    """A staff interview on the user's first visit, sealed with the server's key."""
    package = _get(f"{base}/api/v1/field/package", token)
    now = datetime.now(UTC).isoformat()
    record = {
        "uuid": record_uuid,
        "type": "interview",
        "visit": package["visits"][0]["id"],
        "created_at": now,
        "finalized_at": now,
        "device": "second tablet",
        "data": {
            "kind": "staff", "conducted_at": now, "person_code": "", "identity": {},
            "consent_interview": True, "consent_quote": False, "consent_identify": False,
            "consent_transmit": False, "vulnerabilities": [], "fears_reprisals": None,
            "reprisal_risk": "unknown", "follow_up_on": None, "notes": note,
        },
    }  # fmt: skip
    if "server_key_v2" in package:
        key = package["server_key_v2"]
        plaintext = json.dumps(record, ensure_ascii=False).encode()
        return seal_bytes_v2(plaintext, spki=key["spki"], kid=key["kid"])
    return seal(package["server_key"], record)
