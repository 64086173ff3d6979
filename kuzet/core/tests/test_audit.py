"""The audit trail records changes and sign-ins, and detects tampering."""

import hashlib
import json
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from kuzet.conftest import PASSWORD, InstitutionFactory
from kuzet.core.audit import acting_as, verify_chain
from kuzet.core.models import AppendOnlyError, AuditAction, AuditEvent, AuditHead
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.registry.models import Institution

pytestmark = pytest.mark.django_db


def events_for(obj: object) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("id")  # type: ignore[attr-defined]
    )


def test_create_update_and_delete_are_recorded_with_actor_and_fields(secretariat: User) -> None:
    with acting_as(secretariat):
        institution = InstitutionFactory(capacity=50)
        institution.capacity = 60
        institution.address = "ул. Абая, 1"
        institution.save()
        pk = institution.pk
        institution.delete()
    events = list(
        AuditEvent.objects.filter(object_type="registry.institution", object_id=str(pk)).order_by(
            "id"
        )
    )
    assert [e.action for e in events] == [
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.DELETE,
    ]
    assert all(e.actor_id == secretariat.pk and e.actor_username == "saule" for e in events)
    created, updated, deleted = events
    assert "name_ru" in created.fields
    assert sorted(updated.fields) == ["address", "capacity", "updated_at"]
    assert updated.values["capacity"] == ["50", "60"]
    assert deleted.fields == []


def test_saving_without_changes_records_only_the_timestamp() -> None:
    institution = InstitutionFactory()
    before = AuditEvent.objects.count()
    institution.save()
    # auto_now moves updated_at on every save; nothing else changed.
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.order_by("-id").first().fields == ["updated_at"]  # type: ignore[union-attr]


def test_a_change_is_compared_with_the_row_as_stored_not_as_loaded() -> None:
    institution = InstitutionFactory(capacity=50)
    mine = Institution.objects.get(pk=institution.pk)
    theirs = Institution.objects.get(pk=institution.pk)
    theirs.capacity = 60
    theirs.save()
    mine.notes = "проверено"
    mine.save()  # writes capacity back to 50: that must show in the trail
    last = events_for(institution)[-1]
    assert last.values["capacity"] == ["60", "50"]
    assert last.values["notes"] == ["", "проверено"]


def test_update_fields_limits_what_is_recorded_to_what_is_written() -> None:
    institution = InstitutionFactory(capacity=50, phone="")
    institution.capacity = 70  # changed in memory, not written
    institution.phone = "+7 727 000 0000"
    institution.save(update_fields=["phone"])
    last = events_for(institution)[-1]
    assert "capacity" not in last.fields and "phone" in last.fields
    institution.save(update_fields=["capacity"])
    assert events_for(institution)[-1].values["capacity"] == ["50", "70"]


def test_sensitive_values_never_reach_the_log(make_user: Callable[..., User]) -> None:
    user = make_user(Role.PARTICIPANT)
    user.set_password("another-long-password-1")
    user.save()
    update = events_for(user)[-1]
    assert "password" in update.fields
    assert "password" not in update.values
    assert not AuditEvent.objects.filter(values__icontains="argon2").exists()


def test_sign_in_and_failed_sign_in_are_recorded(participant: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": "alia", "password": "wrong"})
    client.post("/accounts/login/", {"username": "alia", "password": PASSWORD})
    actions = list(
        AuditEvent.objects.filter(action__in=["login", "login_failed"])
        .order_by("id")
        .values_list("action", "actor_username")
    )
    assert actions == [("login_failed", "alia"), ("login", "alia")]
    # Django stamps last_login as part of signing in: that change is the user's own.
    stamp = AuditEvent.objects.filter(action="update", fields=["last_login"]).get()
    assert stamp.actor_username == "alia"


def test_events_cannot_be_changed_or_deleted_through_the_model() -> None:
    InstitutionFactory()
    event = AuditEvent.objects.order_by("id").last()
    assert event is not None
    event.actor_username = "someone-else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_the_database_refuses_to_update_or_delete_events() -> None:
    InstitutionFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(actor_username="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()


# --- tamper detection: an attacker with database access drops the triggers first ---


def _drop_append_only_triggers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")


@pytest.fixture
def five_events() -> list[int]:
    for _ in range(5):
        InstitutionFactory()
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) >= 5
    return ids


def test_an_intact_trail_verifies(
    five_events: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("verify_audit")
    assert f"{len(five_events)} events verified" in capsys.readouterr().out


def test_a_changed_event_is_detected(five_events: list[int]) -> None:
    _drop_append_only_triggers()
    AuditEvent.objects.filter(id=five_events[2]).update(actor_username="mallory")
    _, problems = verify_chain()
    assert [p.event_id for p in problems] == [five_events[2]]
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_audit")


def test_a_deleted_event_is_detected(five_events: list[int]) -> None:
    _drop_append_only_triggers()
    AuditEvent.objects.filter(id=five_events[2]).delete()
    _, problems = verify_chain()
    assert problems and all(p.event_id == five_events[3] for p in problems)


def test_deleting_the_newest_events_is_detected(five_events: list[int]) -> None:
    _drop_append_only_triggers()
    AuditEvent.objects.filter(id__gte=five_events[-2]).delete()
    _, problems = verify_chain()
    assert len(problems) == 1 and problems[0].event_id is None
    assert "head records" in problems[0].message


def test_a_chain_recomputed_without_the_key_is_detected(five_events: list[int]) -> None:
    _drop_append_only_triggers()
    # An attacker with database access changes an event and recomputes every plain SHA-256
    # after it, and the head: without the audit key the hashes cannot match.
    prev = AuditEvent.objects.get(id=five_events[1]).hash
    for event in AuditEvent.objects.filter(id__gte=five_events[2]).order_by("id"):
        if event.id == five_events[2]:
            event.actor_username = "mallory"
        event.prev_hash = prev
        content = json.dumps(
            {
                **{n: getattr(event, n) for n in event.HASHED_FIELDS},
                "occurred_at": event.occurred_at.isoformat(),
            },
            sort_keys=True,
        )
        event.hash = hashlib.sha256(content.encode()).hexdigest()
        AuditEvent.objects.filter(id=event.id).update(
            actor_username=event.actor_username, prev_hash=event.prev_hash, hash=event.hash
        )
        prev = event.hash
    AuditHead.objects.filter(pk=1).update(last_hash=prev)
    _, problems = verify_chain()
    assert {p.event_id for p in problems} >= set(five_events[2:])


def test_an_inserted_event_is_detected(five_events: list[int]) -> None:
    _drop_append_only_triggers()
    forged = AuditEvent.objects.get(id=five_events[1])
    # Shift the later events up by one and slot a forged copy in, with a correct own hash.
    for event_id in reversed(five_events[2:]):
        AuditEvent.objects.filter(id=event_id).update(id=event_id + 1)
    forged.pk = five_events[2]
    forged.actor_username = "mallory"
    forged.hash = forged.compute_hash()
    forged._state.adding = True
    forged.save()
    _, problems = verify_chain()
    assert any(p.event_id == five_events[2] + 1 for p in problems)


def test_the_audit_page_is_for_auditors_and_administrators(
    auditor: User, participant: User, client_for: Callable[[User], Client]
) -> None:
    InstitutionFactory(name_ru="Учреждение для журнала")
    response = client_for(auditor).get("/audit/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Учреждение для журнала" in response.content.decode()
    assert client_for(participant).get("/audit/").status_code == 403
