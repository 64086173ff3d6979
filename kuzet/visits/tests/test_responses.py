"""Filling instruments on a visit: drafts saved as typed, conflicts, checks at submission."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.tests.xlsforms import xlsform_publish
from kuzet.people.models import User
from kuzet.visits.models import ComplianceMark, Response, Visit
from kuzet.visits.services.findings import finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import submission_problems, visit_transition
from kuzet.visits.services.responses import StaleResponse, response_save, response_start

pytestmark = pytest.mark.django_db
S = Visit.Status


@pytest.fixture
def client_for(client_for: Callable[[User], Client]) -> Callable[[User], Client]:
    """Clients whose pages are in English, as the messages asserted here are."""

    def english(user: User) -> Client:
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return english


def autosave(client: Client, url: str, data: dict[str, object]) -> tuple[int, dict[str, object]]:
    reply = client.post(url, data, HTTP_X_KUZET_AUTOSAVE="1")
    json_reply = reply["Content-Type"] == "application/json"
    return reply.status_code, reply.json() if json_reply else {}


def test_a_draft_is_saved_as_typed_encrypted_and_counted(
    visit: Visit, leader: User, checklist: InstrumentVersion, client_for: Callable[[User], Client]
) -> None:
    client = client_for(leader)
    started = client.post(f"/visits/{visit.pk}/responses/new/", {"version": checklist.pk})
    response = Response.objects.get()
    url = f"/visits/{visit.pk}/responses/{response.uuid}/"
    assert started.status_code == 302 and started["Location"] == url

    status, body = autosave(
        client,
        url,
        {
            "revision": "0",
            "force_register": "non_compliant",
            "force_details": "Журнал не ведётся с марта",
            "population": "двенадцать",  # not a number yet: kept, reported at the check
            "cells[]": ["1", "3"],
            "cells[1].cell_no": "4",
            "cells[1].people": "3",
            "cells[1].beds": "2",
            "cells[3].cell_no": "9",
        },
    )
    assert status == 200 and body["revision"] == 1
    response.refresh_from_db()
    assert response.answers == {
        "force_register": "non_compliant",
        "force_details": "Журнал не ведётся с марта",
        "population": "двенадцать",
        "cells": [{"cell_no": "4", "people": 3, "beds": 2}, {"cell_no": "9"}],
    }
    # The problem count comes from the same validation as the submission check.
    assert body["problems"] == response.problem_count == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM visits_response WHERE id = %s", [response.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and "Журнал" not in raw
    assert list(ComplianceMark.objects.values_list("path", "value")) == [
        ("force_register", "non_compliant")
    ]
    page = client.get(url + "?check=1").content.decode()
    assert "двенадцать" in page and "Give a whole number." in page


def test_a_save_based_on_an_old_revision_is_refused_and_changes_nothing(
    visit: Visit,
    leader: User,
    member: User,
    checklist: InstrumentVersion,
    client_for: Callable[[User], Client],
) -> None:
    response = response_start(actor=leader, visit=visit, version=checklist)
    response_save(actor=member, response=response, answers={"population": 4}, revision=0)
    url = f"/visits/{visit.pk}/responses/{response.uuid}/"
    status, body = autosave(client_for(leader), url, {"revision": "0", "population": "7"})
    assert status == 409 and "Someone else saved" in str(body["error"])
    page = client_for(leader).post(url, {"revision": "0", "population": "7", "save": ""})
    assert page.status_code == 409 and 'value="7"' in page.content.decode()  # nothing lost
    response.refresh_from_db()
    assert response.answers == {"population": 4} and response.revision == 1
    with pytest.raises(StaleResponse):
        response_save(actor=leader, response=response, answers={}, revision=0)


def test_saving_without_javascript_and_the_check(
    visit: Visit, leader: User, checklist: InstrumentVersion, client_for: Callable[[User], Client]
) -> None:
    response = response_start(actor=leader, visit=visit, version=checklist)
    url = f"/visits/{visit.pk}/responses/{response.uuid}/"
    client = client_for(leader)
    saved = client.post(url, {"revision": "0", "population": "5001", "check": ""})
    assert saved.status_code == 302 and saved["Location"] == url + "?check=1"
    page = client.get(saved["Location"]).content.decode()
    assert "От 0 до 5000" in page  # the instrument's own message (no English one: Russian)
    assert "This question is required." in page  # force_register
    # One message for the save's outcome: saved, with what is still wrong; no green "saved"
    # above it.
    assert "The answers are saved, but 2 answers are missing or invalid" in page
    assert '<ul class="messages">' not in page
    valid = client.post(
        url, {"revision": "1", "population": "5", "force_register": "compliant", "check": ""}
    )
    assert valid.status_code == 302
    page = client.get(valid["Location"]).content.decode()
    assert "The answers are saved; every required answer is given and valid." in page
    assert '<ul class="messages">' not in page


def test_submission_lists_unanswered_checklists_and_non_compliance_without_a_finding(
    visit: Visit, leader: User, checklist: InstrumentVersion
) -> None:
    for status in (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING):
        visit = visit_transition(actor=leader, visit=visit, to_status=status)
    assert any("No checklist has been filled in" in p for p in submission_problems(visit))

    response = response_start(actor=leader, visit=visit, version=checklist)
    response = response_save(actor=leader, response=response, answers={"population": 3}, revision=0)
    problems = submission_problems(visit)
    assert not any("No checklist" in p for p in problems)
    assert any(
        "1 answers are missing or invalid" in p and "force_register" not in p for p in problems
    )

    response_save(
        actor=leader,
        response=response,
        answers={
            "population": 3,
            "force_register": "non_compliant",
            "force_details": "Нет журнала",
        },
        revision=1,
    )
    problems = submission_problems(visit)
    assert any("has no finding describing it" in p for p in problems)
    with pytest.raises(ValidationError) as refused:
        visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)
    assert any("has no finding" in m for m in refused.value.messages)

    finding_record(
        actor=leader,
        visit=visit,
        theme="safeguards",
        title="Журнал применения силы не ведётся",
        description="С марта записи о применении силы и спецсредств в журнал не вносятся вообще.",
        sources=["documents"],
        severity="high",
        items=list(ComplianceMark.objects.filter(value="non_compliant")),
        no_recommendation_reason="Рекомендация будет в сводном докладе",
    )
    assert not any("finding" in p for p in submission_problems(visit))


def test_the_finding_form_offers_the_non_compliant_items(
    visit: Visit, leader: User, checklist: InstrumentVersion, client_for: Callable[[User], Client]
) -> None:
    response = response_start(actor=leader, visit=visit, version=checklist)
    response_save(
        actor=leader, response=response, answers={"force_register": "non_compliant"}, revision=0
    )
    mark = ComplianceMark.objects.get()
    client = client_for(leader)
    form = client.get(f"/visits/{visit.pk}/findings/new/?item={mark.pk}")
    assert form.context["form"]["items"].value() == [str(mark.pk)]
    assert "Ведётся журнал применения силы: Не соответствует" in form.content.decode() or (
        "Ведётся журнал применения силы" in form.content.decode()
    )
    page = client.get(f"/visits/{visit.pk}/responses/{response.uuid}/").content.decode()
    assert f"/visits/{visit.pk}/findings/new/?item={mark.pk}" in page


def test_interview_questionnaires_are_for_those_who_may_see_identities(
    visit: Visit,
    leader: User,
    coordinator: User,
    secretariat: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    questionnaire = xlsform_publish(secretariat, form_id="test-interview", kuzet_kind="interview")
    interview = interview_record(
        actor=leader,
        visit=visit,
        kind="individual",
        conducted_at=visit.created_at,
        person_code="A-01",
        consent_interview=True,
    )
    response = response_start(actor=leader, visit=visit, version=questionnaire, interview=interview)
    url = f"/visits/{visit.pk}/responses/{response.uuid}/"
    assert client_for(leader).get(url).status_code == 200
    assert client_for(secretariat).get(url).status_code == 200
    assert client_for(coordinator).get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action="access_denied", object_type="visits.response", actor_username=coordinator.username
    ).exists()
    stranger = make_user(Role.PARTICIPANT, username="stranger")
    assert client_for(stranger).get(url).status_code == 404


def test_only_the_team_fills_in_and_never_after_approval(
    visit: Visit,
    leader: User,
    coordinator: User,
    secretariat: User,
    checklist: InstrumentVersion,
    client_for: Callable[[User], Client],
) -> None:
    response = response_start(actor=leader, visit=visit, version=checklist)
    url = f"/visits/{visit.pk}/responses/{response.uuid}/"
    status, _body = autosave(client_for(secretariat), url, {"revision": "0", "population": "2"})
    assert status == 403
    Visit.objects.filter(pk=visit.pk).update(status=S.APPROVED)
    status, body = autosave(client_for(leader), url, {"revision": "0", "population": "2"})
    assert status == 422 and "approved" in str(body["error"])
    response.refresh_from_db()
    assert response.answers == {} and response.revision == 0


def test_starting_with_a_bad_instrument_or_interview_changes_nothing(
    visit: Visit, leader: User, checklist: InstrumentVersion, client_for: Callable[[User], Client]
) -> None:
    client = client_for(leader)
    for data in (
        {"version": "nonsense"},
        {"version": str(checklist.pk), "interview": "abc"},
        {"version": str(checklist.pk), "interview": "999999"},
        {},
    ):
        reply = client.post(f"/visits/{visit.pk}/responses/new/", data)
        assert reply.status_code == 302 and reply["Location"] == f"/visits/{visit.pk}/responses/"
    assert Response.objects.count() == 0


def test_compliance_answers_inside_a_repeat_are_marked_by_instance(
    visit: Visit, member: User, secretariat: User
) -> None:
    """Each instance of a repeat is counted, and a compliance question inside it gets a
    mark of its own (``cells[2].cell_ok``) with the question, its section and the answer;
    a finalized record (``response_prepare`` + ``responses_insert``) and a draft saved
    (``response_save``) count the same."""
    from django.db import transaction

    from kuzet.instruments.services import instrument_version_import, instrument_version_publish
    from kuzet.instruments.tests.xlsforms import COMPLIANCE, xlsform
    from kuzet.visits.services.responses import response_prepare, responses_insert

    survey = [
        ["begin group", "conditions", "Условия", "Жағдайлар"],
        ["select_one compliance", "light", "Есть освещение", "Жарық бар", "yes"],
        ["begin repeat", "cells", "Камеры", "Камералар"],
        ["text", "cell_no", "Номер камеры", "Камера нөмірі", "yes"],
        ["select_one compliance", "cell_ok", "Камера в порядке", "Камера дұрыс", "yes"],
        ["end repeat"],
        ["end group"],
    ]
    outcome = instrument_version_import(
        data=xlsform(survey=survey, choices=COMPLIANCE), actor=secretariat
    )
    assert outcome.version is not None, outcome.errors
    version = instrument_version_publish(version=outcome.version, actor=secretariat)
    answers = {
        "light": "compliant",
        "cells": [
            {"cell_no": "1", "cell_ok": "compliant"},
            {"cell_no": "2", "cell_ok": "non_compliant"},
        ],
    }
    with transaction.atomic():
        new = response_prepare(actor=member, visit=visit, version=version, answers=answers)
        responses_insert([new])
    recorded = new.response
    drafted = response_start(actor=member, visit=visit, version=version)
    drafted = response_save(actor=member, response=drafted, answers=answers, revision=0)

    for response in (recorded, drafted):
        response.refresh_from_db()
        assert (response.answered_count, response.problem_count) == (5, 0)
        marks = {
            (m.path, m.question, m.section, m.value)
            for m in ComplianceMark.objects.filter(response=response)
        }
        assert marks == {
            ("light", "light", "conditions", "compliant"),
            ("cells[1].cell_ok", "cell_ok", "conditions", "compliant"),
            ("cells[2].cell_ok", "cell_ok", "conditions", "non_compliant"),
        }
