"""Review comments per section, resubmission after fixing them, amendments after approval."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.visits.models import Amendment, ReviewComment, Visit
from kuzet.visits.services.findings import finding_record
from kuzet.visits.services.lifecycle import visit_transition
from kuzet.visits.services.review import (
    amendment_add,
    review_comment_add,
    review_comment_resolve,
)

pytestmark = pytest.mark.django_db
S = Visit.Status


def under_review(visit: Visit, leader: User) -> Visit:
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    return visit


def test_a_reviewer_comments_per_section_and_the_team_resolves_before_resubmitting(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    visit = under_review(visit, leader)
    reviewer = client_for(coordinator)
    reviewer.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    posted = reviewer.post(
        f"/visits/{visit.pk}/review/comment/",
        {"section": "findings", "text": "Опишите, сколько человек в камере 4"},
    )
    assert posted.status_code == 302
    comment = ReviewComment.objects.get()
    assert comment.section == "findings" and comment.author == coordinator
    # Shown on the findings tab, to the team.
    team_page = client_for(member).get(f"/visits/{visit.pk}/findings/").content.decode()
    assert "Опишите, сколько человек в камере 4" in team_page
    assert (
        "Опишите" not in client_for(member).get(f"/visits/{visit.pk}/interviews/").content.decode()
    )

    visit = visit_transition(
        actor=coordinator, visit=visit, to_status=S.RETURNED, comment="См. замечания"
    )
    # (The pages above left their language active in this thread: back to English.)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)
    assert any("is not resolved" in m for m in refused.value.messages), refused.value.messages

    resolved = client_for(member).post(f"/visits/{visit.pk}/review/comments/{comment.pk}/resolve/")
    assert resolved.status_code == 302 and resolved["Location"].endswith("/findings/")
    comment.refresh_from_db()
    assert comment.resolved_by == member and comment.resolved_at is not None
    assert visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW).status == (
        S.UNDER_REVIEW
    )


def test_who_may_comment(
    visit: Visit, leader: User, member: User, secretariat: User, make_user: Callable[..., User]
) -> None:
    with pytest.raises(ValidationError, match="under review"):
        review_comment_add(actor=secretariat, visit=visit, section="general", text="Рано")
    visit = under_review(visit, leader)
    for outsider in (member, leader, make_user(Role.AUDITOR, username="auditor2")):
        with pytest.raises(PermissionDenied):
            review_comment_add(actor=outsider, visit=visit, section="general", text="Нет")
    with pytest.raises(ValidationError):
        review_comment_add(actor=secretariat, visit=visit, section="nonsense", text="Текст")
    with pytest.raises(ValidationError):
        review_comment_add(actor=secretariat, visit=visit, section="general", text="  ")
    assert ReviewComment.objects.count() == 0
    comment = review_comment_add(actor=secretariat, visit=visit, section="general", text="Да")
    with pytest.raises(PermissionDenied):
        review_comment_resolve(actor=make_user(Role.PARTICIPANT, username="x"), comment=comment)


def test_an_approved_record_is_locked_and_changes_are_amendments(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    secretariat: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    with pytest.raises(ValidationError, match="Until the visit is approved"):
        amendment_add(actor=leader, visit=visit, section="general", text="x", reason="y")
    visit = under_review(visit, leader)
    visit = visit_transition(
        actor=coordinator, visit=visit, to_status=S.APPROVED, comment="Проверено на месте"
    )
    with pytest.raises(ValidationError, match="approved"):
        finding_record(
            actor=leader,
            visit=visit,
            theme="other",
            title="Поздняя находка",
            description="Это описание достаточно длинное для того чтобы пройти проверку слов.",
            sources=["observation"],
            severity="low",
        )
    client = client_for(member)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    empty = client.post(f"/visits/{visit.pk}/review/amend/", {"section": "findings", "text": ""})
    assert empty.status_code == 422 and Amendment.objects.count() == 0
    posted = client.post(
        f"/visits/{visit.pk}/review/amend/",
        {
            "section": "findings",
            "text": "В камере 4 содержалось 6 человек, а не 5.",
            "reason": "Опечатка",
        },
    )
    assert posted.status_code == 302
    amendment = Amendment.objects.get()
    assert amendment.author == member and amendment.section == "findings"
    assert "а не 5" in client_for(secretariat).get(f"/visits/{visit.pk}/findings/").content.decode()
    for outsider in (
        make_user(Role.AUDITOR, username="auditor2"),
        make_user(Role.PARTICIPANT, username="not-on-team"),
    ):
        with pytest.raises(PermissionDenied):
            amendment_add(actor=outsider, visit=visit, section="general", text="x", reason="y")
    assert (
        amendment_add(
            actor=coordinator, visit=visit, section="general", text="Уточнение", reason="Проверка"
        ).author
        == coordinator
    )
