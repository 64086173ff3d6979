"""Sealed records from a tablet: stored once through the visit services, in the user's
name; repeats, conflicts, damaged envelopes, broken rules and missing references."""

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import Role
from kuzet.field.models import Submission
from kuzet.field.tests.device import (
    COMPLETE_ANSWERS,
    SECRET_NAME,
    Device,
    content_hash,
    interview_record,
    record,
)
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.tests.xlsforms import xlsform_publish
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.visits.models import Allegation, CodedPerson, Finding, Interview, Response, Visit

pytestmark = pytest.mark.django_db


def finding_data(**data: Any) -> dict[str, Any]:
    return {
        "theme": "safeguards",
        "title": "Журнал применения силы не ведётся",
        "description": "Журнал применения силы не ведётся с марта, записи о трёх случаях отсутствуют.",
        "sources": ["documents", "detainees"],
        "good_practice": False,
        "severity": "high",
        "obstacle": "",
        "interviews": [],
        "items": [],
        "no_recommendation_reason": "",
        **data,
    }


def assert_problem(reply: Any, status: int, code: str) -> dict[str, Any]:
    assert reply.status_code == status, reply.content
    assert reply["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = reply.json()
    assert body["status"] == status and body["code"] == code
    return body


def test_an_interview_is_stored_once_through_the_service_in_the_users_name(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    envelope = device.seal(rec)

    first = device.send(rec["uuid"], envelope)

    assert first.status_code == 201, first.content
    receipt = first.json()
    assert receipt["uuid"] == rec["uuid"] and receipt["type"] == "interview"
    assert receipt["hash"] == content_hash(envelope)
    interview = Interview.objects.get()
    assert receipt["object_id"] == interview.pk
    assert interview.conducted_by == member and interview.reprisal_risk == "high"
    assert interview.person is not None and interview.person.code == "A-07"
    assert interview.person.full_name == SECRET_NAME  # decrypted by the field
    submission = Submission.objects.get()
    assert submission.user == member and submission.visit == visit
    assert submission.object_type == "visits.interview"
    # The audit trail names the user, not "system".
    created = AuditEvent.objects.get(object_type="visits.interview", action=AuditAction.CREATE)
    assert created.actor_id == member.pk and created.actor_username == "member"
    assert AuditEvent.objects.filter(
        object_type="field.submission", actor_id=member.pk, action=AuditAction.CREATE
    ).exists()

    again = device.send(rec["uuid"], envelope)
    assert again.status_code == 200
    assert again.json() == receipt
    assert Interview.objects.count() == 1 and CodedPerson.objects.count() == 1
    assert Submission.objects.count() == 1

    # The same record sealed again is different content (new key, new IV).
    other = device.send(rec["uuid"], device.seal(rec))
    body = assert_problem(other, 409, "conflict")
    assert body["hash"] == receipt["hash"]
    assert Interview.objects.count() == 1


def test_another_users_uuid_is_a_conflict_without_their_hash(
    visit: Visit, member: User, leader: User, device_for: Callable[[User], Device]
) -> None:
    rec = interview_record(visit)
    assert device_for(member).submit(rec).status_code == 201
    body = assert_problem(device_for(leader).submit(rec), 409, "conflict")
    assert "hash" not in body


def test_every_record_type_is_stored_through_its_service(
    visit: Visit,
    member: User,
    checklist: InstrumentVersion,
    device_for: Callable[[User], Device],
) -> None:
    device = device_for(member)
    interview = interview_record(visit)
    response = record(
        "response",
        visit.pk,
        {"version": checklist.pk, "interview": None, "answers": COMPLETE_ANSWERS},
    )
    finding = record(
        "finding",
        visit.pk,
        finding_data(
            interviews=[interview["uuid"]],
            items=[{"response": response["uuid"], "path": "force_register"}],
        ),
    )
    allegation = record(
        "allegation",
        visit.pk,
        {
            "person_code": "A-07",
            "kind": "ill_treatment",
            "occurred_on": "2026-11-28",
            "place": "ИВС, камера 12",
            "circumstances": "Удары при задержании, отказ в медицинской помощи",
            "perpetrator": "police",
            "methods": ["beating", "threats"],
            "injuries_observed": "Гематома на левом плече",
            "medical_documentation": False,
            "witnesses": "",
            "consent_transmit": True,
            "referral": "prosecutor",
            "extent": "unknown",
        },
    )
    addressee = Addressee.objects.get(code="dept-mia-police")
    recommendation = record(
        "recommendation",
        visit.pk,
        {
            "text_ru": "Обеспечить ведение журнала применения силы во всех ИВС области",
            "text_kk": "",
            "addressee": addressee.pk,
            "level": "department",
            "theme": "safeguards",
            "priority": "high",
            "deadline": "2027-06-01",
            "findings": [finding["uuid"]],
        },
    )

    for rec in (interview, response, finding, allegation, recommendation):
        reply = device.submit(rec)
        assert reply.status_code == 201, (rec["type"], reply.content)

    stored_response = Response.objects.get()
    assert stored_response.answers == COMPLETE_ANSWERS
    assert stored_response.started_by == member and stored_response.version == checklist
    stored_finding = Finding.objects.get()
    assert list(stored_finding.interviews.all()) == [Interview.objects.get()]
    assert [m.path for m in stored_finding.items.all()] == ["force_register"]
    stored_allegation = Allegation.objects.get()
    assert stored_allegation.person.code == "A-07" and stored_allegation.created_by == member
    stored_recommendation = Recommendation.objects.get()
    assert list(stored_recommendation.findings.all()) == [stored_finding]
    assert stored_recommendation.created_by == member
    for label in (
        "visits.interview",
        "visits.response",
        "visits.finding",
        "visits.allegation",
        "recommendations.recommendation",
    ):
        event = AuditEvent.objects.filter(object_type=label, action=AuditAction.CREATE).first()
        assert event is not None and event.actor_id == member.pk, label
    assert set(Submission.objects.values_list("type", flat=True)) == {
        "interview",
        "response",
        "finding",
        "allegation",
        "recommendation",
    }


@pytest.mark.parametrize("version", [1, 2])
def test_damaged_envelopes_are_400_and_store_nothing(
    visit: Visit, member: User, device_for: Callable[[User], Device], version: int
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    envelope = device.seal(rec, version=version)
    assert envelope["v"] == version

    ct = bytearray(__import__("base64").b64decode(envelope["ct"]))
    ct[5] ^= 0x01
    tampered = {**envelope, "ct": __import__("base64").b64encode(bytes(ct)).decode()}
    assert_problem(device.send(rec["uuid"], tampered), 400, "tampered")

    cut = {**envelope, "ct": envelope["ct"][:-8]}
    assert device.send(rec["uuid"], cut).status_code == 400

    other_key = {**envelope, "key": device.seal(rec, version=version)["key"]}
    assert_problem(device.send(rec["uuid"], other_key), 400, "tampered")

    assert_problem(device.send(rec["uuid"], {**envelope, "kid": "0" * 16}), 400, "unknown_key")
    assert_problem(device.send(rec["uuid"], {**envelope, "iv": "@@@"}), 400, "malformed_envelope")

    wrong_inner = device.seal({**rec, "uuid": str(uuid.uuid4())}, version=version)
    assert_problem(device.send(rec["uuid"], wrong_inner), 400, "uuid_mismatch")

    truncated = device.seal(json.dumps(rec).encode()[:-20], version=version)
    assert_problem(device.send(rec["uuid"], truncated), 400, "malformed_record")

    assert not Interview.objects.exists() and not Submission.objects.exists()
    # After all that, the intact envelope still goes through.
    assert device.send(rec["uuid"], envelope).status_code == 201


def test_a_response_with_missing_answers_is_422_with_their_paths(
    visit: Visit, member: User, checklist: InstrumentVersion, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    answers = {"force_details": "Нет журнала", "cells": [{"people": 3}]}
    rec = record("response", visit.pk, {"version": checklist.pk, "answers": answers})

    body = assert_problem(device.submit(rec), 422, "invalid_record")

    assert set(body["errors"]) == {"force_register", "population", "cells[1].cell_no"}
    assert body["errors"]["population"] == ["This question is required."]
    assert not Response.objects.exists() and not Submission.objects.exists()


def test_a_record_breaking_a_rule_gets_the_services_messages(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = record("finding", visit.pk, finding_data(description="Плохо.", severity=""))

    body = assert_problem(device.submit(rec), 422, "invalid_record")

    assert any("at least 8 words" in m for m in body["errors"])
    assert body["fields"]["severity"] == ["Give the severity of the problem."]
    assert not Finding.objects.exists()


def test_an_interview_problem_never_echoes_the_identity(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    bad_code = device.submit(interview_record(visit, code="not a code!"))
    body = assert_problem(bad_code, 422, "invalid_record")
    assert body["fields"] == {"code": ["Letters, digits and hyphens, up to 16."]}
    assert SECRET_NAME not in bad_code.content.decode()

    no_follow_up = device.submit(interview_record(visit, follow_up_on=None))
    body = assert_problem(no_follow_up, 422, "invalid_record")
    assert "follow_up_on" in body["fields"]
    assert SECRET_NAME not in no_follow_up.content.decode()
    assert not CodedPerson.objects.exists()  # nothing stored on any error
    wrong_types = interview_record(visit, identity={"full_name": [SECRET_NAME]})
    reply = device.submit(wrong_types)
    assert reply.status_code == 422 and SECRET_NAME not in reply.content.decode()


def test_a_time_without_its_offset_is_refused_not_guessed(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    body = assert_problem(
        device.submit(interview_record(visit, conducted_at="2026-12-01T11:00:00")),
        422,
        "invalid_record",
    )
    assert "data.conducted_at" in body["fields"]
    assert "timezone" in body["fields"]["data.conducted_at"][0]
    naive_record = interview_record(visit)
    naive_record["finalized_at"] = "2026-12-01T10:30:00"
    body = assert_problem(device.submit(naive_record), 422, "invalid_record")
    assert "finalized_at" in body["fields"]
    assert not Interview.objects.exists()
    # The same moment with its offset, or in UTC, is stored as that moment.
    utc = interview_record(visit, conducted_at="2026-12-01T06:00:00Z")
    assert device.submit(utc).status_code == 201
    assert Interview.objects.get().conducted_at.isoformat() == "2026-12-01T06:00:00+00:00"


def test_an_interview_without_consent_keeps_no_answers_and_backs_no_finding(
    visit: Visit, member: User, checklist: InstrumentVersion, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    talkative = interview_record(visit, consent_interview=False, consent_transmit=False)
    body = assert_problem(device.submit(talkative), 422, "invalid_record")
    assert {"notes", "fears_reprisals"} <= set(body["fields"])
    assert "Рассказал" not in str(body)
    silent = interview_record(
        visit, consent_interview=False, consent_transmit=False, notes="", fears_reprisals=None
    )
    assert device.submit(silent).status_code == 201
    finding = record("finding", visit.pk, finding_data(interviews=[silent["uuid"]]))
    body = assert_problem(device.submit(finding), 422, "invalid_record")
    assert "interviews" in body["fields"] and not Finding.objects.exists()
    questionnaire = record(
        "response",
        visit.pk,
        {"version": checklist.pk, "interview": silent["uuid"], "answers": COMPLETE_ANSWERS},
    )
    body = assert_problem(device.submit(questionnaire), 422, "invalid_record")
    assert "interview" in body["fields"] and not Response.objects.exists()


def test_a_missing_reference_is_422_until_the_referenced_record_arrives(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    interview = interview_record(visit)
    finding = record("finding", visit.pk, finding_data(interviews=[interview["uuid"]]))
    finding_envelope = device.seal(finding)
    allegation = record(
        "allegation",
        visit.pk,
        {
            "person_code": "A-07",
            "circumstances": "Удары",
            "perpetrator": "police",
            "methods": ["beating"],
        },
    )

    body = assert_problem(device.send(finding["uuid"], finding_envelope), 422, "missing_reference")
    assert body["references"] == [interview["uuid"]]
    assert_problem(device.submit(allegation), 422, "missing_reference")
    assert not Finding.objects.exists() and not Allegation.objects.exists()

    assert device.submit(interview).status_code == 201
    assert device.send(finding["uuid"], finding_envelope).status_code == 201
    assert device.submit(allegation).status_code == 201
    assert list(Finding.objects.get().interviews.all()) == [Interview.objects.get()]


def test_a_reference_to_another_visits_record_is_refused(
    visit: Visit,
    member: User,
    leader: User,
    coordinator: User,
    device_for: Callable[[User], Device],
) -> None:
    from datetime import date

    from kuzet.conftest import InstitutionFactory
    from kuzet.visits.models import TeamMember
    from kuzet.visits.services.planning import TeamPlace, visit_plan

    second = visit_plan(
        actor=coordinator,
        institution=InstitutionFactory(),
        planned_date=date(2026, 12, 2),
        team=[TeamPlace(member, TeamMember.Role.LEADER), TeamPlace(leader, TeamMember.Role.MEMBER)],
    )
    device = device_for(member)
    interview = interview_record(second)
    assert device.submit(interview).status_code == 201
    finding = record("finding", visit.pk, finding_data(interviews=[interview["uuid"]]))
    body = assert_problem(device.submit(finding), 422, "invalid_record")
    assert "interviews" in body["fields"]


def test_another_teams_visit_is_403_and_audited(
    visit: Visit, make_user: Callable[..., User], device_for: Callable[[User], Device]
) -> None:
    outsider = make_user(Role.PARTICIPANT, username="outsider")  # same region, not on the team
    device = device_for(outsider)

    assert_problem(device.submit(interview_record(visit)), 403, "access_denied")

    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert denied.actor_id == outsider.pk and denied.object_id == str(visit.pk)
    assert not Interview.objects.exists()
    unknown_visit = {**interview_record(visit), "visit": 999_999}
    assert_problem(device.submit(unknown_visit), 403, "access_denied")


def test_an_approved_visit_takes_no_more_records(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    visit.status = Visit.Status.APPROVED
    visit.save(update_fields=["status"])
    body = assert_problem(device_for(member).submit(interview_record(visit)), 403, "visit_locked")
    assert "approved" in body["title"]
    assert not Interview.objects.exists()


def test_an_older_published_instrument_version_is_still_accepted(
    visit: Visit, member: User, secretariat: User, device_for: Callable[[User], Device]
) -> None:
    older = xlsform_publish(secretariat)
    newer = xlsform_publish(secretariat, version="2026.2", form_title="Тестовый чек-лист, ред. 2")
    assert newer.instrument == older.instrument and newer.number > older.number

    rec = record("response", visit.pk, {"version": older.pk, "answers": COMPLETE_ANSWERS})
    assert device_for(member).submit(rec).status_code == 201
    assert Response.objects.get().version == older


def test_receipts_are_the_users_own(
    visit: Visit, member: User, leader: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit)
    envelope = device.seal(rec)
    stored = device.send(rec["uuid"], envelope).json()

    receipt = device.get(f"/field/receipts/{rec['uuid']}")
    assert receipt.status_code == 200
    assert receipt.json() == stored and receipt.json()["hash"] == content_hash(envelope)
    # The server's clock, whatever the tablet's said.
    assert not receipt.json()["received_at"].startswith("2026-12-01T10:30")

    assert_problem(device_for(leader).get(f"/field/receipts/{rec['uuid']}"), 404, "not_found")
    assert_problem(device.get(f"/field/receipts/{uuid.uuid4()}"), 404, "not_found")
    assert_problem(device.get("/field/receipts/not-a-uuid"), 404, "not_found")


def big(n: int) -> str:
    return "x" * n


# Fixed, so that the test ids are the same in every collection (pytest-xdist's workers
# each collect the suite and must agree).
GARBAGE_UUIDS = [f"7e1d6c2a-0000-4000-8000-00000000000{n}" for n in range(4)]


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json at all",
        "{",
        "[]",
        "null",
        "42",
        "{}",
        '{"uuid": "nope", "envelope": {}}',
        '{"uuid": 5, "envelope": "string"}',
        json.dumps({"uuid": GARBAGE_UUIDS[0], "envelope": {"v": 2}}),
        json.dumps(
            {
                "uuid": GARBAGE_UUIDS[1],
                "envelope": {
                    "v": 1,
                    "alg": "RSA-OAEP-256+A256GCM",
                    "kid": big(10_000),
                    "key": big(100_000),
                    "iv": "",
                    "ct": "",
                },
            }
        ),
        json.dumps(
            {
                "uuid": GARBAGE_UUIDS[2],
                "envelope": {
                    "v": 1,
                    "alg": "RSA-OAEP-256+A256GCM",
                    "kid": "k",
                    "key": "",
                    "iv": "",
                    "ct": "",
                },
            }
        ),
        json.dumps({"uuid": GARBAGE_UUIDS[3], "envelope": {"v": [1], "alg": None}}),
        "[" * 5000,
        "\x00\xff garbage",
    ],
)
def test_garbage_submissions_are_problems_never_500(
    member: User, device_for: Callable[[User], Device], body: str
) -> None:
    reply = device_for(member).post("/field/submissions", body)
    assert reply.status_code in (400, 422), reply.content
    assert reply["Content-Type"] == "application/problem+json"
    assert reply.json()["status"] == reply.status_code
    assert "Traceback" not in reply.content.decode()


@pytest.mark.parametrize(
    "inner",
    [
        {},
        {"type": "interview", "visit": "one", "data": []},
        {"type": "teleport", "visit": 1, "data": {}},
        {"type": "interview", "visit": 1},
        {"type": "finding", "visit": 1, "data": {"sources": "all", "items": [{"path": 1}]}},
        {"type": "response", "visit": 1, "data": {"version": "v1", "answers": []}},
        {"type": "recommendation", "visit": 1, "data": {"addressee": None}},
        {"type": "interview", "visit": 10**30, "data": {}},
    ],
)
def test_garbage_inside_a_good_envelope_is_a_problem_never_500(
    visit: Visit, member: User, device_for: Callable[[User], Device], inner: dict[str, Any]
) -> None:
    device = device_for(member)
    rec = {"uuid": str(uuid.uuid4()), **inner}
    if rec.get("visit") == 1:
        rec["visit"] = visit.pk
    reply = device.submit(rec)
    assert reply.status_code in (400, 403, 422), reply.content
    assert reply["Content-Type"] == "application/problem+json"
    assert not Submission.objects.exists()


def test_problems_are_in_the_language_of_accept_language(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    visit.status = Visit.Status.APPROVED
    visit.save(update_fields=["status"])
    device = device_for(member)
    device.language = "ru"
    body = assert_problem(device.submit(interview_record(visit)), 403, "visit_locked")
    assert body["title"] != "This visit is approved; changes are amendments."
    assert any("\u0400" <= c <= "\u04ff" for c in body["title"])  # Cyrillic


def _recommendation(visit: Visit, **data: Any) -> dict[str, Any]:
    return record(
        "recommendation",
        visit.pk,
        {
            "addressee": Addressee.objects.get(code="dept-mia-police").pk,
            "level": "institution",
            "theme": "safeguards",
            "priority": "high",
            **data,
        },
    )


def test_a_recommendation_may_come_in_kazakh_alone_but_not_in_no_language(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    body = assert_problem(
        device.submit(_recommendation(visit, text_ru=" ", text_kk="")), 422, "invalid_record"
    )
    assert body["fields"]["text_ru"] == ["Write the recommendation in Russian or in Kazakh."]
    assert not Recommendation.objects.exists()
    kazakh = (
        "Барлық камераларда күш қолдану журналын жүргізуді қамтамасыз ету және оны ай сайын тексеру"
    )
    reply = device.submit(_recommendation(visit, text_kk=kazakh))
    assert reply.status_code == 201, reply.content
    stored = Recommendation.objects.get()
    assert (stored.text_ru, stored.text_kk) == ("", kazakh) and stored.created_by == member
