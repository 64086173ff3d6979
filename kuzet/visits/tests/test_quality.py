"""Report quality on a visit: signals and weak texts gathered from the records, listed
before submission and on the review tab, blocking where the secretariat says, and approval
over them only with a written reason kept in the history and the audit trail."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.services import instrument_version_import, instrument_version_publish
from kuzet.instruments.tests.xlsforms import COMPLIANCE, xlsform
from kuzet.people.models import User
from kuzet.quality.services import quality_settings_update
from kuzet.recommendations.models import Addressee
from kuzet.recommendations.services import recommendation_record
from kuzet.visits.models import Finding, Interview, TeamMember, Visit
from kuzet.visits.services.findings import finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import visit_times_set, visit_transition
from kuzet.visits.services.planning import TeamPlace, visit_plan
from kuzet.visits.services.quality import visit_quality
from kuzet.visits.services.responses import response_save, response_start

pytestmark = pytest.mark.django_db
S = Visit.Status
FACTS = "В камере № 4 площадью 8 м² содержались шесть человек, спальных мест четыре."
ADVICE = "Начальнику ИВС обеспечить каждого в камере № 4 отдельным спальным местом до 1 июня."


def drafting(visit: Visit, leader: User) -> Visit:
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    return visit


def codes(visit: Visit) -> set[str]:
    return {r.code for r in visit_quality(visit).signals}


def checklist_version(secretariat: User) -> InstrumentVersion:
    items = [["select_one compliance", f"c{i}", f"Пункт {i}", f"Тармақ {i}"] for i in range(1, 7)]
    survey = [["begin group", "items", "Пункты", "Тармақтар"], *items, ["end group"]]
    outcome = instrument_version_import(
        data=xlsform(survey=survey, choices=COMPLIANCE, settings={"form_id": "quality-check"}),
        actor=secretariat,
    )
    assert outcome.version is not None, outcome.errors
    return instrument_version_publish(version=outcome.version, actor=secretariat)


def answer(visit: Visit, leader: User, version: InstrumentVersion, values: list[str]) -> None:
    response = response_start(actor=leader, visit=visit, version=version)
    answers = {f"c{i}": value for i, value in enumerate(values, start=1)}
    response_save(actor=leader, response=response, answers=answers, revision=0)


def test_a_bare_visit_has_the_signals_of_a_visit_not_conducted(visit: Visit, leader: User) -> None:
    visit = drafting(visit, leader)
    # The steps stamp the times in and out a moment apart: far too short a stay.
    assert codes(visit) == {"short_stay", "no_interview", "no_checklist"}


def test_a_conducted_visit_with_sourced_findings_has_none(
    visit: Visit, leader: User, secretariat: User
) -> None:
    visit = drafting(visit, leader)
    now = timezone.now()
    visit_times_set(actor=leader, visit=visit, started_at=now - timedelta(hours=5),
                    ended_at=now - timedelta(hours=1))  # fmt: skip
    talk = interview_record(
        actor=leader, visit=visit, kind=Interview.Kind.INDIVIDUAL, person_code="A-1",
        conducted_at=now - timedelta(hours=3), consent_interview=True,
    )  # fmt: skip
    answer(visit, leader, checklist_version(secretariat), ["compliant"] * 5 + ["non_compliant"])
    finding_record(
        actor=leader, visit=visit, theme="material_conditions", title="Переполнение камеры",
        description=FACTS, sources=["observation", "detainees"],
        severity=Finding.Severity.HIGH, interviews=[talk],
    )  # fmt: skip
    assert codes(visit) == set()


def test_the_same_checklist_as_the_previous_visit_is_a_signal(
    visit: Visit, leader: User, member: User, coordinator: User, secretariat: User
) -> None:
    version = checklist_version(secretariat)
    earlier = visit_plan(
        actor=coordinator, institution=visit.institution,
        planned_date=visit.planned_date - timedelta(days=200),
        team=[TeamPlace(leader, TeamMember.Role.LEADER),
              TeamPlace(member, TeamMember.Role.MEMBER)],
    )  # fmt: skip
    earlier = drafting(earlier, leader)
    answer(earlier, leader, version, ["compliant"] * 6)
    visit = drafting(visit, leader)
    answer(visit, leader, version, ["compliant"] * 6)
    assert {"checklist_repeated", "all_compliant"} <= codes(visit)
    # The earlier visit has no earlier one to be compared with.
    assert "checklist_repeated" not in codes(earlier)


def test_warnings_are_listed_before_submission_and_do_not_block_by_default(
    visit: Visit, leader: User, client_for: Callable[[User], Client]
) -> None:
    visit = drafting(visit, leader)
    page = (
        client_for(leader)
        .get(f"/visits/{visit.pk}/review/", headers={"accept-language": "en"})
        .content.decode()
    )
    assert "Nobody was interviewed" in page and 'class="quality-warnings"' in page
    assert visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW).status == (
        S.UNDER_REVIEW
    )


def test_a_code_the_secretariat_makes_blocking_stops_submission(
    visit: Visit, leader: User, secretariat: User
) -> None:
    quality_settings_update(actor=secretariat, values={"blocking": ["no_interview"]})
    visit = drafting(visit, leader)
    with pytest.raises(ValidationError) as refused:
        visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)
    assert any("Nobody was interviewed" in m for m in refused.value.messages)
    visit.refresh_from_db()
    assert visit.status == S.DRAFTING


def test_approval_over_warnings_without_a_reason_is_refused_and_with_one_recorded(
    visit: Visit, leader: User, coordinator: User, client_for: Callable[[User], Client]
) -> None:
    visit = visit_transition(actor=leader, visit=drafting(visit, leader), to_status=S.UNDER_REVIEW)
    reviewer = client_for(coordinator)
    page = reviewer.get(f"/visits/{visit.pk}/review/", headers={"accept-language": "en"})
    assert "Quality warnings remain: why is the record approved as it is?" in page.content.decode()

    with pytest.raises(ValidationError) as refused:
        visit_transition(actor=coordinator, visit=visit, to_status=S.APPROVED, comment="  ")
    assert "comment" in refused.value.message_dict
    refused_page = reviewer.post(
        f"/visits/{visit.pk}/step/", {"to_status": "approved", "tab": "review"},
        headers={"accept-language": "en"}, follow=True,
    )  # fmt: skip
    assert "write why it is approved as it is" in refused_page.content.decode()
    visit.refresh_from_db()
    assert visit.status == S.UNDER_REVIEW

    reason = "Визит сокращён по требованию администрации; это описано в отчёте."
    reviewer.post(
        f"/visits/{visit.pk}/step/",
        {"to_status": "approved", "comment": reason, "tab": "review", "confirmed": "1"},
    )
    visit.refresh_from_db()
    assert visit.status == S.APPROVED
    assert visit.history.get(to_status=S.APPROVED).comment == reason
    override = AuditEvent.objects.get(object_type="visits.visit", fields=["quality_override"])
    assert override.actor_id == coordinator.pk and override.object_id == str(visit.pk)
    recorded = override.values["quality_override"][1]
    assert reason in recorded and "no_interview" in recorded


def test_a_blocking_code_refuses_approval_even_with_a_reason(
    visit: Visit, leader: User, coordinator: User, secretariat: User
) -> None:
    visit = visit_transition(actor=leader, visit=drafting(visit, leader), to_status=S.UNDER_REVIEW)
    quality_settings_update(actor=secretariat, values={"blocking": ["short_stay"]})
    with pytest.raises(ValidationError) as refused:
        visit_transition(actor=coordinator, visit=visit, to_status=S.APPROVED, comment="Всё так")
    assert "quality" in refused.value.message_dict


def test_the_review_panel_lists_weak_texts_with_links_to_them(
    visit: Visit, leader: User, coordinator: User, client_for: Callable[[User], Client]
) -> None:
    visit = drafting(visit, leader)
    recommendation = recommendation_record(
        actor=leader, visit=visit, text_ru=ADVICE, text_kk="Шара қабылдау.",
        addressee=Addressee.objects.filter(is_active=True).first(), theme="material_conditions",
    )  # fmt: skip
    quality = visit_quality(visit)
    assert [(t.pk, t.lang) for t in quality.weak_recommendations] == [(recommendation.pk, "kk")]
    assert quality.recommendation_texts == 2
    page = client_for(coordinator).get(f"/visits/{visit.pk}/review/").content.decode()
    assert f'href="/recommendations/{recommendation.pk}/"' in page
    assert "too_short" in page


def test_the_text_check_answers_the_team_in_json_and_refuses_others(
    visit: Visit,
    leader: User,
    auditor: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    url = f"/visits/{visit.pk}/quality/text/"
    team = client_for(leader)
    weak = team.post(url, {"kind": "recommendation", "text": "Принять меры."},
                     headers={"accept-language": "en"}).json()  # fmt: skip
    assert weak["weak"] is True and weak["reasons"][0]["code"] == "too_short"
    assert weak["reasons"][0]["message"].startswith("Too short")
    assert team.post(url, {"kind": "finding", "text": FACTS}).json() == {
        "weak": False,
        "reasons": [],
    }
    bad = team.post(url, {"kind": "poem", "text": "x" * 20_001})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"kind", "text"}
    assert team.get(url).status_code == 405
    # Who may read the visit but not record on it (an auditor), a participant off the team.
    assert client_for(auditor).post(url, {"kind": "finding", "text": FACTS}).status_code == 403
    stranger = make_user(Role.PARTICIPANT, username="stranger")
    assert client_for(stranger).post(url, {"kind": "finding", "text": FACTS}).status_code == 404
