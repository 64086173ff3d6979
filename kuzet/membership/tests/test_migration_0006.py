"""Migration 0006: a call's decision recorded before decisions belonged to meetings is
linked to the meeting of its date (when there is exactly one), with its votes; otherwise
left as it was."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("membership", "0004_onboarding_test_and_photo")]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_old_call_decisions_are_linked_to_the_meeting_of_their_date(
    flushable_audit_trail: None,
) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user_model = old.get_model("people", "User")
    secretariat = user_model.objects.create(username="sec", role="secretariat")
    member = user_model.objects.create(username="k1", role="council")
    call_model = old.get_model("membership", "Call")
    decision_model = old.get_model("membership", "Decision")
    meeting_model = old.get_model("membership", "Meeting")

    def decided(title: str, on: date) -> object:
        call = call_model.objects.create(
            title_ru=title, title_kk=title, text_ru="т", text_kk="т", places=1,
            deadline=timezone.now() - timedelta(days=30), status="decided",
            created_by=secretariat,
        )  # fmt: skip
        decision = decision_model.objects.create(
            call=call, meeting_date=on, reasons="Баллы", recorded_by=secretariat
        )
        old.get_model("membership", "Vote").objects.create(
            decision=decision, member=member, choice="against", reason="мало опыта"
        )
        return decision

    matched = decided("Отбор 2025", date(2025, 6, 1))
    unmatched = decided("Отбор 2024", date(2024, 6, 1))
    meeting = meeting_model.objects.create(
        date=date(2025, 6, 1), title="Заседание", created_by=secretariat,
        published_at=timezone.now(),
    )  # fmt: skip
    grouped = old.get_model("membership", "MeetingDecision").objects.create(
        meeting=meeting, text="Группа", reasons="—", change="add", recorded_by=secretariat
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from kuzet.membership.models import Decision, MeetingDecision

    linked = Decision.objects.get(pk=matched.pk).meeting_decision  # type: ignore[attr-defined]
    assert linked is not None and linked.meeting_id == meeting.pk
    assert (
        linked.kind == "selection" and linked.agenda_item.title == "Отбор участников: «Отбор 2025»"
    )
    assert [(v.member_id, v.choice, v.reason) for v in linked.votes.all()] == [
        (member.pk, "against", "мало опыта")
    ]
    assert linked.published_at is None  # publishing stays the Council's decision
    assert Decision.objects.get(pk=unmatched.pk).meeting_decision is None  # type: ignore[attr-defined]
    group = MeetingDecision.objects.get(pk=grouped.pk)
    assert group.kind == "group" and group.published_at is not None
