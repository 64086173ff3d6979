"""Coded people and interviews: identities encrypted at rest, shown to the team and the
secretariat only, never in the audit trail; consent and reprisal-risk rules."""

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from kuzet.core import crypto
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.visits.models import CodedPerson, Interview, Visit
from kuzet.visits.services.interviews import interview_record

pytestmark = pytest.mark.django_db
IDENTITY = {
    "full_name": "Серикбаев Ержан Болатович",
    "birth_date": "1990-04-12",
    "cell": "камера 14",
}


def record(actor: User, visit: Visit, **kwargs: object) -> Interview:
    values: dict[str, object] = {
        "kind": Interview.Kind.INDIVIDUAL, "conducted_at": timezone.now(), "person_code": "A-07",
        "identity": IDENTITY, "consent_interview": True, "notes": "Жалуется на холод в камере",
    }  # fmt: skip
    values.update(kwargs)
    return interview_record(actor=actor, visit=visit, **values)  # type: ignore[arg-type]


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def test_identities_and_notes_are_ciphertext_in_the_database(visit: Visit, member: User) -> None:
    interview = record(member, visit)
    person = interview.person
    assert person is not None
    stored = raw("visits_codedperson", "full_name", person.pk)
    assert stored.startswith("enc1:") and "Серикбаев" not in stored
    assert "холод" not in raw("visits_interview", "notes", interview.pk)
    assert CodedPerson.objects.get(pk=person.pk).full_name == IDENTITY["full_name"]


def test_identities_never_reach_the_audit_trail(visit: Visit, member: User) -> None:
    record(member, visit)
    events = AuditEvent.objects.filter(object_type__in=["visits.codedperson", "visits.interview"])
    assert {"full_name", "notes"} <= {f for e in events for f in e.fields}
    dumped = " ".join(str(e.values) for e in AuditEvent.objects.all())
    assert "Серикбаев" not in dumped and "холод" not in dumped and "камера 14" not in dumped
    assert str(CodedPerson.objects.get()) == "A-07"


def test_keys_can_be_rotated(visit: Visit, member: User) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    def with_keys(*keys: str) -> Any:
        crypto.reset_keys()
        return override_settings(FIELD_KEYS=list(keys))

    try:
        with with_keys(old_key):
            interview = record(member, visit)
            before = raw("visits_interview", "notes", interview.pk)
        with with_keys(new_key), pytest.raises(crypto.DecryptionError):
            Interview.objects.get(pk=interview.pk)  # a new key alone cannot open old values
        with with_keys(new_key, old_key):
            out = io.StringIO()
            call_command("rotate_field_keys", stdout=out)
            assert "re-encrypted" in out.getvalue()
        with with_keys(new_key):
            assert Interview.objects.get(pk=interview.pk).notes == "Жалуется на холод в камере"
            assert CodedPerson.objects.get().full_name == IDENTITY["full_name"]
            assert raw("visits_interview", "notes", interview.pk) != before
    finally:
        crypto.reset_keys()


def test_the_team_and_the_secretariat_see_identities_the_coordinator_does_not(
    visit: Visit,
    member: User,
    coordinator: User,
    secretariat: User,
    client_for: Callable[[User], Client],
) -> None:
    record(member, visit)
    for user, sees in ((member, True), (secretariat, True), (coordinator, False)):
        content = client_for(user).get(f"/visits/{visit.pk}/interviews/").content.decode()
        assert "A-07" in content
        assert ("Серикбаев" in content) is sees, user.username
        assert ("холод" in content) is sees


def test_consent_rules(visit: Visit, member: User) -> None:
    with pytest.raises(ValidationError, match="Without consent"):
        record(member, visit, consent_interview=False, consent_quote=True)
    with pytest.raises(ValidationError, match="follow-up check date"):
        record(member, visit, person_code="B-01", reprisal_risk=Interview.Risk.HIGH)
    interview = record(
        member,
        visit,
        person_code="B-02",
        reprisal_risk=Interview.Risk.HIGH,
        follow_up_on=date(2027, 1, 15),
    )
    assert interview.follow_up_on == date(2027, 1, 15)
    with pytest.raises(ValidationError, match="coded person"):
        record(member, visit, person_code="")
    assert not CodedPerson.objects.filter(code="B-01").exists()


def test_a_code_that_looks_like_a_name_is_still_just_a_code(visit: Visit, member: User) -> None:
    with pytest.raises(ValidationError):
        record(member, visit, person_code="Иван Петров")  # a space: not a code


def test_only_the_team_records_interviews(
    visit: Visit, make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    stranger = make_user(Role.PARTICIPANT, username="stranger")
    with pytest.raises(PermissionDenied):
        record(stranger, visit)
    assert client_for(stranger).get(f"/visits/{visit.pk}/interviews/new/").status_code == 404


def test_recording_an_interview_through_the_page(
    visit: Visit, member: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(member)
    response = client.post(
        f"/visits/{visit.pk}/interviews/new/",
        {
            "kind": "individual",
            "person_code": "C-3",
            "full_name": "Ахметова Дана",
            "conducted_at": "2026-12-01T10:30",
            "consent_interview": "on",
            "vulnerabilities": ["woman"],
            "reprisal_risk": "low",
            "notes": "Без жалоб",
        },
    )
    assert response.status_code == 302
    interview = Interview.objects.get()
    assert interview.person is not None and interview.person.full_name == "Ахметова Дана"
    assert interview.vulnerabilities == ["woman"]


def test_the_interview_form_offers_a_time_the_browser_accepts(
    visit: Visit, member: User, client_for: Callable[[User], Client]
) -> None:
    page = client_for(member).get(f"/visits/{visit.pk}/interviews/new/").content.decode()
    value = page.split('name="conducted_at"')[1].split('value="')[1].split('"')[0]
    assert len(value) == 16 and value[4] == "-" and value[10] == "T"  # YYYY-MM-DDTHH:MM
