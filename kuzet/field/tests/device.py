"""A tablet talking to the field API over HTTP: its device token, the package, and records
sealed exactly as the browser seals them, with the public key taken from the package:
envelope v2 (ECDH-ES on P-256, HKDF-SHA256, AES-256-GCM) when the package offers its key,
as the field app does; envelope v1 (RSA-OAEP SHA-256 wrapping an AES-256-GCM key) on demand."""

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.test import Client

from kuzet.visits.models import Visit

API = "/api/v1"
SECRET_NAME = "Секретбек Тайнович Скрытов"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def seal_bytes(plaintext: bytes, *, spki: str, kid: str) -> dict[str, Any]:
    """What the browser does: a random AES-256-GCM key, wrapped with RSA-OAEP (SHA-256)."""
    public_key = serialization.load_der_public_key(base64.b64decode(spki))
    assert isinstance(public_key, rsa.RSAPublicKey)
    data_key, iv = AESGCM.generate_key(bit_length=256), os.urandom(12)
    wrapped = public_key.encrypt(
        data_key,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    return {
        "v": 1,
        "alg": "RSA-OAEP-256+A256GCM",
        "kid": kid,
        "key": b64(wrapped),
        "iv": b64(iv),
        "ct": b64(AESGCM(data_key).encrypt(iv, plaintext, None)),
    }


def seal_bytes_v2(plaintext: bytes, *, spki: str, kid: str) -> dict[str, Any]:
    """Envelope v2 as docs/field-api.md describes it (independently of kuzet.field.keys): an
    ephemeral P-256 key, ECDH with the server's key, HKDF-SHA256 (salt "kuzet-envelope-v2",
    info = the uncompressed ephemeral public key then the kid) gives the AES-256-GCM key."""
    public_key = serialization.load_der_public_key(base64.b64decode(spki))
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    point = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    shared = ephemeral.exchange(ec.ECDH(), public_key)
    data_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kuzet-envelope-v2", info=point + kid.encode()
    ).derive(shared)
    iv = os.urandom(12)
    return {
        "v": 2,
        "alg": "ECDH-ES+HKDF-SHA256+A256GCM",
        "kid": kid,
        "key": b64(point),
        "iv": b64(iv),
        "ct": b64(AESGCM(data_key).encrypt(iv, plaintext, None)),
    }


def content_hash(envelope: dict[str, Any]) -> str:
    text = f"{envelope['key']}.{envelope['iv']}.{envelope['ct']}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(kind: str, visit_id: int, data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "type": kind,
        "visit": visit_id,
        "created_at": "2026-12-01T10:00:00+05:00",
        "finalized_at": "2026-12-01T10:30:00+05:00",
        "device": "Tablet 3",
        "data": data,
        **fields,
    }


@dataclass
class Device:
    """A signed-in tablet: its token and what it downloaded."""

    token: str
    language: str = "en"
    client: Client = field(default_factory=Client)
    _package: dict[str, Any] | None = None

    def headers(self, **extra: str) -> dict[str, Any]:
        return {
            "HTTP_AUTHORIZATION": f"Bearer {self.token}",
            "HTTP_ACCEPT_LANGUAGE": self.language,
            **extra,
        }

    def get(self, path: str, **extra: str) -> Any:
        return self.client.get(API + path, **self.headers(**extra))

    def post(self, path: str, body: Any, **extra: str) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(
            API + path, data, content_type="application/json", **self.headers(**extra)
        )

    def package(self) -> dict[str, Any]:
        if self._package is None:
            reply = self.get("/field/package")
            assert reply.status_code == 200, reply.content
            self._package = reply.json()
        return self._package

    def seal(self, rec: dict[str, Any] | bytes, *, version: int | None = None) -> dict[str, Any]:
        """Sealed as the field app seals: v2 when the package offers its key (or ``version``)."""
        package = self.package()
        plaintext = rec if isinstance(rec, bytes) else json.dumps(rec).encode("utf-8")
        if version == 1 or (version is None and "server_key_v2" not in package):
            key = package["server_key"]
            return seal_bytes(plaintext, spki=key["spki"], kid=key["kid"])
        key = package["server_key_v2"]
        return seal_bytes_v2(plaintext, spki=key["spki"], kid=key["kid"])

    def send(self, submission_uuid: str, envelope: dict[str, Any]) -> Any:
        return self.post("/field/submissions", {"uuid": submission_uuid, "envelope": envelope})

    def submit(self, rec: dict[str, Any]) -> Any:
        return self.send(rec["uuid"], self.seal(rec))


def interview_record(visit: Visit, code: str = "A-07", **data: Any) -> dict[str, Any]:
    return record(
        "interview",
        visit.pk,
        {
            "kind": "individual",
            "conducted_at": "2026-12-01T11:00:00+05:00",
            "person_code": code,
            "identity": {"full_name": SECRET_NAME, "birth_date": "1990-01-01", "cell": "12"},
            "consent_interview": True,
            "consent_quote": False,
            "consent_identify": False,
            "consent_transmit": True,
            "vulnerabilities": ["first_detention"],
            "fears_reprisals": True,
            "reprisal_risk": "high",
            "follow_up_on": "2027-01-15",
            "notes": "Рассказал об ударах при задержании",
            **data,
        },
    )


# Complete, valid answers to that checklist (one non-compliant item).
COMPLETE_ANSWERS = {
    "force_register": "non_compliant",
    "force_details": "Журнал не ведётся с марта",
    "population": 12,
    "cells": [{"cell_no": "4", "people": 3, "beds": 2}],
}
