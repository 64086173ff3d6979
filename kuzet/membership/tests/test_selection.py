"""The Council's selection: eligibility, conflicts, blind scoring, the decision, the public
outcome, who sees applicants' data, and the retention of those data."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kuzet.core.policy import Role
from kuzet.membership.models import AgendaItem, Application, Call, MeetingVote, Score, Vote
from kuzet.membership.services import (
    VoteSpec,
    application_check_eligibility,
    application_score,
    call_decide,
    call_publish_outcome,
    conflict_declare,
)
from kuzet.membership.tests.conftest import applied, form_data
from kuzet.people.models import User
from kuzet.registry.models import Region

pytestmark = pytest.mark.django_db


def scores(call: Call, first: int, second: int) -> dict[int, int]:
    a, b = call.criteria.all()
    return {a.pk: first, b.pk: second}


def test_applicants_data_are_for_the_secretariat_and_the_council_only(
    call: Call,
    own_region: Region,
    mailoutbox: list[Any],
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    secretariat: User,
    council: list[User],
) -> None:
    application = applied(call, own_region, mailoutbox, "a@example.kz")
    pages = [
        f"/membership/calls/{call.pk}/",
        f"/membership/applications/{application.pk}/",
    ]
    for user in (secretariat, council[0]):
        for page in pages:
            response = client_for(user).get(page)
            assert response.status_code == 200
            assert "a@example.kz" in response.content.decode() or page.endswith(f"{call.pk}/")
    for role in (Role.PARTICIPANT, Role.COORDINATOR, Role.AUDITOR, Role.ADMINISTRATOR):
        client = client_for(make_user(role, username=f"x-{role}"))
        for page in pages:
            assert client.get(page).status_code == 403
    for page in pages:
        assert Client().get(page).status_code == 302  # to the sign-in page


def test_scoring_is_blind_until_the_member_has_scored(
    call: Call,
    own_region: Region,
    mailoutbox: list[Any],
    client_for: Callable[[User], Client],
    council: list[User],
) -> None:
    application = applied(call, own_region, mailoutbox, "a@example.kz")
    application_score(member=council[0], application=application, values=scores(call, 9, 5))
    page = client_for(council[1]).get(f"/membership/calls/{call.pk}/").content.decode()
    assert "8.00" not in page and "score first" in page
    client = client_for(council[1])
    response = client.post(
        f"/membership/applications/{application.pk}/",
        {"what": "score", **{f"s-criterion_{k}": v for k, v in scores(call, 5, 5).items()}},
    )
    assert response.status_code == 302
    page = client.get(f"/membership/calls/{call.pk}/").content.decode()
    # (9·3 + 5·1)/4 = 8.0 and (5·3 + 5·1)/4 = 5.0: the mean is 6.5
    assert "6.50" in page


def test_a_member_scores_once_and_not_when_conflicted(
    call: Call, own_region: Region, mailoutbox: list[Any], council: list[User], secretariat: User
) -> None:
    application = applied(call, own_region, mailoutbox, "a@example.kz")
    application_score(member=council[0], application=application, values=scores(call, 7, 7))
    with pytest.raises(ValidationError, match="already scored"):
        application_score(member=council[0], application=application, values=scores(call, 1, 1))
    conflict_declare(member=council[1], application=application, note="сосед")
    with pytest.raises(ValidationError, match="conflict of interest"):
        application_score(member=council[1], application=application, values=scores(call, 1, 1))
    with pytest.raises(ValidationError, match="from 0 to 10"):
        application_score(member=council[2], application=application, values=scores(call, 11, 1))
    with pytest.raises(PermissionDenied):
        application_score(member=secretariat, application=application, values=scores(call, 1, 1))
    assert Score.objects.filter(application=application).count() == 2


def test_the_secretariat_decides_eligibility_the_declaration_left_open(
    call: Call, own_region: Region, mailoutbox: list[Any], secretariat: User, council: list[User]
) -> None:
    client = Client()
    data = form_data(own_region, ground_conviction="unsure", declaration_notes="Погашена в 2010")
    assert client.post(f"/apply/{call.pk}/", data).status_code == 302
    application = Application.objects.get()
    with pytest.raises(ValidationError, match="eligible"):
        application_score(member=council[0], application=application, values=scores(call, 5, 5))
    with pytest.raises(ValidationError):
        application_check_eligibility(
            actor=secretariat, application=application, eligible=False, reason=""
        )
    application_check_eligibility(
        actor=secretariat, application=application, eligible=True, reason="Судимость погашена"
    )
    assert Application.objects.get().status == Application.Status.ELIGIBLE


def test_the_decision_records_votes_tells_applicants_and_publishes_names_only_with_consent(
    call: Call,
    own_region: Region,
    mailoutbox: list[Any],
    client_for: Callable[[User], Client],
    secretariat: User,
    council: list[User],
    agenda_item: AgendaItem,
) -> None:
    first = applied(call, own_region, mailoutbox, "first@example.kz")
    second = applied(call, own_region, mailoutbox, "second@example.kz")
    third = applied(call, own_region, mailoutbox, "third@example.kz")
    Application.objects.filter(pk=second.pk).update(publish_name=False)
    for member in council:
        application_score(member=member, application=first, values=scores(call, 9, 9))
        application_score(member=member, application=second, values=scores(call, 8, 8))
    assert Client().get(f"/apply/{call.pk}/outcome/").status_code == 404
    with pytest.raises(ValidationError, match="places"):
        call_decide(
            actor=secretariat,
            call=call,
            agenda_item=agenda_item,
            selected=[first, second, third],
            reasons="Лучшие баллы",
            votes=[VoteSpec(member, Vote.Choice.FOR) for member in council],
            base_url="https://kuzet.example",
        )
    mailoutbox.clear()
    client = client_for(secretariat)
    votes = {f"vote_{m.pk}": "for" for m in council}
    votes[f"vote_{council[2].pk}"] = "against"
    votes[f"vote_reason_{council[2].pk}"] = "Мало опыта у второго"
    response = client.post(
        f"/membership/calls/{call.pk}/decide/",
        {
            "agenda_item": str(agenda_item.pk),
            "selected": [first.pk, second.pk],
            "reasons": "Наивысшие баллы по опубликованным критериям.",
            **votes,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    statuses = dict(Application.objects.values_list("email", "status"))
    assert statuses == {
        "first@example.kz": "selected",
        "second@example.kz": "selected",
        "third@example.kz": "not_selected",
    }
    assert sorted(m.to[0] for m in mailoutbox) == sorted(statuses)
    assert MeetingVote.objects.filter(choice="against").get().reason == "Мало опыта у второго"
    assert client.post(f"/membership/calls/{call.pk}/publish/").status_code == 302
    outcome = Client().get(f"/apply/{call.pk}/outcome/").content.decode()
    assert "first" in outcome  # consented: the name (the test names people by their mailbox)
    assert "second" not in outcome and "Applicant No. 2" in outcome
    assert "third" not in outcome


def test_publishing_before_the_decision_is_refused(call: Call, secretariat: User) -> None:
    with pytest.raises(ValidationError):
        call_publish_outcome(actor=secretariat, call=call)


def test_retention_anonymises_decided_calls_and_deletes_unconfirmed_applications(
    call: Call,
    own_region: Region,
    mailoutbox: list[Any],
    settings: Any,
    secretariat: User,
    council: list[User],
    agenda_item: AgendaItem,
) -> None:
    kept = applied(call, own_region, mailoutbox, "kept@example.kz")
    Client(REMOTE_ADDR="127.0.9.9").post(
        f"/apply/{call.pk}/", form_data(own_region, email="never@example.kz")
    )
    unconfirmed = Application.objects.get(email="never@example.kz")
    call_command("apply_application_retention")
    assert Application.objects.count() == 2  # nothing old enough yet
    call_decide(
        actor=secretariat,
        call=call,
        agenda_item=agenda_item,
        selected=[kept],
        reasons="Решение",
        votes=[VoteSpec(m, "for") for m in council],
        base_url="",
    )
    later = timezone.now() + timedelta(days=settings.MEMBERSHIP_RETENTION_DAYS + 1)
    Call.objects.filter(pk=call.pk).update(decided_at=timezone.now() - timedelta(days=400))
    Application.objects.filter(pk=unconfirmed.pk).update(submitted_at=later - timedelta(days=400))
    call_command("apply_application_retention")
    assert not Application.objects.filter(pk=unconfirmed.pk).exists()
    kept.refresh_from_db()
    assert kept.anonymised_at is not None
    assert kept.full_name == kept.email == kept.phone == kept.motivation == ""
    assert kept.status == Application.Status.SELECTED  # the record of the decision stays
    assert not kept.attachments.exists()


def test_only_the_secretariat_decides_publishes_invites_and_changes_terms(
    call: Call,
    own_region: Region,
    mailoutbox: list[Any],
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    council: list[User],
) -> None:
    from kuzet.membership.models import Attachment

    application = applied(call, own_region, mailoutbox, "a@example.kz")
    member = client_for(council[0])
    assert member.get(f"/membership/calls/{call.pk}/decide/").status_code == 403
    assert member.post(f"/membership/calls/{call.pk}/publish/").status_code == 403
    assert member.post(f"/membership/applications/{application.pk}/invite/").status_code == 403
    assert member.get("/membership/participants/").status_code == 403
    assert member.get("/membership/calls/new/").status_code == 403
    assert Call.objects.get().status == Call.Status.OPEN
    attachment = Attachment(
        application=application,
        original_name="cv.pdf",
        content_type="application/pdf",
        size=5,
        sha256="0" * 64,
    )
    from django.core.files.base import ContentFile

    attachment.file.save("x", ContentFile(b"%PDF-"), save=False)
    attachment.save()
    url = f"/membership/attachments/{attachment.pk}/"
    assert member.get(url).status_code == 200
    for role in (Role.PARTICIPANT, Role.COORDINATOR, Role.AUDITOR):
        assert client_for(make_user(role, username=f"y-{role}")).get(url).status_code == 403
    assert Client().get(url).status_code == 302
