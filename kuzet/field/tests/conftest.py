"""The field API's tests talk to it over HTTP as a tablet does: a device token, the
package, records sealed exactly as the browser seals them (RSA-OAEP SHA-256 wrapping an
AES-256-GCM key, with the public key taken from the package)."""

import base64
import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.test import Client

from kuzet.field.services import device_token_issue
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.services import instrument_version_import, instrument_version_publish
from kuzet.instruments.tests.xlsforms import xlsform
from kuzet.people.models import User
from kuzet.registry.models import Norm
from kuzet.visits.tests.conftest import in_english, leader, member, visit  # noqa: F401

API = "/api/v1"


@pytest.fixture(scope="session")
def server_key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One server key for the whole run (created by the code under test on first use)."""
    return tmp_path_factory.mktemp("field-key") / "field-private-key.pem"


@pytest.fixture(autouse=True)
def server_key(settings: Any, server_key_path: Path) -> Path:
    settings.FIELD_PRIVATE_KEY_FILE = server_key_path
    settings.FIELD_OLD_PRIVATE_KEY_FILES = []
    return server_key_path


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

    def headers(self, **extra: str) -> dict[str, str]:
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

    def seal(self, rec: dict[str, Any] | bytes) -> dict[str, Any]:
        key = self.package()["server_key"]
        plaintext = rec if isinstance(rec, bytes) else json.dumps(rec).encode("utf-8")
        return seal_bytes(plaintext, spki=key["spki"], kid=key["kid"])

    def send(self, submission_uuid: str, envelope: dict[str, Any]) -> Any:
        return self.post("/field/submissions", {"uuid": submission_uuid, "envelope": envelope})

    def submit(self, rec: dict[str, Any]) -> Any:
        return self.send(rec["uuid"], self.seal(rec))


@pytest.fixture
def device_for(db: Any) -> Callable[[User], Device]:
    def make(user: User) -> Device:
        _row, token = device_token_issue(user=user, name="Tablet 3")
        return Device(token=token)

    return make


def publish(actor: User, **settings: str) -> InstrumentVersion:
    Norm.objects.get_or_create(
        code="UN-SMR-13", defaults={"title_ru": "Размещение", "text_ru": "Помещения …"}
    )
    outcome = instrument_version_import(data=xlsform(settings=settings or None), actor=actor)
    assert outcome.version is not None, outcome.errors
    return instrument_version_publish(version=outcome.version, actor=actor)


@pytest.fixture
def checklist(secretariat: User) -> InstrumentVersion:
    """The test checklist of kuzet/instruments/tests/xlsforms.py, for ИВС."""
    return publish(secretariat)


# Complete, valid answers to that checklist (one non-compliant item).
COMPLETE_ANSWERS = {
    "force_register": "non_compliant",
    "force_details": "Журнал не ведётся с марта",
    "population": 12,
    "cells": [{"cell_no": "4", "people": 3, "beds": 2}],
}
