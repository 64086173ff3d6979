"""ODK Collect against the OpenRosa server, as Collect behaves: sign in with an app
password, read the form list and download the forms, HEAD preflight, submit plain and
encrypted records with a photo, in one POST or several, resend after a lost answer; and
every bad input gets an OpenRosa error with nothing half-stored."""

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from kuzet.field.models import Submission
from kuzet.field.services import device_token_issue, device_token_revoke
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.services import instrument_version_import, instrument_version_publish
from kuzet.instruments.tests.odk_corpus import HOUSEHOLD
from kuzet.openrosa.models import HeldSubmission, OdkSubmission
from kuzet.openrosa.tests.collect import Collect, encrypt, fill, message_of
from kuzet.people.models import User
from kuzet.visits.models import MediaEvidence, Response, Visit

pytestmark = pytest.mark.django_db


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def household(secretariat: User) -> InstrumentVersion:
    """A standard XLSForm with a photo question, published (meant for every type)."""
    outcome = instrument_version_import(
        data=HOUSEHOLD, actor=secretariat, filename="Household_Survey.xlsx"
    )
    assert outcome.version is not None
    return instrument_version_publish(version=outcome.version, actor=secretariat)


@pytest.fixture
def collect(member: User, visit: Visit, household: InstrumentVersion) -> Collect:
    _row, token = device_token_issue(user=member, name="ODK: tablet")
    return Collect(Client(), member.username, token)


def household_answers() -> dict[str, str]:
    return {"respondent": "Дежурный", "age": "42", "consent": "yes", "visit_date": "2026-12-01",
            "location": "43.238 76.945 800 5", "photo": "1712345.jpg"}  # fmt: skip


def entry_for(collect: Collect, code: str) -> dict[str, str]:
    return next(e for e in collect.form_list() if e["formID"].startswith(code + "."))


def test_without_an_app_password_collect_is_asked_to_sign_in(
    collect: Collect, member: User
) -> None:
    anonymous = Client().get("/openrosa/formList", secure=True)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Basic")
    assert anonymous["X-OpenRosa-Version"] == "1.0"
    # the account's own password is not an app password
    member.set_password("a-long-account-password")
    member.save()
    assert Collect(Client(), member.username, "a-long-account-password").head().status_code == 401
    # Basic over plain http is refused
    plain = Client().get(
        "/openrosa/formList", HTTP_AUTHORIZATION=collect._auth()["HTTP_AUTHORIZATION"]
    )
    assert plain.status_code == 403


def test_form_list_has_the_visits_forms_with_their_hash_and_the_forms_validate(
    collect: Collect, visit: Visit
) -> None:
    entries = collect.form_list()
    entry = entry_for(collect, "household_survey")
    assert entry["formID"] == f"household_survey.visit-{visit.pk}"
    assert entry["version"] == "1"
    assert "ИВС Алмалинского района" in entry["name"]
    assert all(e["hash"].startswith("md5:") for e in entries)
    form = collect.download(entry)
    assert form.public_key  # Collect will encrypt
    assert form.root.find(".//{http://www.w3.org/2002/xforms}bind[@type='binary']") is not None
    manifest = collect.get(entry["manifestUrl"])
    assert manifest.status_code == 200 and b"xformsManifest" in manifest.content
    only = collect.get(f"/openrosa/formList?formID={entry['formID']}")
    assert only.content.count(b"<xform>") == 1


def test_a_user_not_on_the_visit_gets_no_form(
    make_user: Callable[..., User], household: InstrumentVersion, visit: Visit
) -> None:
    from kuzet.core.policy import Role

    outsider = make_user(Role.PARTICIPANT, username="outsider")
    _row, token = device_token_issue(user=outsider, name="ODK")
    other = Collect(Client(), outsider.username, token)
    assert other.form_list() == []
    assert (
        other.get(f"/openrosa/forms/household_survey.visit-{visit.pk}/form.xml").status_code == 404
    )


def test_head_preflight_answers_204_with_the_accepted_length(collect: Collect) -> None:
    answer = collect.head()
    assert answer.status_code == 204
    assert int(answer["X-OpenRosa-Accept-Content-Length"]) > 1_000_000


def test_a_plain_submission_with_a_photo_becomes_a_response_and_evidence(
    collect: Collect, visit: Visit
) -> None:
    form = collect.download(entry_for(collect, "household_survey"))
    xml, instance_id = fill(form, household_answers())
    photo = jpeg()
    [answer] = collect.submit(xml, {"1712345.jpg": photo})
    assert answer.status_code == 201, answer.content
    assert message_of(answer)[0] == "submit_success"
    response = Response.objects.get(visit=visit)
    assert response.answers["age"] == 42 and response.answers["location"] == [
        43.238,
        76.945,
        800.0,
        5.0,
    ]
    submission = Submission.objects.get(visit=visit)
    assert str(submission.uuid) == instance_id.removeprefix("uuid:")
    item = MediaEvidence.objects.get(visit=visit)
    assert item.sha256 == hashlib.sha256(photo).hexdigest()
    # Resent after a lost answer: accepted, nothing new.
    [again] = collect.submit(xml, {"1712345.jpg": photo})
    assert again.status_code == 201 and "already" in message_of(again)[1]
    assert Response.objects.count() == 1 and MediaEvidence.objects.count() == 1


def test_an_encrypted_submission_with_a_photo_split_over_two_posts_is_opened_and_verified(
    collect: Collect, visit: Visit
) -> None:
    form = collect.download(entry_for(collect, "household_survey"))
    xml, instance_id = fill(form, household_answers())
    photo = jpeg()
    manifest, files = encrypt(form, xml, instance_id, {"1712345.jpg": photo})
    # Collect's split: each POST within the accepted length, the XML repeated.
    first = collect.post(manifest, {"1712345.jpg.enc": files["1712345.jpg.enc"]})
    assert first.status_code == 201 and "waiting for 1" in message_of(first)[1]
    assert not Response.objects.exists() and not MediaEvidence.objects.exists()
    second = collect.post(manifest, {"submission.xml.enc": files["submission.xml.enc"]})
    assert second.status_code == 201 and message_of(second)[1] == "The submission was received."
    response = Response.objects.get(visit=visit)
    assert response.answers["respondent"] == "Дежурный"
    item = MediaEvidence.objects.get(visit=visit)
    assert item.sha256 == hashlib.sha256(photo).hexdigest()
    odk = OdkSubmission.objects.get(instance_id=instance_id)
    assert odk.encrypted and odk.status == OdkSubmission.Status.RECEIVED and odk.staged == {}


def test_an_instance_id_reused_with_other_content_is_refused_and_held(collect: Collect) -> None:
    form = collect.download(entry_for(collect, "household_survey"))
    answers = {**household_answers(), "photo": ""}
    xml, instance_id = fill(form, answers)
    assert collect.post(xml).status_code == 201
    other, _ = fill(form, {**answers, "age": "43"}, instance_id=instance_id)
    answer = collect.post(other)
    assert answer.status_code == 409 and "kept for review" in message_of(answer)[1]
    held = HeldSubmission.objects.get()
    assert held.instance_id == instance_id and "43" in held.xml
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [
        (lambda form, xml: (b"<data id='x'><unclosed>", {}), 400, "not well-formed"),
        (
            lambda form, xml: (xml.replace(b'version="1"', b'version="99"'), {}),
            404,
            "no longer exists",
        ),
        (
            lambda form, xml: (xml.replace(b"household_survey.visit", b"nothing.visit"), {}),
            404,
            "no longer exists",
        ),
        (lambda form, xml: (xml.replace(b"<age>42</age>", b"<age>7</age>"), {}), 400, "18"),
    ],
    ids=["malformed XML", "vanished version", "unknown form", "invalid answer"],
)
def test_bad_submissions_get_an_openrosa_error_and_store_nothing(
    collect: Collect, make: Callable, status: int, words: str
) -> None:
    form = collect.download(entry_for(collect, "household_survey"))
    xml, _id = fill(form, {**household_answers(), "photo": ""})
    bad, files = make(form, xml)
    answer = collect.post(bad, files)
    assert answer.status_code == status, answer.content
    assert words in message_of(answer)[1]
    assert not Response.objects.exists() and not OdkSubmission.objects.exists()


def test_an_attachment_without_its_submission_is_refused(collect: Collect) -> None:
    answer = collect.client.post(
        "/openrosa/submission", {"photo.jpg": io.BytesIO(jpeg())}, secure=True, **collect._auth()
    )
    assert answer.status_code == 400 and "xml_submission_file" in message_of(answer)[1]


def test_an_encrypted_submission_that_does_not_decrypt_is_refused_and_nothing_kept(
    collect: Collect,
) -> None:
    form = collect.download(entry_for(collect, "household_survey"))
    xml, instance_id = fill(form, household_answers())
    manifest, files = encrypt(form, xml, instance_id, {"1712345.jpg": jpeg()})
    files["submission.xml.enc"] = files["submission.xml.enc"][:-16] + bytes(16)
    answer = collect.post(manifest, files)
    assert answer.status_code == 400 and "could not be opened" in message_of(answer)[1]
    assert not OdkSubmission.objects.exists() and not MediaEvidence.objects.exists()


def test_an_oversized_attachment_is_refused(collect: Collect, settings: object) -> None:
    settings.KUZET_MEDIA_MAX_BYTES = 100  # type: ignore[attr-defined]
    form = collect.download(entry_for(collect, "household_survey"))
    xml, _id = fill(form, household_answers())
    answer = collect.post(xml, {"1712345.jpg": jpeg()})
    assert answer.status_code == 413
    assert not OdkSubmission.objects.exists()


def test_a_revoked_app_password_no_longer_signs_in(collect: Collect, member: User) -> None:
    device = member.device_tokens.get()
    device_token_revoke(actor=member, device=device)
    assert collect.head().status_code == 401


def test_the_connect_page_makes_an_app_password_with_a_settings_qr_code(
    member: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(member)
    page = client.get("/openrosa/connect/")
    assert page.status_code == 200
    made = client.post("/openrosa/connect/", {"name": "Tablet"})
    assert made.status_code == 200
    assert b"<svg" in made.content and b"kzt_" in made.content
    assert member.device_tokens.get().name == "ODK: Tablet"


def test_every_instrument_of_the_standard_library_has_a_valid_xform(
    member: User, visit: Visit
) -> None:
    """pyxform converts each (its own checks); every bind points into the primary instance
    and the form carries the server key."""
    import xml.etree.ElementTree as ET

    from django.core.management import call_command

    from kuzet.openrosa.xforms import xform

    call_command("load_library", stdout=io.StringIO())
    versions = InstrumentVersion.objects.published().select_related("instrument")
    assert versions.count() >= 10
    xf = "{http://www.w3.org/2002/xforms}"
    for version in versions:
        root = ET.fromstring(  # noqa: S314  (the server's answer)
            xform(version, visit).encode("utf-8")
        )
        instance = root.find(f".//{xf}model/{xf}instance")
        assert instance is not None
        [data] = list(instance)
        paths = {"/" + "/".join(p) for p in _paths(data, [])}
        for bind in root.iter(f"{xf}bind"):
            assert bind.get("nodeset") in paths, (version.instrument.code, bind.get("nodeset"))
        submission = root.find(f".//{xf}submission")
        assert submission is not None and submission.get("base64RsaPublicKey")


def _paths(node: "object", prefix: list[str]) -> list[list[str]]:
    import xml.etree.ElementTree as ET

    assert isinstance(node, ET.Element)
    here = [*prefix, node.tag.rsplit("}", 1)[-1]]
    out = [here]
    for child in node:
        out += _paths(child, here)
    return out


def test_a_key_wrapped_with_mgf1_sha256_also_opens(collect: Collect, visit: Visit) -> None:
    """Providers differ on the MGF1 hash of Java's OAEPWithSHA256AndMGF1Padding."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    form = collect.download(entry_for(collect, "household_survey"))
    xml, instance_id = fill(form, {**household_answers(), "photo": ""})
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    manifest, files = encrypt(form, xml, instance_id, {}, oaep=oaep)
    answer = collect.post(manifest, files)
    assert answer.status_code == 201, answer.content
    assert Response.objects.get(visit=visit).answers["age"] == 42


def test_a_submission_encrypted_to_a_rotated_key_still_opens(
    collect: Collect, visit: Visit, tmp_path: Path, settings: Any
) -> None:
    form = collect.download(entry_for(collect, "household_survey"))  # the key of before
    xml, instance_id = fill(form, {**household_answers(), "photo": ""})
    manifest, files = encrypt(form, xml, instance_id, {})
    settings.FIELD_OLD_PRIVATE_KEY_FILES = [settings.FIELD_PRIVATE_KEY_FILE]
    settings.FIELD_PRIVATE_KEY_FILE = tmp_path / "new-key.pem"

    assert collect.download(entry_for(collect, "household_survey")).public_key != form.public_key
    answer = collect.post(manifest, files)
    assert answer.status_code == 201, answer.content
    assert Response.objects.get(visit=visit).answers["age"] == 42


def test_a_tampered_encrypted_photo_fails_the_signature(collect: Collect) -> None:
    form = collect.download(entry_for(collect, "household_survey"))
    xml, instance_id = fill(form, household_answers())
    manifest, files = encrypt(form, xml, instance_id, {"1712345.jpg": jpeg()})
    _other_manifest, other_files = encrypt(
        form, xml, instance_id, {"1712345.jpg": jpeg()[:-2] + b"\x00\x00"}
    )
    # the photo of another encryption: decrypts under the wrong key into garbage or fails
    files["1712345.jpg.enc"] = other_files["1712345.jpg.enc"]
    answer = collect.post(manifest, files)
    assert answer.status_code == 400 and "could not be opened" in message_of(answer)[1]
    assert not MediaEvidence.objects.exists() and not Response.objects.exists()


def test_a_submission_on_an_approved_visit_is_refused(collect: Collect, visit: Visit) -> None:
    form = collect.download(entry_for(collect, "household_survey"))
    xml, _id = fill(form, {**household_answers(), "photo": ""})
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)
    answer = collect.post(xml)
    assert answer.status_code == 403
    assert not OdkSubmission.objects.exists()


def test_the_repeat_and_the_checklist_answers_arrive_as_the_field_app_sends_them(
    member: User, visit: Visit, checklist: InstrumentVersion
) -> None:
    _row, token = device_token_issue(user=member, name="ODK")
    collect = Collect(Client(), member.username, token)
    form = collect.download(entry_for(collect, "test-checklist"))
    values = {
        "force_register": "partly",
        "force_details": "Журнал неполный",
        "population": "12",
        "methods": "beating threats",
    }
    xml, _id = fill(
        form,
        values,
        repeats={
            "cells": [{"cell_no": "1", "people": "3", "beds": "4"}, {"cell_no": "2", "people": "0"}]
        },
    )
    answer = collect.post(xml)
    assert answer.status_code == 201, answer.content
    response = Response.objects.get(visit=visit)
    assert response.answers["methods"] == ["beating", "threats"]
    assert response.answers["cells"] == [
        {"cell_no": "1", "people": 3, "beds": 4},
        {"cell_no": "2", "people": 0},
    ]
