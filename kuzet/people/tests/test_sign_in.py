"""Signing in: passwords (Argon2), lockout, two-factor authentication, session expiry."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.conftest import PASSWORD
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_passwords_are_hashed_with_argon2(participant: User) -> None:
    assert participant.password.startswith("argon2$")


def test_a_participant_signs_in_with_a_password_alone(participant: User) -> None:
    client = Client()
    response = sign_in(client, "alia")
    assert response.status_code == 302
    assert client.get("/inventory/").status_code == 200


def test_a_wrong_password_is_refused(participant: User) -> None:
    client = Client()
    response = sign_in(client, "alia", "not-the-password")
    assert response.status_code == 200
    assert client.get("/inventory/").status_code == 302


def test_a_wrong_password_is_said_in_kazakh_too(participant: User) -> None:
    response = Client().post(
        "/accounts/login/", {"username": "alia", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="kk"
    )
    assert "Логин немесе құпиясөз қате." in response.content.decode()


def test_repeated_failures_delay_even_the_right_password(participant: User) -> None:
    client = Client()
    for _ in range(settings.SIGN_IN_FREE_TRIES):
        sign_in(client, "alia", "guess")
    response = sign_in(client, "alia")
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert client.get("/inventory/").status_code == 302
    assert (
        AuditEvent.objects.filter(action="login_failed", actor_username="alia").count()
        == settings.SIGN_IN_FREE_TRIES
    )


@pytest.mark.parametrize(
    "role", [Role.SECRETARIAT, Role.COORDINATOR, Role.ADMINISTRATOR, Role.COUNCIL, Role.AUDITOR]
)
def test_roles_with_sensitive_access_must_enrol_a_second_factor(
    make_user: Callable[..., User], role: Role
) -> None:
    make_user(role, username="staff")
    client = Client()
    sign_in(client, "staff")
    response = client.get("/inventory/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/")


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_enrolling_a_second_factor_with_a_real_code(make_user: Callable[..., User]) -> None:
    make_user(Role.SECRETARIAT, username="staff")
    client = Client()
    sign_in(client, "staff")
    page = client.get("/accounts/two-factor/setup/")
    assert b"<svg" in page.content  # the QR code
    device = TOTPDevice.objects.get(user__username="staff", confirmed=False)
    assert client.post("/accounts/two-factor/setup/", {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    response = client.post(
        "/accounts/two-factor/setup/", {"token": current_code(device), "next": "/inventory/"}
    )
    assert response.status_code == 302 and response["Location"] == "/inventory/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/inventory/").status_code == 200


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_a_user_with_a_device_must_give_a_code_at_every_sign_in(
    make_user: Callable[..., User],
) -> None:
    user = make_user(Role.PARTICIPANT, username="careful")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "careful")
    response = client.get("/inventory/")
    assert response["Location"].startswith("/accounts/two-factor/?next=")
    assert client.post("/accounts/two-factor/", {"token": "123456"}).status_code == 200
    assert AuditEvent.objects.filter(action="login_failed", fields=["otp_token"]).count() == 1
    response = client.post(
        "/accounts/two-factor/", {"token": current_code(device), "next": "/inventory/"}
    )
    assert response["Location"] == "/inventory/"
    assert client.get("/inventory/").status_code == 200


@override_settings(OTP_TOTP_THROTTLE_FACTOR=600)
def test_wrong_codes_slow_down_further_tries(make_user: Callable[..., User]) -> None:
    user = make_user(Role.PARTICIPANT, username="careful")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "careful")
    client.post("/accounts/two-factor/", {"token": "123456"}, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/two-factor/", {"token": current_code(device)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert b"Too many failed attempts. Try again in 10 minutes." in response.content
    assert client.get("/inventory/").status_code == 302


def test_the_next_address_cannot_lead_off_site(make_user: Callable[..., User]) -> None:
    user = make_user(Role.PARTICIPANT, username="careful")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "careful")
    response = client.post(
        "/accounts/two-factor/", {"token": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@override_settings(DEMO=True)
def test_the_demo_configuration_offers_but_does_not_force_two_factor(
    make_user: Callable[..., User],
) -> None:
    make_user(Role.ADMINISTRATOR, username="demo")
    client = Client()
    sign_in(client, "demo")
    assert client.get("/inventory/").status_code == 200
    assert b"/accounts/two-factor/setup/" in client.get("/accounts/me/").content


def test_an_idle_session_expires(participant: User) -> None:
    client = Client()
    sign_in(client, "alia")
    assert client.get("/inventory/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    session.expire_date = timezone.now() - timedelta(seconds=1)
    session.save()
    assert client.get("/inventory/").status_code == 302
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_signing_out_ends_the_session(participant: User) -> None:
    client = Client()
    sign_in(client, "alia")
    client.post("/accounts/logout/")
    assert client.get("/inventory/").status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor_username="alia").exists()


def test_an_administrator_resets_a_lost_second_factor(
    administrator: User, make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    user = make_user(Role.PARTICIPANT, username="lostphone")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = client_for(administrator).post(
        "/admin/people/user/",
        {"action": "reset_two_factor", "_selected_action": [user.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert b"Two-factor authentication reset for 1 user" in response.content
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(
        action="delete", object_id=str(user.pk), fields=["totp_device"]
    ).exists()


def test_the_administration_is_closed_to_regional_roles(
    coordinator: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(coordinator).get("/admin/registry/institution/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
