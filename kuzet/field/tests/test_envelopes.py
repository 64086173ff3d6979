"""Envelope v2 (ECDH-ES on P-256, HKDF-SHA256, AES-256-GCM) beside v1 (RSA-OAEP): sealed by
an independent Python implementation of docs/field-api.md and by the field app's own
crypto.js (run in Node, WebCrypto as in the browser), opened by the server; damaged ones
refused with the same codes as v1; a resend is byte for byte the same record; v1 still
opens; the P-256 key is created, published and rotated like the RSA one."""

import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kuzet.field import keys
from kuzet.field.models import Submission
from kuzet.field.tests.device import (
    Device,
    b64,
    content_hash,
    interview_record,
    seal_bytes_v2,
)
from kuzet.people.models import User
from kuzet.visits.models import Interview, Visit

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[1] / "static" / "field"
RUNNER = Path(__file__).with_name("seal_cases.mjs")


def assert_problem(reply: Any, status: int, code: str) -> dict[str, Any]:
    assert reply.status_code == status, reply.content
    body: dict[str, Any] = reply.json()
    assert body["code"] == code, body
    return body


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("KUZET_REQUIRE_BROWSER") == "1":
            pytest.fail("node is missing: CI must seal with the field app's crypto.js")
        pytest.skip("node is not installed")
    return node


def seal_in_node(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The field app's crypto.js seals each case's record (Node's WebCrypto)."""
    run = subprocess.run(
        [_node(), str(RUNNER), str(STATIC)], input=json.dumps(cases), capture_output=True,
        text=True, check=True, timeout=60,
    )  # fmt: skip
    results: list[dict[str, Any]] = json.loads(run.stdout)
    return results


def test_a_record_sealed_v2_is_stored_once_and_its_resend_answers_200(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    envelope = device.seal(rec)  # the package offers the v2 key: v2, as the app seals
    assert envelope["v"] == 2 and envelope["alg"] == "ECDH-ES+HKDF-SHA256+A256GCM"
    assert len(base64.b64decode(envelope["key"])) == 65

    first = device.send(rec["uuid"], envelope)
    again = device.send(rec["uuid"], json.loads(json.dumps(envelope)))

    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json() == first.json()
    assert first.json()["hash"] == content_hash(envelope)
    assert Interview.objects.count() == 1 and Submission.objects.count() == 1
    # Sealed again, the same record is other content (a new ephemeral key): a conflict.
    assert_problem(device.send(rec["uuid"], device.seal(rec)), 409, "conflict")


def test_v1_still_opens_beside_v2(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    old, new = interview_record(visit), interview_record(visit, code="B-11")
    v1 = device.seal(old, version=1)
    assert v1["v"] == 1 and v1["alg"] == "RSA-OAEP-256+A256GCM"

    assert device.send(old["uuid"], v1).status_code == 201
    assert device.send(new["uuid"], device.seal(new, version=2)).status_code == 201
    assert device.send(old["uuid"], v1).status_code == 200
    assert Interview.objects.count() == 2


def test_the_field_apps_crypto_js_seals_v2_when_offered_and_v1_otherwise(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    package = device.package()
    old_package = {"server_key": package["server_key"]}  # a package of before v2
    records = [interview_record(visit, code=f"J-{n}") for n in range(4)]
    sealed = seal_in_node([
        {"package": package, "record": records[0], "version": None},
        {"package": old_package, "record": records[1], "version": None},
        {"package": package, "record": records[2], "version": 2},
        {"package": package, "record": records[3], "version": 1},
    ])  # fmt: skip

    assert [s["envelope"]["v"] for s in sealed] == [2, 1, 2, 1]
    assert sealed[0]["envelope"]["kid"] == package["server_key_v2"]["kid"]
    assert sealed[1]["envelope"]["kid"] == package["server_key"]["kid"]
    for rec, result in zip(records, sealed, strict=True):
        first = device.send(rec["uuid"], result["envelope"])
        assert first.status_code == 201, first.content
        # The app's content hash is the receipt's: it deletes its copy on that.
        assert first.json()["hash"] == result["hash"] == content_hash(result["envelope"])
        assert device.send(rec["uuid"], result["envelope"]).status_code == 200
    assert sorted(Interview.objects.values_list("person__code", flat=True)) == [
        "J-0",
        "J-1",
        "J-2",
        "J-3",
    ]


def _flip(value: str, index: int) -> str:
    data = bytearray(base64.b64decode(value))
    data[index] ^= 0x01
    return b64(bytes(data))


def test_damaged_v2_envelopes_are_refused_with_the_codes_of_v1(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    envelope = device.seal(rec, version=2)
    package = device.package()
    point = base64.b64decode(envelope["key"])

    # The ephemeral key changed: off the curve, or another point (another derived key).
    assert_problem(device.send(rec["uuid"], {**envelope, "key": _flip(envelope["key"], 40)}),
                   400, "tampered")  # fmt: skip
    other_point = device.seal(rec, version=2)["key"]
    assert_problem(device.send(rec["uuid"], {**envelope, "key": other_point}), 400, "tampered")
    assert_problem(device.send(rec["uuid"], {**envelope, "iv": _flip(envelope["iv"], 0)}),
                   400, "tampered")  # fmt: skip
    assert_problem(device.send(rec["uuid"], {**envelope, "ct": _flip(envelope["ct"], -1)}),
                   400, "tampered")  # fmt: skip
    # Not an uncompressed point (the compressed form, a truncated one): malformed.
    compressed = bytes([2 + point[-1] % 2]) + point[1:33]
    for key in (b64(compressed), b64(point[:64]), envelope["key"][:-4]):
        assert_problem(device.send(rec["uuid"], {**envelope, "key": key}),
                       400, "malformed_envelope")  # fmt: skip
    # Sealed to another P-256 key pair under the server's kid: the tag does not verify.
    stranger = ec.generate_private_key(ec.SECP256R1()).public_key()
    spki = stranger.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = seal_bytes_v2(json.dumps(rec).encode(), spki=b64(spki), kid=envelope["kid"])
    assert_problem(device.send(rec["uuid"], forged), 400, "tampered")
    # Bound to the kid: the same envelope under another kid is no key of ours, and the
    # kid of the v1 key is not a v2 key (nor the v2 kid a v1 key).
    assert_problem(device.send(rec["uuid"], {**envelope, "kid": "f" * 16}), 400, "unknown_key")
    rsa_kid = package["server_key"]["kid"]
    assert_problem(device.send(rec["uuid"], {**envelope, "kid": rsa_kid}), 400, "unknown_key")
    v1 = device.seal(rec, version=1)
    assert_problem(device.send(rec["uuid"], {**v1, "v": 2, "alg": envelope["alg"],
                                             "kid": envelope["kid"]}), 400, "malformed_envelope")  # fmt: skip
    assert_problem(device.send(rec["uuid"], {**envelope, "v": 1, "alg": v1["alg"]}),
                   400, "unknown_key")  # fmt: skip
    # The version and the algorithm must agree.
    mismatch = assert_problem(
        device.send(rec["uuid"], {**envelope, "alg": "RSA-OAEP-256+A256GCM"}),
        422,
        "invalid_request",
    )
    assert "envelope.alg" in mismatch["fields"]
    assert_problem(device.send(rec["uuid"], {**envelope, "v": 3}), 422, "invalid_request")

    assert not Submission.objects.exists() and not Interview.objects.exists()
    assert device.send(rec["uuid"], envelope).status_code == 201


def test_the_package_offers_the_p256_key_beside_the_rsa_key(
    member: User, device_for: Callable[[User], Device], server_key: Path, settings: Any
) -> None:
    package = device_for(member).package()

    offered = package["server_key_v2"]
    der = base64.b64decode(offered["spki"])
    public_key = serialization.load_der_public_key(der)
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert isinstance(public_key.curve, ec.SECP256R1)
    assert offered["kid"] == hashlib.sha256(der).hexdigest()[:16]
    assert offered["kid"] != package["server_key"]["kid"]  # the RSA key stays for old apps
    private = serialization.load_pem_private_key(
        Path(settings.FIELD_EC_PRIVATE_KEY_FILE).read_bytes(), password=None
    )
    assert (
        private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == der
    )


def test_the_p256_key_is_created_once_with_mode_0600(tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "sub" / "field-ec-private-key.pem"
    settings.FIELD_EC_PRIVATE_KEY_FILE = path

    first = keys.current_ec_key()

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert isinstance(first.private_key.curve, ec.SECP256R1)
    before = path.read_bytes()
    keys.reset_keys()
    assert keys.current_ec_key().kid == first.kid and path.read_bytes() == before


def test_a_file_holding_another_kind_of_key_is_refused(
    tmp_path: Path, settings: Any, server_key: Path
) -> None:
    keys.current_key()  # the run's RSA key file exists
    settings.FIELD_EC_PRIVATE_KEY_FILE = server_key
    with pytest.raises(ValueError, match="P-256"):
        keys.current_ec_key()


def test_an_old_p256_key_still_opens_records_sealed_to_it(
    visit: Visit, member: User, device_for: Callable[[User], Device], tmp_path: Path, settings: Any
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    envelope = device.seal(rec, version=2)  # sealed to the key of before the rotation
    old_file = settings.FIELD_EC_PRIVATE_KEY_FILE
    settings.FIELD_EC_PRIVATE_KEY_FILE = tmp_path / "new-ec-key.pem"

    assert keys.current_ec_key().kid != envelope["kid"]
    assert_problem(device.send(rec["uuid"], envelope), 400, "unknown_key")
    settings.FIELD_OLD_EC_PRIVATE_KEY_FILES = [old_file]
    assert device.send(rec["uuid"], envelope).status_code == 201
    assert Device(token=device.token).package()["server_key_v2"]["kid"] == keys.current_ec_key().kid
