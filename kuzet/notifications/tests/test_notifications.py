"""Notifications as people meet them: a visit's steps tell the reviewers and the team, the
header counts what is unread, opening one marks it read, e-mail goes out per person in
their language unless they turned it off, and a role change tells the second approver."""

from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client, override_settings

from kuzet.core.policy import Role
from kuzet.notifications.models import Notification
from kuzet.notifications.services import email_preference_set
from kuzet.people.models import RoleChangeRequest, User
from kuzet.people.roles import decide_role_change, request_role_change
from kuzet.registry.models import Region
from kuzet.visits.models import Visit
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import visit_transition

pytestmark = pytest.mark.django_db
S = Visit.Status
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def under_review(visit: Visit, leader: User) -> Visit:
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    return visit


def kinds(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_a_submitted_visit_tells_the_regions_reviewers_and_nobody_on_its_team(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    secretariat: User,
    make_user: Callable[..., User],
    other_region: Region,
) -> None:
    far_coordinator = make_user(Role.COORDINATOR, region=other_region, username="far")
    council = make_user(Role.COUNCIL, username="council")
    under_review(visit, leader)
    assert kinds(coordinator) == ["visit_submitted"]
    assert kinds(secretariat) == ["visit_submitted"]
    assert kinds(leader) == kinds(member) == kinds(far_coordinator) == kinds(council) == []
    told = Notification.objects.get(recipient=coordinator)
    assert told.url == f"/visits/{visit.pk}/review/"
    assert visit.institution.name_ru in told.texts["ru"]["subject"]
    assert visit.institution.name_kk in told.texts["kk"]["subject"]


def test_a_returned_visit_tells_its_team_the_reason_and_an_approved_one_tells_it_too(
    visit: Visit, leader: User, member: User, coordinator: User, secretariat: User
) -> None:
    visit = under_review(visit, leader)
    visit = visit_transition(
        actor=coordinator, visit=visit, to_status=S.RETURNED, comment="Опишите камеру № 4"
    )
    returned = Notification.objects.get(recipient=member, kind="visit_returned")
    assert "Опишите камеру № 4" in returned.texts["ru"]["body"]
    assert "Опишите камеру № 4" in returned.texts["kk"]["body"]
    assert kinds(coordinator) == ["visit_submitted"]  # the one who returned it is not told

    visit = visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)
    assert sorted(kinds(coordinator)) == ["visit_submitted", "visit_submitted"]
    visit_transition(
        actor=secretariat,
        visit=visit,
        to_status=S.APPROVED,
        comment="Approved over the test visit's warnings.",
    )
    assert set(kinds(leader)) == {"visit_returned", "visit_approved"}
    assert set(kinds(member)) == {"visit_returned", "visit_approved"}


def test_the_header_counts_unread_and_opening_one_marks_it_read_and_leads_to_the_visit(
    visit: Visit, leader: User, coordinator: User, client_for: Callable[[User], Client]
) -> None:
    under_review(visit, leader)
    client = client_for(coordinator)
    page = client.get("/notifications/").content.decode()
    assert 'class="bell has-unread"' in page
    assert '<span class="count">1</span>' in page
    assert visit.institution.name_ru in page
    notification = Notification.objects.get(recipient=coordinator)

    opened = client.get(f"/notifications/{notification.pk}/open/")
    assert opened.status_code == 302
    assert opened["Location"] == f"/visits/{visit.pk}/review/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "has-unread" not in client.get("/notifications/").content.decode()


def test_nobody_opens_another_persons_notification(
    visit: Visit,
    leader: User,
    coordinator: User,
    secretariat: User,
    client_for: Callable[[User], Client],
) -> None:
    under_review(visit, leader)
    theirs = Notification.objects.get(recipient=coordinator)
    assert client_for(secretariat).get(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = client_for(secretariat).get("/notifications/").content.decode()
    assert f"/notifications/{theirs.pk}/open/" not in page


def test_mark_all_read(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    visit = under_review(visit, leader)
    visit_transition(actor=coordinator, visit=visit, to_status=S.RETURNED, comment="Дополнить")
    client = client_for(member)
    assert Notification.objects.filter(recipient=member).unread().count() == 1
    assert client.post("/notifications/read-all/").status_code == 302
    assert Notification.objects.filter(recipient=member).unread().count() == 0
    assert client.get("/notifications/read-all/").status_code == 405


@override_settings(TASKS=IMMEDIATE_TASKS, SITE_URL="https://kuzet.example.kz")
def test_e_mail_goes_once_per_person_in_their_language_and_never_names_the_people_met(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    secretariat: User,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    coordinator.email, coordinator.preferred_language = "bolat@example.org", "kk"
    coordinator.save()
    secretariat.email = "saule@example.org"
    secretariat.save()
    member.email = "member@example.org"
    member.save()
    email_preference_set(user=member, send_email=False)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        for status in (S.PREPARATION, S.IN_PROGRESS):
            visit = visit_transition(actor=leader, visit=visit, to_status=status)
        interview_record(
            actor=leader, visit=visit, kind="individual",
            conducted_at=visit.started_at, person_code="P-1",
            identity={"full_name": "Серикбаев Марат Асхатович"}, consent_interview=True,
            consent_transmit=True, notes="Жалоба на условия",
        )  # fmt: skip
        for status in (S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW):
            visit = visit_transition(actor=leader, visit=visit, to_status=status)
        visit_transition(
            actor=coordinator, visit=visit, to_status=S.RETURNED, comment="Опишите камеру № 4"
        )
    by_address = {tuple(message.to): message for message in mail.outbox}
    assert set(by_address) == {("bolat@example.org",), ("saule@example.org",)}
    kazakh = by_address[("bolat@example.org",)]
    assert visit.institution.name_kk in kazakh.subject
    assert f"https://kuzet.example.kz/visits/{visit.pk}/review/" in kazakh.body
    for message in mail.outbox:
        assert "Серикбаев" not in message.subject + message.body
        assert "P-1" not in message.body
    # The member turned e-mail off: told in the app only.
    assert Notification.objects.get(recipient=member).email == Notification.Email.SKIPPED
    assert Notification.objects.filter(email=Notification.Email.PENDING).count() == 0


def test_turning_e_mail_off_and_on_from_the_notifications_page(
    participant: User, client_for: Callable[[User], Client]
) -> None:
    participant.email = "alia@example.org"
    participant.save()
    client = client_for(participant)
    assert (
        "Stop e-mails" in client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    client.post("/notifications/email/", {"send_email": "0"})
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Notifications are not sent by e-mail." in page
    client.post("/notifications/email/", {"send_email": "1"})
    assert (
        "Stop e-mails" in client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_a_role_change_tells_the_second_administrator_and_the_decision_tells_the_requester(
    administrator: User, participant: User, make_user: Callable[..., User]
) -> None:
    second = make_user(Role.ADMINISTRATOR, username="admin2")
    change = request_role_change(actor=administrator, user=participant, to_role=Role.SECRETARIAT)
    assert isinstance(change, RoleChangeRequest)
    assert kinds(second) == ["role_change_requested"]
    assert kinds(administrator) == kinds(participant) == []
    told = Notification.objects.get(recipient=second)
    assert told.url == f"/admin/people/rolechangerequest/{change.pk}/change/"
    decide_role_change(actor=second, change=change, confirm=True)
    assert kinds(administrator) == ["role_change_decided"]
    assert "секретариат" in Notification.objects.get(recipient=administrator).texts["ru"]["body"]


def test_the_notifications_page_is_for_signed_in_people_only(client: Client) -> None:
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
