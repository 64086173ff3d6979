"""From applicant to participant: the invitation, two-factor enrolment, onboarding, the team
gate, the terms, and the mandate a duty officer verifies."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.conftest import PASSWORD, InstitutionFactory
from kuzet.core.policy import Role, may_join_team
from kuzet.field.models import DeviceToken
from kuzet.field.services import device_token_issue
from kuzet.membership.models import (
    AgendaItem,
    Application,
    Call,
    Participation,
)
from kuzet.membership.services import (
    VoteSpec,
    call_decide,
    invitation_issue,
    participation_set_status,
)
from kuzet.membership.tests.conftest import applied, right_answers_form
from kuzet.membership.tokens import mandate_code, normalise_code
from kuzet.people.models import Invitation, User
from kuzet.registry.models import Region
from kuzet.visits.models import TeamMember
from kuzet.visits.services.planning import TeamPlace, visit_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("onboarding_test")]
NEW_PASSWORD = "a-long-new-passphrase-2027"


@pytest.fixture
def selected(
    call: Call,
    own_region: Region,
    mailoutbox: list[Any],
    secretariat: User,
    council: list[User],
    agenda_item: AgendaItem,
) -> Application:
    application = applied(call, own_region, mailoutbox, "new@example.kz")
    call_decide(
        actor=secretariat,
        call=call,
        agenda_item=agenda_item,
        selected=[application],
        reasons="Решение совета",
        votes=[VoteSpec(m, "for") for m in council],
        base_url="",
    )
    application.refresh_from_db()
    return application


def invitation_path(mail: Any) -> str:
    found = re.search(r"/apply/invitation/[^/\s]+/", mail.body)
    assert found, mail.body
    return found.group(0)


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def become_participant(client: Client, path: str) -> User:
    response = client.post(
        path, {"username": "newbie", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/")
    client.get(response["Location"])
    user = User.objects.get(username="newbie")
    device = TOTPDevice.objects.get(user=user)
    enrolled = client.post(
        "/accounts/two-factor/setup/?next=/membership/onboarding/", {"token": code_of(device)}
    )
    assert enrolled.status_code == 302
    return user


def onboard(client: Client) -> Any:
    from kuzet.membership.services import onboarding_test_version

    version = onboarding_test_version()
    assert version is not None
    return client.post("/membership/onboarding/", right_answers_form(version))


def test_a_selected_applicant_becomes_a_participant_of_the_calls_region(
    selected: Application, secretariat: User, mailoutbox: list[Any], own_region: Region
) -> None:
    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="https://kuzet.example")
    path = invitation_path(mailoutbox[0])
    client = Client()
    assert client.get(path).status_code == 200
    user = become_participant(client, path)
    assert user.role == Role.PARTICIPANT
    assert user.full_name == selected.full_name and user.email == "new@example.kz"
    assert user.region_ids() == frozenset({own_region.pk})
    participation = Participation.objects.get(user=user)
    assert participation.status == Participation.Status.ONBOARDING
    # The link worked once.
    assert Client().get(path).status_code == 410
    assert Invitation.objects.get().used_at is not None


def test_an_expired_or_unknown_invitation_is_refused(
    selected: Application, secretariat: User, mailoutbox: list[Any]
) -> None:
    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="")
    path = invitation_path(mailoutbox[0])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().post(path, {"username": "x1", "password": NEW_PASSWORD}).status_code == 410
    assert Client().get("/apply/invitation/guessed-token/").status_code == 410
    assert not User.objects.filter(username="x1").exists()


def test_a_weak_password_or_taken_login_is_named_and_nothing_is_created(
    selected: Application, secretariat: User, mailoutbox: list[Any]
) -> None:
    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="")
    path = invitation_path(mailoutbox[0])
    response = Client().post(
        path, {"username": secretariat.username, "password": "123", "password_again": "123"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "username" in errors and "password" in errors
    assert not Participation.objects.exists()
    assert Invitation.objects.get().used_at is None


def test_onboarding_comes_before_any_visit_team(
    selected: Application,
    secretariat: User,
    mailoutbox: list[Any],
    make_user: Callable[..., User],
) -> None:
    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="")
    client = Client()
    user = become_participant(client, invitation_path(mailoutbox[0]))
    assert not may_join_team(user)
    coordinator = make_user(Role.COORDINATOR, username="coord")
    leader = make_user(Role.GROUP_LEADER, username="lead")
    team = [TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(user, TeamMember.Role.MEMBER)]
    with pytest.raises(ValidationError, match="onboarding is not finished") as refused:
        visit_plan(
            actor=coordinator,
            institution=InstitutionFactory(),
            planned_date=date(2027, 3, 1),
            team=team,
        )
    assert "not an NPM participant" not in str(refused.value)
    wrong = client.post("/membership/onboarding/", {"reprisals": "a", "private": "b"})
    assert wrong.status_code == 422  # unanswered questions, rules not acknowledged
    assert Participation.objects.get().status == Participation.Status.ONBOARDING
    assert onboard(client).status_code == 302
    assert Participation.objects.get().status == Participation.Status.ACTIVE
    user = User.objects.get(pk=user.pk)
    visit = visit_plan(
        actor=coordinator,
        institution=InstitutionFactory(),
        planned_date=date(2027, 3, 1),
        team=team,
    )
    assert TeamMember.objects.filter(visit=visit, user=user).exists()


def test_the_mandate_is_verified_by_its_code_and_shows_nothing_else(
    selected: Application,
    secretariat: User,
    mailoutbox: list[Any],
) -> None:
    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="")
    client = Client()
    user = become_participant(client, invitation_path(mailoutbox[0]))
    participation = Participation.objects.get(user=user)
    code = mandate_code(participation.mandate_number)
    assert len(code.replace("-", "")) * 5 >= 80  # base32: 5 bits a character
    before = Client().get(f"/verify/{code}/").content.decode()
    assert "NOT VALID" in before  # onboarding not finished
    onboard(client)
    page = Client().get("/verify/", {"code": code.lower().replace("-", " ")}).content.decode()
    assert "VALID TODAY" in page and "NOT VALID" not in page
    assert user.full_name in page
    assert "new@example.kz" not in page and user.phone not in page
    for odd in ("ЖЖЖЖ-ЁЁЁЁ", "%00'; drop table", "x" * 40):
        assert "NOT VALID" in Client().get("/verify/", {"code": odd}).content.decode()
    assert Client().get("/verify/", {"code": "x" * 41}).status_code == 200  # a field error
    guessed = Client().get("/verify/", {"code": "AAAA-BBBB-CCCC-DDDD"}).content.decode()
    assert "NOT VALID" in guessed and user.full_name not in guessed
    assert normalise_code(code.lower()) == code


def test_mandate_look_ups_are_rate_limited(settings: Any, db: Any) -> None:
    settings.MEMBERSHIP_VERIFY_PER_ADDRESS_HOUR = 3
    client = Client(REMOTE_ADDR="127.0.3.3")
    for _ in range(3):
        assert client.get("/verify/AAAA-BBBB-CCCC-DDDD/").status_code == 200
    refused = client.get("/verify/AAAA-BBBB-CCCC-DDDD/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert client.get("/verify/").status_code == 200  # the empty form is not a look-up


def test_exclusion_ends_sign_in_teams_tokens_and_the_mandate(
    selected: Application,
    secretariat: User,
    mailoutbox: list[Any],
    client_for: Callable[[User], Client],
    council: list[User],
    agenda_item: AgendaItem,
) -> None:
    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="")
    client = Client()
    user = become_participant(client, invitation_path(mailoutbox[0]))
    onboard(client)
    device, _token = device_token_issue(user=user, name="планшет")
    participation = Participation.objects.get(user=user)
    # Exclusion is a Council decision taken at a meeting, on one of its agenda items.
    response = client_for(secretariat).post(
        f"/membership/meetings/{agenda_item.meeting_id}/decide/",
        {
            "agenda_item": str(agenda_item.pk),
            "text": "Исключить участника",
            "reasons": "Разглашение сведений о посещении",
            "participation": str(participation.pk),
            "new_status": "excluded",
            **{f"vote_{m.pk}": "for" for m in council},
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert participation.decisions.get().meeting == agenda_item.meeting
    page = client_for(secretariat).get("/membership/participants/").content.decode()
    assert agenda_item.meeting.title in page
    participation.refresh_from_db()
    assert participation.status == Participation.Status.EXCLUDED
    user.refresh_from_db()
    assert not user.is_active and not may_join_team(user)
    assert DeviceToken.objects.get(pk=device.pk).revoked_at is not None
    assert client.get("/").status_code == 302  # the session is over
    fresh = Client()
    assert fresh.login(username="newbie", password=NEW_PASSWORD) is False
    code = mandate_code(participation.mandate_number)
    assert "NOT VALID" in Client().get(f"/verify/{code}/").content.decode()
    assert "VALID TODAY" not in Client().get(f"/verify/{code}/").content.decode()


def test_only_the_secretariat_changes_terms_and_a_reason_is_required(
    selected: Application,
    secretariat: User,
    mailoutbox: list[Any],
    council: list[User],
) -> None:
    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="")
    user = become_participant(Client(), invitation_path(mailoutbox[0]))
    participation = Participation.objects.get(user=user)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        participation_set_status(
            actor=council[0], participation=participation, status="suspended", reason="x"
        )
    with pytest.raises(ValidationError):
        participation_set_status(
            actor=secretariat, participation=participation, status="suspended", reason=" "
        )
    assert Participation.objects.get().status == Participation.Status.ONBOARDING
    assert PASSWORD  # personas keep their own password


def test_the_mandate_pdf_names_the_participant_in_both_languages(
    selected: Application, secretariat: User, mailoutbox: list[Any], tmp_path: Any
) -> None:
    import shutil
    import subprocess

    mailoutbox.clear()
    invitation_issue(actor=secretariat, application=selected, base_url="")
    client = Client()
    user = become_participant(client, invitation_path(mailoutbox[0]))
    onboard(client)
    participation = Participation.objects.get(user=user)
    for language, words in (("ru", "Мандат участника"), ("kk", "қатысушысының мандаты")):
        response = client.get("/membership/mandate/", {"lang": language})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        pdftotext = shutil.which("pdftotext")
        if pdftotext:
            pdf = tmp_path / f"mandate-{language}.pdf"
            pdf.write_bytes(response.content)
            text = subprocess.run(
                [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout
            assert words in text and user.full_name in text
            assert mandate_code(participation.mandate_number) in text
    assert Client().get("/membership/mandate/").status_code == 302  # signed out: sign in first
