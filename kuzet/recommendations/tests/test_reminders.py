"""Deadline reminders (``manage.py notify_recommendations``, daily): due and overdue
recommendations are told once to those who follow them up in their region."""

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kuzet.core.policy import Role
from kuzet.notifications.models import Notification
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.recommendations.reminders import recommendation_reminders_send
from kuzet.recommendations.services import recommendation_record, visit_send
from kuzet.registry.models import Region
from kuzet.visits.models import Visit
from kuzet.visits.services.lifecycle import visit_transition

pytestmark = pytest.mark.django_db
TEXT = "Обеспечить естественное освещение в камерах № {n}, заменив стеклоблоки окнами."
S = Visit.Status
TODAY = date(2027, 3, 1)


def sent_with_deadlines(
    visit: Visit, leader: User, secretariat: User, deadlines: list[date]
) -> list[Recommendation]:
    """The visit's recommendations with these deadlines, its report approved and sent."""
    addressee = Addressee.objects.get(code="dept-mia-police")
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    made = [
        recommendation_record(
            actor=leader,
            visit=visit,
            text_ru=TEXT.format(n=n),
            addressee=addressee,
            theme="material_conditions",
            deadline=deadline,
        )
        for n, deadline in enumerate(deadlines, start=1)
    ]
    visit = visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)
    visit = visit_transition(
        actor=secretariat, visit=visit, to_status=S.APPROVED, comment="Approved over warnings."
    )
    visit_send(actor=secretariat, visit=visit)
    return [Recommendation.objects.get(pk=r.pk) for r in made]


def reminders(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind__startswith="recommendations_"))


def test_due_and_overdue_recommendations_are_told_once_to_those_who_follow_them_up(
    visit: Visit,
    leader: User,
    coordinator: User,
    secretariat: User,
    make_user: Callable[..., User],
    other_region: Region,
) -> None:
    far_coordinator = make_user(Role.COORDINATOR, region=other_region, username="far")
    overdue, due, _later = sent_with_deadlines(
        visit,
        leader,
        secretariat,
        [TODAY - timedelta(days=3), TODAY + timedelta(days=5), TODAY + timedelta(days=60)],
    )
    assert recommendation_reminders_send(today=TODAY) == 2
    for follower in (coordinator, secretariat):
        told = {n.kind: n for n in reminders(follower)}
        assert set(told) == {"recommendations_overdue", "recommendations_due"}
        assert told["recommendations_overdue"].url == f"/recommendations/{overdue.pk}/"
        assert told["recommendations_due"].url == f"/recommendations/{due.pk}/"
        assert visit.institution.name_ru in told["recommendations_due"].texts["ru"]["body"]
    assert reminders(far_coordinator) == reminders(leader) == []

    # The second run of the day, and the next day's, tell nobody again.
    assert recommendation_reminders_send(today=TODAY) == 0
    assert recommendation_reminders_send(today=TODAY + timedelta(days=1)) == 0
    assert len(reminders(coordinator)) == 2

    # The due one passes its deadline: told once more, as overdue.
    assert recommendation_reminders_send(today=TODAY + timedelta(days=6)) == 1
    assert len(reminders(coordinator)) == 3


def test_a_recommendation_no_longer_open_is_not_reminded(
    visit: Visit, leader: User, coordinator: User, secretariat: User
) -> None:
    (recommendation,) = sent_with_deadlines(visit, leader, secretariat, [TODAY - timedelta(days=1)])
    recommendation.status = Recommendation.Status.NO_LONGER_RELEVANT
    recommendation.save(update_fields=["status"])
    assert recommendation_reminders_send(today=TODAY) == 0
    assert reminders(coordinator) == []


def test_many_at_once_are_one_notification_with_a_line_each(
    visit: Visit, leader: User, coordinator: User, secretariat: User
) -> None:
    sent_with_deadlines(visit, leader, secretariat, [TODAY - timedelta(days=d) for d in (1, 2, 3)])
    assert recommendation_reminders_send(today=TODAY) == 3
    (told,) = reminders(coordinator)
    assert told.url == "/recommendations/?overdue=on"
    assert told.texts["en"]["subject"] == "3 recommendations are overdue"
    assert len(told.texts["en"]["body"].splitlines()) == 3


def test_the_daily_command_runs_twice_and_tells_once(
    visit: Visit, leader: User, coordinator: User, secretariat: User
) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    sent_with_deadlines(visit, leader, secretariat, [yesterday])
    out = StringIO()
    call_command("notify_recommendations", stdout=out)
    call_command("notify_recommendations", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("1 recommendation(s) reminded")
    assert out.getvalue().splitlines()[1].startswith("0 recommendation(s) reminded")
    assert len(reminders(coordinator)) == 1
