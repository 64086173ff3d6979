"""The Council's work at meetings: decisions taken on agenda items (selection, participants'
terms, regional groups, visit teams' rules) with quorum and conflicts of interest, meeting
documents, and decisions published one by one; through HTTP and the services."""

import io
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kuzet.conftest import InstitutionFactory
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.membership.models import (
    AgendaItem,
    Application,
    Call,
    ConflictDeclaration,
    Decision,
    Meeting,
    MeetingDecision,
    MeetingDocument,
    MeetingVote,
    Participation,
    TeamRule,
)
from kuzet.membership.services import (
    RuleSpec,
    Upload,
    VoteSpec,
    agenda_item_add,
    decision_publish,
    meeting_create,
    meeting_decision_record,
    meeting_document_link,
    meeting_document_upload,
    meeting_publish,
)
from kuzet.membership.tests.conftest import applied
from kuzet.people.models import GroupMembership, User
from kuzet.registry.models import Region
from kuzet.visits.models import TeamMember
from kuzet.visits.services.planning import TeamPlace, visit_plan

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ooxml(main_part: str) -> bytes:
    """A minimal Office Open XML package with ``main_part`` (a DOCX or an XLSX)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(main_part, "<document/>")
    return buffer.getvalue()


DOCX = ooxml("word/document.xml")
XLSX = ooxml("xl/workbook.xml")


@pytest.fixture
def meeting(secretariat: User) -> Meeting:
    return meeting_create(actor=secretariat, date=date(2027, 2, 15), title="Заседание № 2")


@pytest.fixture
def item(secretariat: User, meeting: Meeting) -> AgendaItem:
    return agenda_item_add(actor=secretariat, meeting=meeting, title="Составы групп посещения")


def all_for(council: list[User]) -> list[VoteSpec]:
    return [VoteSpec(member, "for") for member in council]


def form_votes(council: list[User], choice: str = "for") -> dict[str, str]:
    return {f"vote_{member.pk}": choice for member in council}


# --- Votes: quorum, majority, members only, once, conflicts -----------------------------


def test_votes_need_quorum_a_majority_council_members_and_one_vote_each(
    secretariat: User,
    council: list[User],
    meeting: Meeting,
    item: AgendaItem,
    make_user: Callable[..., User],
    settings: Any,
) -> None:
    def record(votes: list[VoteSpec]) -> MeetingDecision:
        return meeting_decision_record(
            actor=secretariat,
            meeting=meeting,
            agenda_item=item,
            text="Утвердить план",
            reasons="План готов",
            votes=votes,
        )

    cases: list[tuple[list[VoteSpec], str]] = [
        ([VoteSpec(council[0], "for")], "No quorum: 1 member(s) voted; 2 of the 3"),
        (
            [VoteSpec(council[0], "for"), VoteSpec(council[1], "against")],
            "Not adopted: 1 of 2 votes",
        ),
        (
            [*all_for(council[:2]), VoteSpec(make_user(Role.PARTICIPANT, username="p"), "for")],
            "is not a Council member",
        ),
        (
            [*all_for(council[:2]), VoteSpec(secretariat, "for")],
            "is not a Council member",
        ),
        ([*all_for(council[:2]), VoteSpec(council[0], "against")], "each member votes once"),
        ([*all_for(council[:2]), VoteSpec(council[2], "maybe")], "Unknown vote"),
    ]
    for votes, message in cases:
        with pytest.raises(ValidationError) as refused:
            record(votes)
        assert message in " ".join(refused.value.message_dict["votes"]), refused.value
    assert not MeetingDecision.objects.exists() and not MeetingVote.objects.exists()
    # A member with a conflict of interest is present but does not vote: not in the quorum.
    with pytest.raises(ValidationError, match="No quorum"):
        record([VoteSpec(council[0], "for"), VoteSpec(council[1], "conflict")])
    decision = record(
        [*all_for(council[:2]), VoteSpec(council[2], "conflict", "родственник заявителя")]
    )
    assert decision.vote_counts() == {"for": 2, "against": 0, "abstain": 0, "conflict": 1}
    # The quorum can be set: then two votes out of three are not enough.
    settings.MEMBERSHIP_COUNCIL_QUORUM = 3
    with pytest.raises(ValidationError, match="3 of the 3"):
        record(all_for(council[:2]))


def test_a_decision_needs_an_agenda_item_of_its_own_open_meeting(
    secretariat: User, council: list[User], meeting: Meeting, item: AgendaItem
) -> None:
    other = meeting_create(actor=secretariat, date=date(2027, 3, 1), title="Другое")
    foreign = agenda_item_add(actor=secretariat, meeting=other, title="Чужой пункт")
    for agenda_item in (None, foreign):
        with pytest.raises(ValidationError) as refused:
            meeting_decision_record(
                actor=secretariat,
                meeting=meeting,
                agenda_item=agenda_item,
                text="Решение",
                reasons="Причины",
                votes=all_for(council),
            )
        assert "agenda_item" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        meeting_decision_record(
            actor=council[0],
            meeting=meeting,
            agenda_item=item,
            text="Решение",
            reasons="Причины",
            votes=all_for(council),
        )
    assert not MeetingDecision.objects.exists()


# --- Selection on a call, at a meeting --------------------------------------------------


def test_the_selection_is_decided_at_a_meeting_and_conflicted_members_do_not_vote(
    call: Call,
    own_region: Region,
    mailoutbox: list[Any],
    secretariat: User,
    council: list[User],
    item: AgendaItem,
    client_for: Callable[[User], Client],
) -> None:
    first = applied(call, own_region, mailoutbox, "aigerim.first@example.kz")
    second = applied(call, own_region, mailoutbox, "bolat.second@example.kz")
    Application.objects.filter(pk=second.pk).update(publish_name=False)
    ConflictDeclaration.objects.create(application=second, member=council[2], note="сосед")
    client = client_for(secretariat)
    decide = f"/membership/calls/{call.pk}/decide/"
    # The meeting's page offers the selection from the agenda item, preselected.
    page = client.get(f"/membership/meetings/{item.meeting_id}/").content.decode()
    assert f"{decide}?item={item.pk}" in page
    assert client.get(f"{decide}?item={item.pk}").context["form"]["agenda_item"].value() == str(
        item.pk
    )
    data = {
        "agenda_item": str(item.pk),
        "selected": [first.pk],
        "reasons": "Наивысшие баллы",
        **form_votes(council),
    }
    conflicted = client.post(decide, data)
    assert conflicted.status_code == 400
    assert "declared a conflict of interest" in str(conflicted.context["form"].errors["__all__"])
    no_item = client.post(decide, {**data, "agenda_item": ""})
    assert no_item.status_code == 400 and "agenda_item" in no_item.context["form"].errors
    assert Call.objects.get().status == Call.Status.OPEN and not mailoutbox[2:]
    done = client.post(decide, {**data, f"vote_{council[2].pk}": "conflict", "publish": "on"})
    assert done.status_code == 302, done.content.decode()[:2000]
    decision = Decision.objects.get()
    linked = decision.meeting_decision
    assert linked is not None and linked.agenda_item == item
    assert linked.kind == MeetingDecision.Kind.SELECTION and linked.published_at is not None
    assert decision.meeting_date == item.meeting.date
    assert linked.vote_counts() == {"for": 2, "against": 0, "abstain": 0, "conflict": 1}
    # The call's page says which meeting decided; the meeting's page shows the decision.
    call_page = client.get(f"/membership/calls/{call.pk}/").content.decode()
    assert item.meeting.title in call_page and item.title in call_page
    assert call.title in client.get(f"/membership/meetings/{item.meeting_id}/").content.decode()
    # The public page: the count of people selected, never a name.
    public = Client().get("/apply/council/").content.decode()
    assert "1 applicant(s) selected" in public and "Votes: 2 for, 0 against" in public
    assert "aigerim" not in public and "bolat" not in public
    # The call's published outcome links the published decision of the meeting.
    assert client.post(f"/membership/calls/{call.pk}/publish/").status_code == 302
    outcome = Client().get(f"/apply/{call.pk}/outcome/").content.decode()
    assert f"/apply/council/{item.meeting_id}/#decision-{linked.pk}" in outcome


# --- Participants' terms ----------------------------------------------------------------


def _participant(make_user: Callable[..., User], passed: bool = True) -> Participation:
    user = make_user(Role.PARTICIPANT, username=f"part-{passed}")
    from django.utils import timezone

    today = timezone.localdate()
    return Participation.objects.create(
        user=user,
        region=GroupMembership.objects.get(user=user).group.region,
        status=Participation.Status.ACTIVE if passed else Participation.Status.ONBOARDING,
        starts_on=today,
        ends_on=date(today.year + 3, 1, 1),
        test_passed_at=timezone.now() if passed else None,
        mandate_number=f"NPM-T-{passed}",
        mandate_code_hash=f"{passed}".ljust(64, "0"),
    )


def test_a_term_changes_only_through_a_decision_and_nothing_is_half_saved(
    secretariat: User,
    council: list[User],
    meeting: Meeting,
    item: AgendaItem,
    make_user: Callable[..., User],
) -> None:
    active = _participant(make_user)
    onboarding = _participant(make_user, passed=False)

    def record(participation: Participation, status: str, **extra: Any) -> MeetingDecision:
        return meeting_decision_record(
            actor=secretariat,
            meeting=meeting,
            agenda_item=item,
            text="Решение о сроке участия",
            reasons="Нарушение правил",
            votes=all_for(council),
            participation=participation,
            new_status=status,
            **extra,
        )

    decision = record(active, "suspended")
    active.refresh_from_db()
    assert active.status == Participation.Status.SUSPENDED
    assert "15.02.2027" in active.status_reason or "2027-02-15" in active.status_reason
    assert not User.objects.get(pk=active.user_id).is_active
    assert decision.kind == MeetingDecision.Kind.PARTICIPANT
    # Refused by the term's own rules: the decision is not kept either.
    with pytest.raises(ValidationError) as refused:
        record(onboarding, "active")
    assert "new_status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(active, "")
    assert "new_status" in refused.value.message_dict
    # One decision changes one thing.
    with pytest.raises(ValidationError) as refused:
        record(active, "active", rule=RuleSpec(TeamRule.Kind.MIN_SIZE, 3))
    assert "__all__" in refused.value.message_dict
    assert MeetingDecision.objects.count() == 1
    record(active, "active")
    assert Participation.objects.get(pk=active.pk).status == Participation.Status.ACTIVE


# --- Visit teams' composition rules ----------------------------------------------------


def test_team_rules_set_by_decisions_are_enforced_where_teams_are_formed(
    secretariat: User,
    council: list[User],
    meeting: Meeting,
    item: AgendaItem,
    make_user: Callable[..., User],
    own_region: Region,
    other_region: Region,
) -> None:
    coordinator = make_user(Role.COORDINATOR, username="coord")
    leader = make_user(Role.GROUP_LEADER, username="lead")
    member = make_user(Role.PARTICIPANT, username="member")
    team = [TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(member, TeamMember.Role.MEMBER)]

    def plan() -> Any:
        return visit_plan(
            actor=coordinator,
            institution=InstitutionFactory(),
            planned_date=date(2027, 3, 1),
            team=team,
        )

    def rule(spec: RuleSpec) -> MeetingDecision:
        return meeting_decision_record(
            actor=secretariat,
            meeting=meeting,
            agenda_item=item,
            text="Правило о составе групп",
            reasons="Безопасность и независимость",
            votes=all_for(council),
            rule=spec,
        )

    assert plan().pk  # no rule yet: two people are enough
    rule(RuleSpec(TeamRule.Kind.MIN_SIZE, 3))
    with pytest.raises(ValidationError) as refused:
        plan()
    message = " ".join(refused.value.message_dict["team"])
    assert "minimum team size" in message and "Заседание № 2" in message
    assert "it has 2, at least 3 are needed" in message
    # Another region's own rule does not concern this one; this region's replaces the
    # rule for every region.
    rule(RuleSpec(TeamRule.Kind.MIN_SIZE, 4, other_region))
    rule(RuleSpec(TeamRule.Kind.MIN_SIZE, 2, own_region))
    assert plan().pk
    # Participants selected by open call: the team has none.
    rule(RuleSpec(TeamRule.Kind.MIN_SELECTED, 1))
    with pytest.raises(ValidationError, match="selected by open call"):
        plan()
    lifted = rule(RuleSpec(TeamRule.Kind.MIN_SELECTED, 0))
    assert plan().pk
    assert TeamRule.objects.get(kind=TeamRule.Kind.MIN_SELECTED).ended_by == lifted
    assert "lifted" in lifted.public_text()
    # Bad rules are refused at their field, nothing recorded.
    before = MeetingDecision.objects.count()
    for spec, field in (
        (RuleSpec(TeamRule.Kind.MIN_SIZE, 1), "rule_value"),
        (RuleSpec(TeamRule.Kind.MIN_SIZE, 40), "rule_value"),
        (RuleSpec("gender", 1), "rule_kind"),
        (RuleSpec(TeamRule.Kind.MIN_SELECTED, 0), "rule_value"),  # nothing to lift
    ):
        with pytest.raises(ValidationError) as refused:
            rule(spec)
        assert field in refused.value.message_dict, spec
    assert MeetingDecision.objects.count() == before


def test_a_team_rule_through_the_meeting_page(
    secretariat: User,
    council: list[User],
    meeting: Meeting,
    item: AgendaItem,
    client_for: Callable[[User], Client],
    own_region: Region,
) -> None:
    client = client_for(secretariat)
    url = f"/membership/meetings/{meeting.pk}/"
    page = client.get(f"{url}?item={item.pk}")
    assert page.context["decision_form"]["agenda_item"].value() == str(item.pk)
    data = {
        "agenda_item": str(item.pk),
        "text": "Не менее трёх человек в группе",
        "reasons": "Опыт посещений",
        "rule_kind": "min_size",
        "rule_value": "3",
        "rule_region": str(own_region.pk),
        **form_votes(council),
    }
    bad = client.post(f"{url}decide/", {**data, "rule_value": "x"})
    assert bad.status_code == 400 and "rule_value" in bad.context["decision_form"].errors
    assert client.post(f"{url}decide/", data).status_code == 302
    rule = TeamRule.objects.get()
    assert (rule.value, rule.region) == (3, own_region)
    assert "at least 3 people on a team" in client.get(url).content.decode()


# --- Documents ------------------------------------------------------------------------


def test_documents_are_sniffed_size_limited_stored_and_read_by_council_and_secretariat(
    secretariat: User,
    council: list[User],
    meeting: Meeting,
    item: AgendaItem,
    client_for: Callable[[User], Client],
    make_user: Callable[..., User],
    settings: Any,
) -> None:
    url = f"/membership/meetings/{meeting.pk}/documents/"
    member = client_for(council[0])
    for name, data in (("Проект доклада.pdf", PDF), ("plan.docx", DOCX), ("ind.xlsx", XLSX)):
        response = member.post(url, {"file": io_file(name, data), "agenda_item": str(item.pk)})
        assert response.status_code == 302, response.content.decode()[:2000]
    documents = list(MeetingDocument.objects.order_by("pk"))
    assert [d.extension for d in documents] == [".pdf", ".docx", ".xlsx"]
    assert documents[0].title == "Проект доклада.pdf" and documents[0].added_by == council[0]
    assert (
        AuditEvent.objects.filter(object_type="membership.meetingdocument", action="create").count()
        == 3
    )
    # Refusals, named, nothing stored.
    settings.MEMBERSHIP_MEETING_DOCUMENT_MAX_BYTES = 2048
    for name, data, message in (
        ("notes.txt", b"hello", "only PDF, DOCX and XLSX"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /", "not a real PDF"),
        ("photo.pdf", PNG, "not a real PDF"),
        ("report.docx", XLSX, "not a real DOCX"),  # a spreadsheet called a letter
        ("table.xlsx", b"PK\x03\x04broken", "not a real XLSX"),
        ("big.pdf", PDF + b"0" * 4096, "the limit is 2 KB"),
        ("empty.pdf", b"", "empty"),
    ):
        response = member.post(url, {"file": io_file(name, data)})
        assert response.status_code == 400, name
        errors = response.context["document_form"].errors
        assert message in str(errors.get("file", errors)), (name, errors)
    assert MeetingDocument.objects.count() == 3
    # Reading: Council and secretariat, checked on every read.
    download = f"/membership/documents/{documents[0].pk}/"
    got = client_for(secretariat).get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["X-Content-Type-Options"] == "nosniff"
    for role in Role:
        if role in (Role.SECRETARIAT, Role.COUNCIL):
            continue
        other = client_for(make_user(role, username=f"d-{role}"))
        # (an addressee's official is kept to the portal: 404 outside it)
        assert other.get(download).status_code in (403, 404), role
        assert other.post(url, {"file": io_file("x.pdf", PDF)}).status_code in (403, 404), role
    assert Client().get(download).status_code == 302
    council[0].is_active = False
    council[0].save()
    assert member.get(download).status_code in (302, 403)


def io_file(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_kuzets_own_documents_are_linked_not_copied(
    secretariat: User,
    council: list[User],
    meeting: Meeting,
    item: AgendaItem,
    client_for: Callable[[User], Client],
) -> None:
    edition = apps.get_model("reports", "AnnualEdition").objects.create(year=2026)
    client = client_for(council[0])
    link = f"/membership/meetings/{meeting.pk}/documents/link/"
    page = client.get(f"/membership/meetings/{meeting.pk}/")
    keys = dict(page.context["link_form"].fields["key"].choices)
    assert {"planning", "indicators", f"annual_report:{edition.year}:{edition.number}"} <= set(keys)
    assert client.post(link, {"key": "annual_report:2026:1"}).status_code == 302
    assert client.post(link, {"key": "planning", "agenda_item": str(item.pk)}).status_code == 302
    bad = client.post(link, {"key": "../../etc/passwd"})
    assert bad.status_code == 400 and "key" in bad.context["link_form"].errors
    report, planning = MeetingDocument.objects.order_by("pk")
    assert not report.file and "2026" in report.title
    opened = client.get(f"/membership/documents/{report.pk}/")
    assert opened.status_code == 302 and opened["Location"] == "/reports/annual/2026/workspace/"
    assert client.get(f"/membership/documents/{planning.pk}/")["Location"] == "/dashboard/planning/"
    # The edition gone: the link says so instead of failing.
    edition.delete()
    assert client.get(f"/membership/documents/{report.pk}/").status_code == 404
    assert (
        "no longer available" in client.get(f"/membership/meetings/{meeting.pk}/").content.decode()
    )
    with pytest.raises(ValidationError):
        meeting_document_link(actor=secretariat, meeting=meeting, key="annual_report:1999:1")
    with pytest.raises(ValidationError) as refused:
        meeting_document_upload(
            actor=secretariat,
            meeting=meeting,
            upload=Upload("a.pdf", PDF),
            agenda_item=agenda_item_add(
                actor=secretariat,
                meeting=meeting_create(actor=secretariat, date=date(2027, 5, 1), title="Иное"),
                title="Чужой",
            ),
        )
    assert "agenda_item" in refused.value.message_dict


# --- Publication ------------------------------------------------------------------------


def test_decisions_are_public_only_when_published_in_three_languages(
    secretariat: User,
    council: list[User],
    meeting: Meeting,
    item: AgendaItem,
    client_for: Callable[[User], Client],
    make_user: Callable[..., User],
) -> None:
    published = meeting_decision_record(
        actor=secretariat,
        meeting=meeting,
        agenda_item=item,
        text="Одобрить методику посещений психиатрических учреждений.",
        reasons="Методика обсуждена с экспертами.",
        votes=[*all_for(council[:2]), VoteSpec(council[2], "abstain")],
    )
    kept = meeting_decision_record(
        actor=secretariat,
        meeting=meeting,
        agenda_item=item,
        text="Внутреннее решение о бюджете.",
        reasons="—",
        votes=all_for(council),
    )
    assert Client().get(f"/apply/council/{meeting.pk}/").status_code == 404
    assert "методику" not in Client().get("/apply/council/").content.decode()
    with pytest.raises(PermissionDenied):
        decision_publish(actor=council[0], decision=published)
    response = client_for(secretariat).post(f"/membership/decisions/{published.pk}/publish/")
    assert response.status_code == 302
    with pytest.raises(ValidationError, match="already published"):
        decision_publish(actor=secretariat, decision=published)
    for language, votes in (
        ("en", "Votes: 2 for, 0 against, 1 abstained"),
        ("ru", "за — 2"),
        ("kk", "жақтап — 2"),
    ):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        for page in (client.get("/apply/council/"), client.get(f"/apply/council/{meeting.pk}/")):
            assert page.status_code == 200
            text = page.content.decode()
            assert "Одобрить методику" in text and votes in text, (language, text[-3000:])
            assert "о бюджете" not in text  # not published
            assert str(council[0]) not in text  # counts, not who voted how
            assert item.title not in text  # the internal agenda
    # Publishing the whole meeting publishes the rest and closes it.
    meeting_publish(actor=secretariat, meeting=meeting)
    kept.refresh_from_db()
    assert kept.published_at is not None
    with pytest.raises(ValidationError):
        agenda_item_add(actor=secretariat, meeting=meeting, title="Ещё")
    for role in Role:
        if role == Role.SECRETARIAT:
            continue
        other = client_for(make_user(role, username=f"pub-{role}"))
        response = other.post(f"/membership/decisions/{kept.pk}/publish/")
        assert response.status_code in (403, 404), role


def test_every_role_on_the_meeting_pages(
    meeting: Meeting,
    item: AgendaItem,
    council: list[User],
    client_for: Callable[[User], Client],
    make_user: Callable[..., User],
) -> None:
    reads = {Role.SECRETARIAT, Role.COUNCIL}
    url = f"/membership/meetings/{meeting.pk}/"
    for role in Role:
        user = council[0] if role == Role.COUNCIL else make_user(role, username=f"r-{role}")
        client = client_for(user)
        page = client.get(url)
        assert page.status_code in ((200,) if role in reads else (403, 404)), role
        decide = client.post(
            f"{url}decide/",
            {"agenda_item": str(item.pk), "text": "x", "reasons": "y", **form_votes(council)},
        )
        assert (decide.status_code == 302) == (role == Role.SECRETARIAT), (role, decide.status_code)
        if role in reads:
            has_form = page.context["decision_form"] is not None
            assert has_form == (role == Role.SECRETARIAT)
            assert page.context["document_form"] is not None
