"""Council meetings: agenda with documents, decisions with votes (some changing a regional
group), publication; through HTTP and the services."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.membership.models import AgendaItem, Meeting, MeetingDecision, MeetingVote
from kuzet.membership.services import (
    VoteSpec,
    agenda_item_add,
    meeting_create,
    meeting_decision_record,
    meeting_publish,
)
from kuzet.people.models import GroupMembership, RegionalGroup, User
from kuzet.registry.models import Region

pytestmark = pytest.mark.django_db
# A member's reason for voting against: never on the public page. Not a bare short word
# (Faker's surname Баранов holds "рано", and council members get Faker names).
AGAINST_REASON = "Рано: проект доклада не вычитан"


@pytest.fixture
def meeting(secretariat: User) -> Meeting:
    from datetime import date

    return meeting_create(actor=secretariat, date=date(2027, 2, 15), title="Заседание № 1")


def _votes(council: list[User], choice: str = "for") -> dict[str, str]:
    data: dict[str, str] = {}
    for member in council:
        data[f"vote_{member.pk}"] = choice
        data[f"vote_reason_{member.pk}"] = f"reason of {member.username}"
    return data


def test_secretariat_records_a_meeting_and_publishes_it(
    secretariat: User,
    council: list[User],
    client_for: Callable[[User], Client],
    make_user: Callable[..., User],
    own_region: Region,
    other_region: Region,
) -> None:
    client = client_for(secretariat)
    created = client.post(
        "/membership/meetings/", {"date": "2027-02-15", "title": "Заседание Совета № 1"}
    )
    assert created.status_code == 302
    meeting = Meeting.objects.get()
    url = f"/membership/meetings/{meeting.pk}/"
    assert created["Location"] == url
    item = client.post(
        f"{url}agenda/",
        {
            "title": "Проект ежегодного доклада 2026",
            "document_kind": "annual_report",
            "document_link": "/reports/annual/2026/workspace/",
        },
    )
    assert item.status_code == 302
    agenda_item = AgendaItem.objects.get()
    # A participant of another region joins that region's group by the Council's decision.
    person = make_user(Role.PARTICIPANT, username="arman")
    group = RegionalGroup.objects.create(region=other_region, name="Группа соседей")
    decided = client.post(
        f"{url}decide/",
        {
            "agenda_item": str(agenda_item.pk),
            "text": "Одобрить проект доклада; включить Армана в группу соседей.",
            "reasons": "Доклад готов; группе не хватает людей.",
            "change": "add",
            "group": str(group.pk),
            "person": str(person.pk),
            **_votes(council[:2]),
            f"vote_{council[2].pk}": "against",
            f"vote_reason_{council[2].pk}": AGAINST_REASON,
        },
    )
    assert decided.status_code == 302, decided.content.decode()[:2000]
    decision = MeetingDecision.objects.get()
    assert decision.kind == MeetingDecision.Kind.GROUP
    assert GroupMembership.objects.filter(group=group, user=person).exists()
    assert sorted(MeetingVote.objects.values_list("choice", flat=True)) == [
        "against",
        "for",
        "for",
    ]
    assert AuditEvent.objects.filter(object_type="people.groupmembership", action="create").exists()
    page = client.get(url).content.decode()
    assert "/reports/annual/2026/workspace/" in page
    assert AGAINST_REASON in page
    # Not published: a stranger sees nothing, and the Council reads it signed in.
    assert Client().get(f"/apply/council/{meeting.pk}/").status_code == 404
    assert "Заседание Совета" not in Client().get("/apply/council/").content.decode()
    assert AGAINST_REASON in client_for(council[0]).get(url).content.decode()
    published = client.post(f"{url}publish/")
    assert published.status_code == 302
    public = Client().get(f"/apply/council/{meeting.pk}/")
    assert public.status_code == 200
    text = public.content.decode()
    # The date, a summary naming nobody, the vote counts; not each member's vote and reason.
    assert "Composition of the regional group" in text and "Группа соседей" in text
    assert "Votes: 2 for, 1 against, 0 abstained" in text
    assert AGAINST_REASON not in text and str(council[2]) not in text
    assert "Армана" not in text and str(person) not in text  # the person is not named
    assert "/reports/annual/" not in text  # internal links are not on the public page
    assert "Заседание Совета" in Client().get("/apply/council/").content.decode()
    # Published: closed to more decisions and items, refused with a message.
    again = client.post(f"{url}decide/", {"text": "x", "reasons": "y", **_votes(council)})
    assert again.status_code == 400
    assert "published" in again.content.decode()
    assert MeetingDecision.objects.count() == 1


def test_removing_from_a_group_through_a_decision(
    secretariat: User, council: list[User], meeting: Meeting, make_user: Callable[..., User]
) -> None:
    person = make_user(Role.PARTICIPANT, username="dana")
    group = GroupMembership.objects.get(user=person).group
    item = agenda_item_add(actor=secretariat, meeting=meeting, title="Состав групп")
    meeting_decision_record(
        actor=secretariat,
        meeting=meeting,
        agenda_item=item,
        text="Исключить Дану из группы.",
        reasons="Переезд.",
        votes=[VoteSpec(member=m, choice="for") for m in council],
        group=group,
        change="remove",
        person=person,
    )
    assert not GroupMembership.objects.filter(group=group, user=person).exists()
    with pytest.raises(ValidationError) as refused:
        meeting_decision_record(
            actor=secretariat,
            meeting=meeting,
            agenda_item=item,
            text="Снова исключить.",
            reasons="—",
            votes=[VoteSpec(member=council[0], choice="for")],
            group=group,
            change="remove",
            person=person,
        )
    assert "person" in refused.value.message_dict
    assert MeetingDecision.objects.count() == 1


def test_bad_input_is_refused_at_its_field(
    secretariat: User,
    council: list[User],
    meeting: Meeting,
    client_for: Callable[[User], Client],
    make_user: Callable[..., User],
) -> None:
    client = client_for(secretariat)
    url = f"/membership/meetings/{meeting.pk}/"
    bad_new = client.post("/membership/meetings/", {"date": "15.02", "title": ""})
    assert bad_new.status_code == 400
    assert set(bad_new.context["form"].errors) == {"date", "title"}
    outside = client.post(
        f"{url}agenda/",
        {"title": "Планирование", "document_kind": "planning", "document_link": "//evil.example"},
    )
    assert outside.status_code == 400
    assert "document_link" in outside.context["agenda_form"].errors
    unnamed = client.post(f"{url}agenda/", {"title": "Индикаторы", "document_link": "/quality/"})
    assert "document_kind" in unnamed.context["agenda_form"].errors
    auditor = make_user(Role.AUDITOR, username="aud")
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"text": "", "reasons": "", **_votes(council)}, {"text", "reasons"}),
        ({"text": "Решение", "reasons": "Причины"}, {"__all__"}),  # no vote at all
        (
            {"text": "Решение", "reasons": "Причины", "change": "add", **_votes(council)},
            {"group", "person"},
        ),
        (
            {
                "text": "Решение",
                "reasons": "Причины",
                "person": str(make_user(Role.PARTICIPANT, username="p1").pk),
                **_votes(council),
            },
            {"change"},
        ),
        (
            {"text": "Решение", "reasons": "Причины", **_votes(council, "maybe")},
            {f"vote_{council[0].pk}"},
        ),
    ]
    for data, fields in cases:
        response = client.post(f"{url}decide/", data)
        assert response.status_code == 400, data
        assert fields <= set(response.context["decision_form"].errors), (
            data,
            response.context["decision_form"].errors,
        )
    assert not MeetingDecision.objects.exists() and not MeetingVote.objects.exists()
    assert auditor.role == Role.AUDITOR
    # Adding someone who is not a participant (an auditor) to a group is refused too.
    group = RegionalGroup.objects.first()
    assert group is not None
    response = client.post(
        f"{url}decide/",
        {
            "text": "Решение",
            "reasons": "Причины",
            "change": "add",
            "group": str(group.pk),
            "person": str(auditor.pk),
            **_votes(council),
        },
    )
    assert response.status_code == 400
    assert "person" in response.context["decision_form"].errors
    # Nothing to publish yet.
    client.post(f"{url}publish/")
    assert Meeting.objects.get().published_at is None


def test_who_may_do_what(
    secretariat: User,
    council: list[User],
    meeting: Meeting,
    client_for: Callable[[User], Client],
    make_user: Callable[..., User],
) -> None:
    url = f"/membership/meetings/{meeting.pk}/"
    member = client_for(council[0])
    assert member.get(url).status_code == 200
    assert member.post(f"{url}publish/").status_code == 403
    assert (
        member.post("/membership/meetings/", {"date": "2027-03-01", "title": "x"}).status_code
        == 403
    )
    assert member.post(f"{url}agenda/", {"title": "x"}).status_code == 403
    for role in (Role.PARTICIPANT, Role.COORDINATOR, Role.ADMINISTRATOR, Role.AUDITOR):
        other = client_for(make_user(role, username=f"u-{role}"))
        assert other.get(url).status_code == 403, role
        assert other.get("/membership/meetings/").status_code == 403, role
    with pytest.raises(PermissionDenied):
        meeting_publish(actor=council[0], meeting=meeting)
    assert Client().get(url).status_code == 302  # to sign-in
