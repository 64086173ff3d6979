"""The rules docs/field-api.md states for a client ("Writing a client: the rules in full"),
each checked as the document says it."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from kuzet.field.tests.device import Device, b64, interview_record
from kuzet.field.tests.test_submissions import assert_problem
from kuzet.people.models import User
from kuzet.visits.models import CodedPerson, Interview, Visit

pytestmark = pytest.mark.django_db


def test_an_individual_interview_needs_a_person_code(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    body = assert_problem(
        device_for(member).submit(interview_record(visit, code="")), 422, "invalid_record"
    )
    assert "person" in body["fields"]
    assert Interview.objects.count() == 0


def test_medium_or_high_reprisal_risk_needs_a_follow_up_date(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    rec = interview_record(visit, reprisal_risk="medium", follow_up_on=None)
    body = assert_problem(device_for(member).submit(rec), 422, "invalid_record")
    assert "follow_up_on" in body["fields"]


def test_no_other_consent_without_consent_to_the_interview(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    rec = interview_record(
        visit, consent_interview=False, notes="", fears_reprisals=None, consent_transmit=True
    )
    body = assert_problem(device_for(member).submit(rec), 422, "invalid_record")
    assert "consent_interview" in body["fields"]


def test_a_reused_code_links_to_the_person_and_drops_the_new_identity(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    assert device.submit(interview_record(visit, code="B-1")).status_code == 201
    second = interview_record(
        visit, code="B-1", identity={"full_name": "Другое Имя", "birth_date": "", "cell": "9"}
    )
    assert device.submit(second).status_code == 201
    person = CodedPerson.objects.get()
    assert person.full_name != "Другое Имя" and person.cell != "9"
    assert list(Interview.objects.values_list("person", flat=True)) == [person.pk, person.pk]


def test_a_resealed_record_is_a_conflict_the_stored_envelope_a_resend(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    envelope = device.seal(rec)
    assert device.send(rec["uuid"], envelope).status_code == 201
    assert assert_problem(device.send(rec["uuid"], device.seal(rec)), 409, "conflict")["hash"]
    assert device.send(rec["uuid"], envelope).status_code == 200


def test_url_safe_or_unpadded_base64_is_a_malformed_envelope(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    envelope = device.seal(rec)
    unpadded = {**envelope, "iv": envelope["iv"].rstrip("=") + "A"}  # 17 characters
    assert_problem(device.send(rec["uuid"], unpadded), 400, "malformed_envelope")
    url_safe = {**envelope, "key": envelope["key"].replace("+", "-").replace("/", "_")}
    if url_safe["key"] != envelope["key"]:
        assert_problem(device.send(rec["uuid"], url_safe), 400, "malformed_envelope")
    assert device.send(rec["uuid"], envelope).status_code == 201


def test_a_ciphertext_over_4_mib_of_base64_is_refused_naming_the_field(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    envelope = {**device.seal(rec), "ct": b64(b"x" * (3 * 1024 * 1024 + 3))}
    assert len(envelope["ct"]) > 4 * 1024 * 1024
    body = assert_problem(device.send(rec["uuid"], envelope), 422, "invalid_request")
    assert "envelope.ct" in body["fields"]


def test_fields_of_the_wrong_type_are_named_unknown_fields_ignored(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    rec["visit"] = str(visit.pk)
    body = assert_problem(device.submit(rec), 422, "invalid_record")
    assert "visit" in body["fields"]
    rec = interview_record(visit, from_a_newer_app=True)
    rec["also_new"] = {"x": 1}
    assert device.submit(rec).status_code == 201


def test_a_value_outside_its_choices_list_is_named(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    package: dict[str, Any] = device.package()
    assert "reprisal_risks" in package["choices"]
    body = assert_problem(
        device.submit(interview_record(visit, kind="séance")), 422, "invalid_record"
    )
    assert "kind" in body["fields"]
    assert json.dumps(body).find("séance") == -1  # values sent are not echoed


@pytest.mark.parametrize("body", ["", "[]", '"a string"', "3", "null", '[{"uuid": "x"}]'])
@pytest.mark.parametrize(
    "path",
    ["/field/submissions", "/field/submissions/batch", "/field/receipts", "/auth/device-token"],
)
def test_a_body_that_is_empty_or_not_an_object_is_a_malformed_body(
    member: User, device_for: Callable[[User], Device], path: str, body: str
) -> None:
    found = assert_problem(device_for(member).post(path, body), 400, "malformed_body")
    assert found["title"] == "The request body must be a JSON object."
    assert "fields" not in found


def test_a_body_that_is_not_json_is_malformed_one_of_the_wrong_form_names_its_fields(
    member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    found = assert_problem(device.post("/field/submissions", "{not json"), 400, "malformed_body")
    assert found["title"] == "The request body is not valid JSON."
    found = assert_problem(
        device.post("/field/submissions", {"uuid": 5, "envelope": []}), 422, "invalid_request"
    )
    assert {path.split(".")[0] for path in found["fields"]} == {"uuid", "envelope"}
