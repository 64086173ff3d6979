"""The onboarding test kept as an instrument (kind "test"): rendered from its published
version, scored on the server, retakes kept and audited, the team gate, a new version, the
passes of the first test (kept in code) kept by the migration."""

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from kuzet.conftest import InstitutionFactory
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role, may_join_team
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.scoring import right_answers
from kuzet.instruments.services import (
    LIBRARY_DIR,
    instrument_version_import,
    instrument_version_publish,
)
from kuzet.membership.models import Application, OnboardingAttempt, Participation
from kuzet.membership.services import invitation_issue, onboarding_attempt
from kuzet.membership.tests.conftest import right_answers_form
from kuzet.membership.tests.test_participants import (  # noqa: F401 (the fixture)
    become_participant,
    invitation_path,
    selected,
)
from kuzet.people.models import User
from kuzet.visits.models import TeamMember
from kuzet.visits.preparation import instruments_for
from kuzet.visits.services.planning import TeamPlace, visit_plan

pytestmark = pytest.mark.django_db
PAGE = "/membership/onboarding/"


@pytest.fixture
def newcomer(selected: Application, secretariat: User, mailoutbox: list[Any]) -> Client:  # noqa: F811
    """A selected applicant who accepted the invitation and enrolled a second factor."""
    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="")
    client = Client()
    become_participant(client, invitation_path(mailoutbox[0]))
    return client


def wrong_for(version: InstrumentVersion, *names: str) -> dict[str, Any]:
    """The right answers but for ``names``, answered wrong."""
    form = right_answers_form(version)
    lists = version.document["choice_lists"]
    for name in names:
        right = set(right_answers(version.document)[name])
        form[name] = [next(c["name"] for c in lists[name] if c["name"] not in right)]
    return form


def new_version(secretariat: User, *, label: str, reprisals_right: str) -> InstrumentVersion:
    """The library's test edited as the secretariat would: another right answer, another
    version label; uploaded and published."""
    book = load_workbook(LIBRARY_DIR / "onboarding-test.xlsx")
    choices = book["choices"]
    header = [c.value for c in choices[1]]
    for row in choices.iter_rows(min_row=2):
        if row[0].value == "reprisals":
            row[header.index("kuzet_correct")].value = (
                "yes" if row[1].value == reprisals_right else "no"
            )
    book["settings"]["C2"] = label
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = instrument_version_import(data=buffer.getvalue(), actor=secretariat)
    assert outcome.version is not None, outcome.errors
    return instrument_version_publish(version=outcome.version, actor=secretariat)


def test_the_page_renders_the_published_version_without_its_right_answers(
    newcomer: Client, onboarding_test: InstrumentVersion
) -> None:
    page = newcomer.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Whom may you interview in private?" in html  # the English label of the instrument
    assert f'name="version" value="{onboarding_test.pk}"' in html
    assert 'type="checkbox" name="facts"' in html  # select_multiple as checkboxes
    assert "kuzet_correct" not in html and "right answer" not in html
    assert " checked" not in html


def test_a_wrong_attempt_is_kept_and_the_gate_stays_shut_until_a_pass(
    newcomer: Client,
    onboarding_test: InstrumentVersion,
    make_user: Callable[..., User],
) -> None:
    user = User.objects.get(username="newbie")
    # Two of five wrong: 60 % < 80 %.
    failed = newcomer.post(PAGE, wrong_for(onboarding_test, "reprisals", "facts"))
    assert failed.status_code == 302
    attempt = OnboardingAttempt.objects.get()
    assert (attempt.correct, attempt.total, attempt.passed) == (3, 5, False)
    assert attempt.version == onboarding_test
    message = newcomer.get(PAGE).content.decode()
    assert "3 of 5 answers are right; 80% are needed" in message
    assert Participation.objects.get().status == Participation.Status.ONBOARDING
    assert not may_join_team(user)
    coordinator = make_user(Role.COORDINATOR, username="coord")
    leader = make_user(Role.GROUP_LEADER, username="lead")
    team = [TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(user, TeamMember.Role.MEMBER)]
    with pytest.raises(ValidationError, match="onboarding is not finished"):
        visit_plan(
            actor=coordinator,
            institution=InstitutionFactory(),
            planned_date=date(2027, 3, 1),
            team=team,
        )
    # A select_multiple answer is right only when it is exactly the right set: one of
    # the two right choices is wrong. Four of five is 80 %: a pass.
    partial = right_answers_form(onboarding_test) | {"facts": ["a"]}
    assert newcomer.post(PAGE, partial).status_code == 302
    passed = OnboardingAttempt.objects.order_by("-pk").first()
    assert passed is not None and (passed.correct, passed.passed) == (4, True)
    assert passed.version == onboarding_test
    participation = Participation.objects.get()
    assert participation.status == Participation.Status.ACTIVE
    assert participation.test_passed_at is not None
    assert may_join_team(User.objects.get(pk=user.pk))
    visit = visit_plan(
        actor=coordinator,
        institution=InstitutionFactory(),
        planned_date=date(2027, 3, 1),
        team=team,
    )
    assert TeamMember.objects.filter(visit=visit, user=user).exists()
    # Both attempts are in the trail; once passed, no more attempts are taken.
    created = AuditEvent.objects.filter(object_type="membership.onboardingattempt", action="create")
    assert created.count() == 2
    assert newcomer.post(PAGE, right_answers_form(onboarding_test)).status_code == 302
    assert OnboardingAttempt.objects.count() == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"private": None}, "private"),  # unanswered
        ({"private": "z"}, "private"),  # not one of the choices
        ({"reprisals": "<b>" * 2000}, "reprisals"),
        ({"facts": ["a", "zz"]}, "facts"),
        ({"acknowledge": None}, "acknowledge"),
    ],
)
def test_bad_answers_are_named_at_their_question_and_nothing_is_kept(
    newcomer: Client, onboarding_test: InstrumentVersion, change: dict[str, Any], field: str
) -> None:
    form = {k: v for k, v in (right_answers_form(onboarding_test) | change).items() if v}
    page = newcomer.post(PAGE, form)
    assert page.status_code == 422
    html = page.content.decode()
    assert 'class="errorlist"' in html
    if field != "acknowledge":
        assert f'data-name="{field}"' in html
        errors = page.context["sections"][0].items
        assert [f.path for f in errors if f.errors] == [field]
    else:
        assert page.context["form"].errors["acknowledge"]
    assert not OnboardingAttempt.objects.exists()
    assert Participation.objects.get().status == Participation.Status.ONBOARDING


def test_a_missing_or_forged_version_is_refused(
    newcomer: Client, onboarding_test: InstrumentVersion
) -> None:
    for version in ("", "abc", "999999", "-1"):
        page = newcomer.post(PAGE, right_answers_form(onboarding_test) | {"version": version})
        assert page.status_code == 422
        assert "A new version of the test was published" in page.content.decode()
    assert not OnboardingAttempt.objects.exists()


def test_without_a_published_test_nobody_can_finish_onboarding(newcomer: Client) -> None:
    page = newcomer.get(PAGE)
    assert "The test is not published yet" in page.content.decode()
    refused = newcomer.post(PAGE, {"version": "1", "acknowledge": "on"})
    assert refused.status_code == 422
    assert Participation.objects.get().status == Participation.Status.ONBOARDING


def test_a_new_version_is_the_one_answered_and_the_pass_records_it(
    newcomer: Client, onboarding_test: InstrumentVersion, secretariat: User
) -> None:
    second = new_version(secretariat, label="2027.1", reprisals_right="c")
    assert second.number == onboarding_test.number + 1
    # The page opened before the new version was published: refused, nothing kept.
    stale = newcomer.post(PAGE, right_answers_form(onboarding_test))
    assert stale.status_code == 422
    assert "A new version of the test was published" in stale.content.decode()
    assert f'value="{second.pk}"' in stale.content.decode()
    assert not OnboardingAttempt.objects.exists()
    # The old right answer to "reprisals" is now wrong (4 of 5 still passes: make two wrong).
    old_answers = right_answers_form(onboarding_test) | {"version": str(second.pk)}
    old_answers["private"] = ["b"]
    newcomer.post(PAGE, old_answers)
    assert OnboardingAttempt.objects.get().passed is False
    assert newcomer.post(PAGE, right_answers_form(second)).status_code == 302
    passed = OnboardingAttempt.objects.get(passed=True)
    assert passed.version == second
    assert Participation.objects.get().status == Participation.Status.ACTIVE


def test_the_secretariat_sees_the_attempts_and_the_version_passed(
    newcomer: Client,
    onboarding_test: InstrumentVersion,
    client_for: Callable[[User], Client],
    secretariat: User,
) -> None:
    newcomer.post(PAGE, wrong_for(onboarding_test, "reprisals", "private"))
    newcomer.post(PAGE, right_answers_form(onboarding_test))
    page = client_for(secretariat).get("/membership/participants/").content.decode()
    assert f"passed 5/5 · v{onboarding_test.number}" in page
    assert "(2 attempts)" in page


def test_the_migration_keeps_the_passes_of_the_first_test(
    newcomer: Client, onboarding_test: InstrumentVersion
) -> None:
    import importlib

    migration = importlib.import_module(
        "kuzet.membership.migrations.0004_onboarding_test_and_photo"
    )
    passed_at = timezone.now().replace(microsecond=0)
    Participation.objects.update(
        status=Participation.Status.ACTIVE, test_passed_at=passed_at
    )  # as the first test left it
    migration.keep_old_passes(django_apps, None)
    attempt = OnboardingAttempt.objects.get()
    assert attempt.passed and attempt.version is None and attempt.created_at == passed_at
    assert may_join_team(User.objects.get(username="newbie"))


def test_the_test_is_for_no_visit_and_its_answers_are_the_secretariats(
    onboarding_test: InstrumentVersion,
    client_for: Callable[[User], Client],
    secretariat: User,
    make_user: Callable[..., User],
) -> None:
    assert onboarding_test not in instruments_for(InstitutionFactory())
    code, number = onboarding_test.instrument.code, onboarding_test.number
    detail = f"/instruments/{code}/v{number}/"
    participant = client_for(make_user(Role.PARTICIPANT, username="p2"))
    assert participant.get(detail).status_code == 404
    assert participant.get(detail + "xlsform/").status_code == 404
    assert code not in participant.get("/instruments/").content.decode()
    page = client_for(secretariat).get(detail).content.decode()
    assert "right answer" in page and "80%" in page


def test_scoring_refuses_a_document_that_is_not_a_test(
    onboarding_test: InstrumentVersion, newcomer: Client
) -> None:
    from kuzet.instruments.scoring import score_test

    with pytest.raises(ValueError):
        score_test({**onboarding_test.document, "kind": "checklist"}, {})
    with pytest.raises(ValidationError):
        onboarding_attempt(
            participation=Participation.objects.get(),
            version_id=onboarding_test.pk,
            answers=["not", "an", "object"],
            acknowledged=True,
        )
    assert not OnboardingAttempt.objects.exists()
