"""The visit lifecycle: the order of steps and who may take each."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.recommendations.services import visit_send
from kuzet.visits.models import Visit
from kuzet.visits.services.lifecycle import TRANSITIONS, next_steps, visit_transition

pytestmark = pytest.mark.django_db
S = Visit.Status


# This bare visit (no interview, no checklist) has quality warnings: approving says why.
APPROVAL_REASON = "Короткий рабочий визит, записи дополнены в отчёте"


def walk(visit: Visit, steps: list[tuple[User, str]]) -> Visit:
    for actor, status in steps:
        comment = APPROVAL_REASON if status == S.APPROVED else ""
        visit = visit_transition(actor=actor, visit=visit, to_status=status, comment=comment)
    return visit


def to_review(visit: Visit, leader: User) -> Visit:
    """The leader takes the visit from planned to under review."""
    return walk(
        visit,
        [
            (leader, S.PREPARATION),
            (leader, S.IN_PROGRESS),
            (leader, S.DEBRIEFED),
            (leader, S.DRAFTING),
            (leader, S.UNDER_REVIEW),
        ],
    )


def test_the_whole_way_from_plan_to_closure_with_a_return(
    visit: Visit, leader: User, member: User, coordinator: User, secretariat: User
) -> None:
    visit = walk(
        visit,
        [
            (member, S.PREPARATION),
            (leader, S.IN_PROGRESS),
            (member, S.DEBRIEFED),
            (leader, S.DRAFTING),
            (leader, S.UNDER_REVIEW),
        ],
    )
    assert visit.started_at and visit.ended_at and visit.ended_at > visit.started_at
    assert visit.institution.last_visited_on == timezone.localdate(visit.started_at)
    visit = visit_transition(
        actor=coordinator, visit=visit, to_status=S.RETURNED, comment="Нет описания камер"
    )
    visit = walk(visit, [(leader, S.UNDER_REVIEW), (secretariat, S.APPROVED)])
    # Sending issues the recommendations too: its own service, never visit_transition.
    with pytest.raises(ValidationError, match="Send to addressees"):
        visit_transition(actor=secretariat, visit=visit, to_status=S.SENT)
    visit = visit_send(actor=secretariat, visit=visit)
    visit = walk(visit, [(secretariat, S.CLOSED)])
    assert list(visit.history.values_list("to_status", flat=True)) == [
        "planned", "preparation", "in_progress", "debriefed", "drafting", "under_review", "returned",
        "under_review", "approved", "sent", "closed",
    ]  # fmt: skip
    assert visit.history.get(to_status="returned").comment == "Нет описания камер"


def test_steps_cannot_be_skipped_or_reversed(visit: Visit, leader: User) -> None:
    with pytest.raises(ValidationError, match="cannot go"):
        visit_transition(actor=leader, visit=visit, to_status=S.APPROVED)
    with pytest.raises(ValidationError, match="cannot go"):
        visit_transition(actor=leader, visit=visit, to_status="nonsense")
    visit.refresh_from_db()
    assert visit.status == S.PLANNED and visit.history.count() == 1


def test_only_the_leader_submits(visit: Visit, leader: User, member: User) -> None:
    visit = walk(
        visit,
        [
            (member, S.PREPARATION),
            (member, S.IN_PROGRESS),
            (member, S.DEBRIEFED),
            (member, S.DRAFTING),
        ],
    )
    with pytest.raises(PermissionDenied):
        visit_transition(actor=member, visit=visit, to_status=S.UNDER_REVIEW)
    assert (
        visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW).status
        == S.UNDER_REVIEW
    )


def test_nobody_reviews_their_own_visit(
    visit: Visit, leader: User, coordinator: User, make_user: Callable[..., User]
) -> None:
    visit = to_review(visit, leader)
    with pytest.raises(PermissionDenied):
        visit_transition(actor=leader, visit=visit, to_status=S.APPROVED)
    assert [s.to_status for s in next_steps(coordinator, visit)] == [S.RETURNED, S.APPROVED]


def test_returning_needs_a_reason(visit: Visit, leader: User, coordinator: User) -> None:
    visit = to_review(visit, leader)
    with pytest.raises(ValidationError, match="what must change"):
        visit_transition(actor=coordinator, visit=visit, to_status=S.RETURNED, comment="  ")


def test_a_participant_outside_the_team_cannot_move_the_visit(
    visit: Visit, make_user: Callable[..., User]
) -> None:
    stranger = make_user(Role.PARTICIPANT, username="stranger")  # same region, not on the team
    with pytest.raises(PermissionDenied):
        visit_transition(actor=stranger, visit=visit, to_status=S.PREPARATION)
    assert next_steps(stranger, visit) == []


def test_submission_lists_what_is_missing(visit: Visit, leader: User) -> None:
    visit = walk(
        visit,
        [
            (leader, S.PREPARATION),
            (leader, S.IN_PROGRESS),
            (leader, S.DEBRIEFED),
            (leader, S.DRAFTING),
        ],
    )
    Visit.objects.filter(pk=visit.pk).update(ended_at=None)
    with pytest.raises(ValidationError, match="times in and out"):
        visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)


def test_the_end_cannot_come_before_the_start(visit: Visit) -> None:
    now = timezone.now()
    visit.started_at, visit.ended_at = now, now - timedelta(hours=1)
    with pytest.raises(ValidationError, match="after the time in"):
        visit.full_clean()


def test_every_status_but_closed_leads_somewhere() -> None:
    starts = {start for start, _ in TRANSITIONS}
    assert starts == set(S.values) - {S.CLOSED}


def test_the_team_corrects_the_times_in_and_out(
    visit: Visit, leader: User, member: User, client_for: Callable[[User], Client]
) -> None:
    visit = walk(visit, [(leader, S.PREPARATION), (leader, S.IN_PROGRESS)])
    client = client_for(member)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/visits/{visit.pk}/times/"
    for started, ended, message in (
        ("2026-11-20T10:00", "2026-11-20T09:00", "after the time in"),
        ("2099-01-01T10:00", "", "in the future"),
        ("", "2026-11-20T09:00", "time in as well"),
        ("yesterday", "", "Enter a valid date/time"),
    ):
        reply = client.post(url, {"started_at": started, "ended_at": ended}, follow=True)
        assert message in reply.content.decode(), message
        visit.refresh_from_db()
        assert visit.ended_at is None and visit.started_at.year == timezone.now().year
    reply = client.post(url, {"started_at": "2026-11-20T10:00", "ended_at": "2026-11-20T13:30"})
    assert reply.status_code == 302
    visit.refresh_from_db()
    local = timezone.localtime(visit.started_at), timezone.localtime(visit.ended_at)
    assert (local[0].hour, local[0].minute, local[1].hour, local[1].minute) == (10, 0, 13, 30)
    assert visit.institution.last_visited_on == date(2026, 11, 20)
