"""Corrections on request: the team corrects its records until approval, the reviewer sees
what changed (field labels; encrypted fields without values), a comment names the record it
is about; interviews without consent keep nothing the person said; times fall within the
visit's stay or say why; the steps that cannot be taken back are confirmed first."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kuzet.core.policy import Role
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.tests.xlsforms import xlsform_publish
from kuzet.people.models import User
from kuzet.visits.models import Finding, Interview, ReviewComment, Visit
from kuzet.visits.services.findings import allegation_record, finding_record, finding_update
from kuzet.visits.services.interviews import interview_record, interview_update
from kuzet.visits.services.lifecycle import submission_problems, visit_times_set, visit_transition
from kuzet.visits.services.responses import response_start
from kuzet.visits.services.review import review_comment_add

pytestmark = pytest.mark.django_db
S = Visit.Status
FACTS = "В камере № 4 содержатся шесть человек при четырёх спальных местах, двое спят на полу."
SECRET_NOTES = "Рассказал об ударах при задержании в коридоре"


def at(visit: Visit, minutes: int) -> datetime:
    """``minutes`` after the time in."""
    assert visit.started_at is not None
    return visit.started_at + timedelta(minutes=minutes)


@pytest.fixture
def started(visit: Visit, leader: User) -> Visit:
    """The visit entered two hours ago, the team still inside."""
    visit = visit_transition(actor=leader, visit=visit, to_status=S.PREPARATION)
    visit = visit_transition(actor=leader, visit=visit, to_status=S.IN_PROGRESS)
    return visit_times_set(
        actor=leader, visit=visit, started_at=timezone.now() - timedelta(hours=2), ended_at=None
    )


@pytest.fixture
def questionnaire(secretariat: User) -> InstrumentVersion:
    return xlsform_publish(secretariat, form_id="test-interview", kuzet_kind="interview")


def interview(visit: Visit, actor: User, **fields: Any) -> Interview:
    values: dict[str, Any] = {
        "kind": "individual",
        "conducted_at": at(visit, 30),
        "person_code": "A-07",
        "consent_interview": True,
        "notes": SECRET_NOTES,
    }
    values.update(fields)
    return interview_record(actor=actor, visit=visit, **values)


def finding(visit: Visit, actor: User, **fields: Any) -> Finding:
    values: dict[str, Any] = {
        "theme": "material_conditions",
        "title": "Переполненность камеры № 4",
        "description": FACTS,
        "sources": ["observation"],
        "severity": "high",
        "no_recommendation_reason": "Рекомендация уже выдана и проверяется.",
    }
    values.update(fields)
    return finding_record(actor=actor, visit=visit, **values)


def under_review(visit: Visit, leader: User) -> Visit:
    visit = visit_transition(actor=leader, visit=visit, to_status=S.DEBRIEFED)
    visit = visit_transition(actor=leader, visit=visit, to_status=S.DRAFTING)
    return visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)


def english(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def finding_form(record: Finding, **changes: Any) -> dict[str, Any]:
    return {
        "theme": record.theme,
        "title": record.title,
        "description": record.description,
        "sources": record.sources,
        "severity": record.severity,
        "no_recommendation_reason": record.no_recommendation_reason,
        **changes,
    }


# --- Corrections and their history ------------------------------------------------------


def test_the_team_corrects_a_finding_and_the_reviewer_reads_what_changed(
    started: Visit,
    leader: User,
    member: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    record = finding(started, member)
    team = english(client_for(member))
    page = team.get(f"/visits/{started.pk}/findings/{record.pk}/edit/")
    assert page.status_code == 200 and "Переполненность камеры № 4" in page.content.decode()
    posted = team.post(
        f"/visits/{started.pk}/findings/{record.pk}/edit/",
        finding_form(record, title="Переполненность камер № 4 и № 6", severity="critical"),
    )
    assert posted.status_code == 302
    assert posted["Location"] == f"/visits/{started.pk}/findings/#finding-{record.pk}"
    record.refresh_from_db()
    assert record.title == "Переполненность камер № 4 и № 6" and record.severity == "critical"

    visit = under_review(started, leader)
    review = english(client_for(coordinator)).get(f"/visits/{visit.pk}/review/").content.decode()
    changes = review[review.index('id="changes"') :]
    # Labels and the choices' names, not columns and codes.
    assert "Title" in changes and "Severity" in changes and "critical" in changes
    assert "Переполненность камеры № 4" in changes and "Переполненность камер № 4 и № 6" in changes
    assert "severity" not in changes.split("Severity", 1)[0]
    assert "member" not in changes or str(member) in changes


def test_an_interviews_encrypted_fields_are_said_to_have_changed_without_their_values(
    started: Visit,
    leader: User,
    member: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    record = interview(started, member)
    interview_update(
        actor=member,
        interview=record,
        kind="individual",
        conducted_at=record.conducted_at,
        consent_interview=True,
        notes="Новая запись о разговоре, без имени",
        reprisal_risk="medium",
        follow_up_on=timezone.localdate() + timedelta(days=30),
        # A name no generated user can have (users get Faker names, Иванов among them).
        identity={"full_name": "Тайназаров Секрет", "birth_date": "", "cell": "4"},
    )
    visit = under_review(started, leader)
    review = english(client_for(coordinator)).get(f"/visits/{visit.pk}/review/").content.decode()
    changes = review[review.index('id="changes"') :]
    assert "Interview notes" in changes and "changed (the values are not shown)" in changes
    assert "Risk of reprisals" in changes and "not assessed" in changes and "medium" in changes
    assert "Full name" in changes and "A-07" in changes
    for secret in (SECRET_NOTES, "Новая запись", "Тайназаров"):
        assert secret not in review


def test_no_correction_after_approval_and_none_by_others(
    started: Visit,
    leader: User,
    member: User,
    auditor: User,
    secretariat: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    record = finding(started, member)
    url = f"/visits/{started.pk}/findings/{record.pk}/edit/"
    stranger = make_user(Role.PARTICIPANT, username="stranger")
    assert client_for(stranger).get(url).status_code == 404
    # An auditor sees the visit but does not record on it.
    assert client_for(auditor).get(url).status_code == 403
    assert client_for(member).get(f"/visits/{started.pk}/findings/999999/edit/").status_code == 404
    visit = under_review(started, leader)
    visit = visit_transition(
        actor=secretariat, visit=visit, to_status=S.APPROVED, comment="Предупреждения учтены."
    )
    refused = english(client_for(member)).post(url, finding_form(record, title="Иное"))
    assert refused.status_code == 302
    record.refresh_from_db()
    assert record.title == "Переполненность камеры № 4"
    with pytest.raises(ValidationError, match="approved"):
        finding_update(actor=member, finding=record, **finding_form(record, title="Иное"))
    with pytest.raises(PermissionDenied):
        finding_update(actor=stranger, finding=record, **finding_form(record))


def test_a_comment_names_the_record_and_the_team_opens_it_to_correct_it(
    started: Visit,
    leader: User,
    member: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    record = finding(started, member)
    visit = under_review(started, leader)
    reviewer = english(client_for(coordinator))
    # The findings tab offers the reviewer to comment on this finding.
    tab = reviewer.get(f"/visits/{visit.pk}/findings/").content.decode()
    link = f"/visits/{visit.pk}/review/?record=findings:{record.pk}#comment"
    assert link in tab
    assert f'value="findings:{record.pk}" selected' in reviewer.get(link).content.decode()
    posted = reviewer.post(
        f"/visits/{visit.pk}/review/comment/",
        {"section": "general", "record": f"findings:{record.pk}", "text": "Сколько спальных мест?"},
    )
    assert posted.status_code == 302
    comment = ReviewComment.objects.get()
    assert comment.section == "findings" and comment.record_id == record.pk

    team = english(client_for(member))
    tab = team.get(f"/visits/{visit.pk}/findings/").content.decode()
    assert "Сколько спальных мест?" in tab
    edit = f"/visits/{visit.pk}/findings/{record.pk}/edit/"
    assert f'href="{edit}#comment-{comment.pk}"' in tab
    assert "Сколько спальных мест?" in team.get(edit).content.decode()

    # A record of another section or of no record of this visit is refused.
    with pytest.raises(ValidationError, match="from the list"):
        review_comment_add(
            actor=coordinator, visit=visit, section="interviews", text="?", record_id=record.pk
        )
    bad = reviewer.post(
        f"/visits/{visit.pk}/review/comment/",
        {"section": "general", "record": "findings:999999", "text": "?"},
    )
    assert bad.status_code == 422 and ReviewComment.objects.count() == 1


# --- Consent ----------------------------------------------------------------------------


def test_an_interview_without_consent_keeps_nothing_said_and_is_cited_by_nothing(
    started: Visit, member: User, questionnaire: InstrumentVersion
) -> None:
    with pytest.raises(ValidationError) as refused:
        interview(started, member, consent_interview=False)
    assert "notes" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        interview(started, member, consent_interview=False, notes="", fears_reprisals=True)
    assert "fears_reprisals" in refused.value.message_dict
    silent = interview(started, member, consent_interview=False, notes="", person_code="B-01")
    assert Interview.objects.count() == 1

    with pytest.raises(ValidationError) as refused:
        finding(started, member, interviews=[silent])
    assert "interviews" in refused.value.message_dict and not Finding.objects.exists()
    with pytest.raises(ValidationError, match="without consent"):
        response_start(actor=member, visit=started, version=questionnaire, interview=silent)
    with pytest.raises(ValidationError) as refused:
        allegation_record(
            actor=member, visit=started, person=silent.person, kind="ill_treatment",
            circumstances="Ударили при задержании", perpetrator="police", methods=["beating"],
        )  # fmt: skip
    assert "person" in refused.value.message_dict

    # Consent cannot be withdrawn on paper once a finding rests on the interview.
    spoken = interview(started, member, person_code="C-02")
    cited = finding(started, member, interviews=[spoken])
    with pytest.raises(ValidationError) as refused:
        interview_update(
            actor=member, interview=spoken, kind="individual", conducted_at=spoken.conducted_at,
            consent_interview=False,
        )  # fmt: skip
    assert "consent_interview" in refused.value.message_dict
    assert list(cited.interviews.all()) == [spoken]


# --- Times ------------------------------------------------------------------------------


def test_an_interview_before_the_time_in_needs_a_reason(
    started: Visit, leader: User, member: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        interview(started, member, conducted_at=at(started, -90))
    assert "time_note" in refused.value.message_dict
    assert "UTC+5" in refused.value.message_dict["time_note"][0]
    with pytest.raises(ValidationError, match="future"):
        interview(started, member, conducted_at=timezone.now() + timedelta(hours=1))
    early = interview(
        started, member, conducted_at=at(started, -90), time_note="Встреча у ворот до входа"
    )
    assert early.time_note == "Встреча у ворот до входа"

    # Moving the time in after an interview that gives no reason is refused too.
    later = interview(started, member, person_code="B-01", conducted_at=at(started, 20))
    assert started.started_at is not None
    with pytest.raises(ValidationError) as refused:
        visit_times_set(actor=leader, visit=started, started_at=at(started, 60), ended_at=None)
    assert "B-01" in " ".join(refused.value.messages)
    started.refresh_from_db()
    assert started.started_at < later.conducted_at
    assert not [p for p in submission_problems(started) if "outside" in p]


def test_times_on_the_pages_carry_their_zone(
    started: Visit, member: User, client_for: Callable[[User], Client]
) -> None:
    interview(started, member)
    client = english(client_for(member))
    overview = client.get(f"/visits/{started.pk}/").content.decode()
    assert '<span class="zone">UTC+5</span>' in overview
    assert "Time in Asia/Almaty (UTC+5)." in overview
    tab = client.get(f"/visits/{started.pk}/interviews/").content.decode()
    assert '<span class="zone">UTC+5</span>' in tab
    form = client.get(f"/visits/{started.pk}/interviews/new/").content.decode()
    assert "Time in Asia/Almaty (UTC+5)." in form


# --- Confirmation of the steps that cannot be taken back -------------------------------


def test_approval_is_confirmed_on_a_page_saying_what_it_locks(
    started: Visit,
    leader: User,
    member: User,
    coordinator: User,
    client_for: Callable[[User], Client],
) -> None:
    finding(started, member)
    interview(started, member)
    visit = under_review(started, leader)
    reviewer = english(client_for(coordinator))
    url = f"/visits/{visit.pk}/step/"
    asked = reviewer.post(
        url, {"to_status": "approved", "comment": "Предупреждения учтены.", "tab": "review"}
    )
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Approval locks the record" in page
    assert "<dt>Findings</dt><dd>1</dd>" in page and "<dt>Interviews</dt><dd>1</dd>" in page
    assert 'name="confirmed" value="1"' in page
    visit.refresh_from_db()
    assert visit.status == S.UNDER_REVIEW

    # Returning without a reason is refused before any confirmation.
    refused = reviewer.post(url, {"to_status": "returned", "tab": "review"})
    assert refused.status_code == 302
    asked = reviewer.post(url, {"to_status": "returned", "comment": "Опишите камеру 6"})
    assert asked.status_code == 200 and "Опишите камеру 6" in asked.content.decode()
    visit.refresh_from_db()
    assert visit.status == S.UNDER_REVIEW

    done = reviewer.post(
        url,
        {
            "to_status": "approved",
            "comment": "Предупреждения учтены.",
            "tab": "review",
            "confirmed": "1",
        },
    )
    assert done.status_code == 302 and done["Location"] == f"/visits/{visit.pk}/review/"
    visit.refresh_from_db()
    assert visit.status == S.APPROVED


def test_the_stay_is_compared_to_the_minute_as_times_are_typed(
    visit: Visit, leader: User, member: User
) -> None:
    visit = visit_transition(actor=leader, visit=visit, to_status=S.PREPARATION)
    visit = visit_transition(actor=leader, visit=visit, to_status=S.IN_PROGRESS)
    entered = timezone.now().replace(second=40) - timedelta(hours=1)
    visit = visit_times_set(
        actor=leader, visit=visit, started_at=entered, ended_at=entered + timedelta(minutes=30)
    )
    typed = entered.replace(second=0)  # the form's minute of the entry
    assert interview(visit, member, conducted_at=typed).conducted_at == typed
    left = entered + timedelta(minutes=30)
    interview(visit, member, person_code="B-01", conducted_at=left.replace(second=59))
    with pytest.raises(ValidationError) as refused:
        interview(visit, member, person_code="C-01", conducted_at=typed - timedelta(minutes=1))
    assert "time_note" in refused.value.message_dict
