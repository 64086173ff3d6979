"""Recommendations: specific and addressed, followed up on evidence, and required for every problem."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.recommendations.services import (
    recommendation_assess,
    recommendation_record,
    visit_send,
)
from kuzet.registry.models import Region
from kuzet.visits.models import Finding, Visit
from kuzet.visits.services.findings import finding_record
from kuzet.visits.services.lifecycle import visit_transition

pytestmark = pytest.mark.django_db
TEXT = "Обеспечить естественное освещение в камерах № 2 и № 5, заменив стеклоблоки окнами до 1 июля 2027 года."
FACTS = "В камерах № 2 и № 5 окна заложены стеклоблоками, дневной свет не проникает вовсе."
S = Visit.Status


@pytest.fixture
def addressee(db: object) -> Addressee:
    return Addressee.objects.get(code="dept-mia-police")


@pytest.fixture
def problem(visit: Visit, member: User) -> Finding:
    return finding_record(
        actor=member, visit=visit, theme="material_conditions", title="Нет дневного света", description=FACTS,
        sources=["observation"], severity=Finding.Severity.MEDIUM,
    )  # fmt: skip


def issue(actor: User, visit: Visit, addressee: Addressee, **kwargs: object) -> Recommendation:
    values: dict[str, object] = {
        "text_ru": TEXT,
        "addressee": addressee,
        "theme": "material_conditions",
    }
    values.update(kwargs)
    return recommendation_record(actor=actor, visit=visit, **values)  # type: ignore[arg-type]


def send(visit: Visit, leader: User, reviewer: User) -> Visit:
    """The team submits, the reviewer approves, the secretariat sends the report."""
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    visit = visit_transition(
        actor=reviewer, visit=visit, to_status=S.APPROVED, comment="Предупреждения учтены."
    )
    return visit_send(actor=reviewer, visit=visit)


def test_the_addressee_registry_is_seeded() -> None:
    assert Addressee.objects.filter(kind="akimat").count() == 20
    assert Addressee.objects.filter(code="prosecutor-general").exists()
    assert Addressee.objects.filter(kind="ministry").count() == 7


def test_a_recommendation_is_a_draft_until_the_report_is_sent(
    visit: Visit,
    member: User,
    leader: User,
    secretariat: User,
    addressee: Addressee,
    problem: Finding,
) -> None:
    recommendation = issue(member, visit, addressee, findings=[problem], deadline=date(2027, 7, 1))
    assert recommendation.status == "draft" and list(recommendation.findings.all()) == [problem]
    assert not Recommendation.objects.issued().exists() and not Recommendation.objects.open()
    with pytest.raises(ValidationError, match="cannot become"):
        recommendation_assess(actor=secretariat, recommendation=recommendation, status="accepted")
    send(visit, leader, secretariat)
    recommendation.refresh_from_db()
    assert recommendation.status == "issued"
    assert list(recommendation.history.values_list("status", flat=True)) == ["draft", "issued"]
    assert list(Recommendation.objects.open()) == [recommendation]


def test_a_vague_recommendation_is_refused(
    visit: Visit, member: User, addressee: Addressee
) -> None:
    with pytest.raises(ValidationError, match="at least 6 words"):
        issue(member, visit, addressee, text_ru="Улучшить условия.")
    assert not Recommendation.objects.exists()


def test_follow_up_needs_the_right_order_the_right_person_and_evidence(
    visit: Visit,
    member: User,
    coordinator: User,
    addressee: Addressee,
    make_user: Callable[..., User],
    other_region: Region,
    leader: User,
    secretariat: User,
) -> None:
    recommendation = issue(member, visit, addressee)
    send(visit, leader, secretariat)
    recommendation.refresh_from_db()
    with pytest.raises(PermissionDenied):
        recommendation_assess(actor=member, recommendation=recommendation, status="accepted")
    outsider = make_user(Role.COORDINATOR, region=other_region)
    with pytest.raises(PermissionDenied):
        recommendation_assess(actor=outsider, recommendation=recommendation, status="accepted")
    with pytest.raises(ValidationError, match="cannot become"):
        recommendation_assess(
            actor=coordinator, recommendation=recommendation, status="in_progress"
        )
    recommendation = recommendation_assess(
        actor=coordinator, recommendation=recommendation, status="accepted"
    )
    with pytest.raises(ValidationError, match="evidence"):
        recommendation_assess(
            actor=coordinator, recommendation=recommendation, status="implemented"
        )
    recommendation = recommendation_assess(
        actor=coordinator,
        recommendation=recommendation,
        status="implemented",
        evidence="Проверено при повторном посещении: окна установлены.",
    )
    assert list(recommendation.history.values_list("status", flat=True)) == [
        "draft",
        "issued",
        "accepted",
        "implemented",
    ]


def test_a_problem_without_a_recommendation_or_a_reason_blocks_submission(
    visit: Visit, leader: User, member: User, addressee: Addressee, problem: Finding
) -> None:
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    with pytest.raises(ValidationError, match="no recommendation and no reason"):
        visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)
    issue(member, visit, addressee, findings=[problem])
    assert (
        visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW).status
        == S.UNDER_REVIEW
    )


def test_a_stated_reason_also_lets_the_visit_go_to_review(
    visit: Visit, leader: User, member: User
) -> None:
    finding_record(
        actor=member, visit=visit, theme="regime", title="Прогулки сокращены", sources=["detainees"], severity="low",
        description="Прогулка длится 30 минут вместо часа по словам троих содержащихся в разных камерах.",
        no_recommendation_reason="Рекомендация уже выдана в 2026 году и проверяется; повторять не нужно.",
    )  # fmt: skip
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    assert visit.status == S.UNDER_REVIEW


def test_the_list_shows_what_the_user_may_see_and_filters_overdue(
    visit: Visit, member: User, addressee: Addressee, make_user: Callable[..., User], other_region: Region,
    client_for: Callable[[User], Client], leader: User, secretariat: User,
) -> None:  # fmt: skip
    late = issue(member, visit, addressee, deadline=timezone.localdate() - timedelta(days=1))
    issue(member, visit, addressee, deadline=timezone.localdate() + timedelta(days=30))
    # A draft is not overdue: nobody has been asked anything yet.
    assert not client_for(member).get("/recommendations/", {"overdue": "on"}).context["page"]
    send(visit, leader, secretariat)
    overdue = (
        client_for(member).get("/recommendations/", {"overdue": "on"}).context["page"].object_list
    )
    assert list(overdue) == [late]
    stranger = make_user(Role.PARTICIPANT, region=other_region)
    assert list(client_for(stranger).get("/recommendations/").context["page"].object_list) == []
    assert client_for(stranger).get(f"/recommendations/{late.pk}/").status_code == 404


def test_issuing_and_assessing_through_the_pages(
    visit: Visit,
    member: User,
    leader: User,
    secretariat: User,
    coordinator: User,
    addressee: Addressee,
    problem: Finding,
    client_for: Callable[[User], Client],
) -> None:
    response = client_for(member).post(
        f"/recommendations/visit/{visit.pk}/new/",
        {
            "text_ru": TEXT,
            "addressee": addressee.pk,
            "level": "institution",
            "theme": "material_conditions",
            "priority": "high",
            "findings": [problem.pk],
        },
    )
    assert response.status_code == 302
    recommendation = Recommendation.objects.get()
    client = client_for(coordinator)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get(f"/recommendations/{recommendation.pk}/", **english).content
    assert b"Record the follow-up" not in page and b"A draft" in page

    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    visit = visit_transition(
        actor=coordinator, visit=visit, to_status=S.APPROVED, comment="Предупреждения учтены."
    )
    # The secretariat's "sent" step leads to the page that says what it issues, to whom.
    office = client_for(secretariat)
    step = office.post(f"/visits/{visit.pk}/step/", {"to_status": "sent", "tab": "review"})
    assert (
        step.status_code == 302 and step["Location"] == f"/recommendations/visit/{visit.pk}/send/"
    )
    confirm = office.get(step["Location"], **english).content.decode()
    assert "1 recommendation becomes issued" in confirm and addressee.name_ru in confirm
    recommendation.refresh_from_db()
    assert recommendation.status == "draft"
    # Only the secretariat sends; the coordinator may not even open the page.
    assert client.get(step["Location"]).status_code == 403
    assert office.post(step["Location"]).status_code == 302
    visit.refresh_from_db()
    recommendation.refresh_from_db()
    assert visit.status == S.SENT and recommendation.status == "issued"
    assert (
        b"Record the follow-up"
        in client.get(f"/recommendations/{recommendation.pk}/", **english).content
    )
    client.post(f"/recommendations/{recommendation.pk}/assess/", {"status": "rejected"})
    recommendation.refresh_from_db()
    assert recommendation.status == "rejected"


def test_the_migration_makes_the_recommendations_of_unsent_visits_drafts(
    visit: Visit, member: User, addressee: Addressee
) -> None:
    """``0004_draft_until_sent``: rows written when a recommendation was "issued" as soon as
    it was typed become drafts unless their visit's report was sent; each change audited."""
    import importlib

    from django.apps import apps

    from kuzet.core.audit import verify_chain
    from kuzet.core.models import AuditEvent
    from kuzet.recommendations.models import StatusChange
    from kuzet.visits.models import VisitChange

    migration = importlib.import_module("kuzet.recommendations.migrations.0004_draft_until_sent")
    typed = issue(member, visit, addressee)
    # As the rows stood before the migration.
    Recommendation.objects.filter(pk=typed.pk).update(status="issued")
    StatusChange.objects.filter(recommendation=typed).update(status="issued")
    VisitChange.objects.all().delete()
    before = AuditEvent.objects.count()

    migration.issued_to_draft(apps, None)

    typed.refresh_from_db()
    assert typed.status == "draft"
    assert list(typed.history.values_list("status", flat=True)) == ["draft"]
    assert list(VisitChange.objects.values_list("visit_id", flat=True)) == [visit.pk]
    assert AuditEvent.objects.count() == before + 2  # the recommendation and its history entry
    assert verify_chain()[1] == []

    # Backwards, drafts become issued; a sent visit's recommendations stay issued.
    migration.draft_to_issued(apps, None)
    typed.refresh_from_db()
    assert typed.status == "issued"
    Visit.objects.filter(pk=visit.pk).update(status=S.SENT)
    migration.issued_to_draft(apps, None)
    typed.refresh_from_db()
    assert typed.status == "issued"


KK_TEXT = "№ 2 және № 5 камераларда 2027 жылғы 1 шілдеге дейін шыны блоктарды терезелерге ауыстырып, табиғи жарықты қамтамасыз ету."


def test_a_recommendation_may_be_written_in_kazakh_first_but_needs_one_language(
    visit: Visit, member: User, addressee: Addressee
) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        issue(member, visit, addressee, text_ru="  ", text_kk=" ")
    assert refused.value.message_dict == {
        "text_ru": ["Write the recommendation in Russian or in Kazakh."]
    }
    assert not Recommendation.objects.exists()
    kazakh = issue(member, visit, addressee, text_ru="", text_kk=KK_TEXT)
    assert (kazakh.text_ru, kazakh.text_kk) == ("", KK_TEXT)
    assert str(kazakh) == KK_TEXT[:80]  # the Kazakh text where the Russian one is missing
    # A Kazakh-only text is held to the rules the Russian one is: long enough, not vague.
    with pytest.raises(ValidationError) as short:
        issue(member, visit, addressee, text_ru="", text_kk="Жақсарту керек")
    assert "text_kk" in short.value.message_dict
    # Copy detection keeps only the texts written.
    assert set(kazakh.quality_texts()) == {f"{kazakh.quality_source}/text_kk"}


def test_the_database_refuses_a_recommendation_in_no_language(
    visit: Visit, member: User, addressee: Addressee
) -> None:
    from django.db import IntegrityError, transaction

    recommendation = issue(member, visit, addressee)
    with pytest.raises(IntegrityError), transaction.atomic():
        Recommendation.objects.filter(pk=recommendation.pk).update(text_ru="", text_kk="")
    assert Recommendation.objects.get().text_ru == TEXT


def test_the_form_says_which_field_lacks_a_text_and_takes_kazakh_alone(
    visit: Visit,
    member: User,
    coordinator: User,
    addressee: Addressee,
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(member)
    form = {
        "text_ru": "",
        "text_kk": "",
        "addressee": addressee.pk,
        "level": "institution",
        "theme": "material_conditions",
        "priority": "high",
    }
    url = f"/recommendations/visit/{visit.pk}/new/"
    refused = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 422
    assert refused.context["form"].errors["text_ru"] == [
        "Write the recommendation in Russian or in Kazakh."
    ]
    assert not Recommendation.objects.exists()
    saved = client.post(url, {**form, "text_kk": KK_TEXT})
    assert saved.status_code == 302
    recommendation = Recommendation.objects.get()
    assert (recommendation.text_ru, recommendation.text_kk) == ("", KK_TEXT)
    page = client_for(coordinator).get(
        f"/recommendations/{recommendation.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    text = page.content.decode()
    assert KK_TEXT in text and "Not yet written in Russian." in text
    # The list in Russian shows the Kazakh text, saying it is Kazakh.
    listed = client_for(coordinator).get("/recommendations/", HTTP_ACCEPT_LANGUAGE="ru")
    assert f'lang="kk">{" ".join(KK_TEXT.split()[:20])}' in listed.content.decode()
    # The Russian translation follows on the edit page; emptying both is refused there too.
    edit = f"/recommendations/{recommendation.pk}/edit/"
    blank = client.post(edit, {**form, "text_kk": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert blank.status_code == 422 and "text_ru" in blank.context["form"].errors
    assert client.post(edit, {**form, "text_ru": TEXT, "text_kk": KK_TEXT}).status_code == 302
    recommendation.refresh_from_db()
    assert (recommendation.text_ru, recommendation.text_kk) == (TEXT, KK_TEXT)
