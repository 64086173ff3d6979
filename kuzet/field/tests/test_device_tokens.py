"""Signing a tablet in: a device token for password (and TOTP); expired and revoked tokens."""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.conftest import PASSWORD
from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import Role
from kuzet.field.models import DeviceToken
from kuzet.field.services import device_token_revoke
from kuzet.field.tests.device import API, Device
from kuzet.people.demo import DEMO_USERNAMES
from kuzet.people.models import SignInThrottle, ThrottleScope, User

pytestmark = pytest.mark.django_db
URL = f"{API}/auth/device-token"


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    body = {"username": username, "password": password, "device_name": "Tablet 3", **extra}
    return client.post(
        URL, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


def code_of(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_a_participant_gets_a_token_shown_once_and_stored_as_its_hash(
    client: Client, participant: User
) -> None:
    reply = sign_in(client, "alia")

    assert reply.status_code == 201, reply.content
    body = reply.json()
    token = body["token"]
    assert token.startswith("kzt_") and len(token) > 40
    assert body["user"] == {
        "id": participant.pk,
        "username": "alia",
        "full_name": participant.full_name,
        "role": "participant",
    }
    device = DeviceToken.objects.get(pk=body["device_id"])
    assert device.name == body["device_name"] == "Tablet 3"
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not DeviceToken.objects.filter(token_hash=token).exists()
    lifetime = device.expires_at - device.created_at
    assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30)
    # A sign-in, in the user's name; the token's hash never enters the trail.
    events = AuditEvent.objects.filter(actor_id=participant.pk)
    assert events.filter(action=AuditAction.LOGIN).exists()
    created = events.get(object_type="field.devicetoken", action=AuditAction.CREATE)
    assert "token_hash" in created.fields and "token_hash" not in created.values
    assert device.token_hash not in json.dumps(list(AuditEvent.objects.values("values")))


def test_token_lifetime_follows_the_setting(
    client: Client, participant: User, settings: Any
) -> None:
    settings.DEVICE_TOKEN_DAYS = 3
    reply = sign_in(client, "alia")
    device = DeviceToken.objects.get(pk=reply.json()["device_id"])
    assert timedelta(days=2, hours=23) < device.expires_at - device.created_at <= timedelta(days=3)


def test_a_wrong_password_is_401_and_counted_by_the_throttle(
    client: Client, participant: User, settings: Any
) -> None:
    reply = sign_in(client, "alia", "not-the-password")

    assert reply.status_code == 401
    assert reply["Content-Type"] == "application/problem+json"
    assert reply.json()["code"] == "invalid_credentials"
    assert "token" not in reply.json()
    assert SignInThrottle.objects.get(scope=ThrottleScope.ACCOUNT, user=participant).failures == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILED, actor_id=participant.pk
    ).exists()

    for _attempt in range(settings.SIGN_IN_FREE_TRIES - 1):
        sign_in(client, "alia", "not-the-password")
    locked = sign_in(client, "alia")  # even the right password, until the delay is over
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    assert locked.json()["code"] == "sign_in_throttled"
    assert not DeviceToken.objects.exists()


def test_a_successful_sign_in_resets_the_failure_count(client: Client, participant: User) -> None:
    sign_in(client, "alia", "not-the-password")
    assert sign_in(client, "alia").status_code == 201
    assert not SignInThrottle.objects.filter(scope=ThrottleScope.ACCOUNT).exists()


def test_a_user_with_a_totp_device_must_give_a_valid_code(
    client: Client, participant: User
) -> None:
    device = TOTPDevice.objects.create(user=participant, name="phone", confirmed=True)

    missing = sign_in(client, "alia")
    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    wrong_code = f"{(int(code_of(device)) + 1) % 10**6:06d}"
    wrong = sign_in(client, "alia", otp=wrong_code)
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    assert not DeviceToken.objects.exists()

    device.refresh_from_db()
    device.throttle_reset()
    right = sign_in(client, "alia", otp=code_of(device))
    assert right.status_code == 201, right.content


def test_wrong_codes_are_throttled(client: Client, participant: User) -> None:
    device = TOTPDevice.objects.create(
        user=participant,
        name="phone",
        confirmed=True,
        throttling_failure_count=5,
        throttling_failure_timestamp=timezone.now(),
    )
    reply = sign_in(client, "alia", otp=code_of(device))
    assert reply.status_code == 429
    assert reply.json()["code"] == "otp_throttled"


def test_demo_users_get_no_token_outside_the_demo_configuration(
    client: Client, make_user: Callable[..., User], settings: Any
) -> None:
    demo_name = sorted(DEMO_USERNAMES)[0]
    make_user(Role.PARTICIPANT, username=demo_name)

    settings.DEMO = False
    refused = sign_in(client, demo_name)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_credentials"

    settings.DEMO = True
    assert sign_in(client, demo_name).status_code == 201


def test_a_two_factor_role_without_a_device_is_sent_to_enrol_on_the_web(
    client: Client, coordinator: User, settings: Any
) -> None:
    settings.DEMO = False
    refused = sign_in(client, "bolat")
    assert refused.status_code == 403
    assert refused.json()["code"] == "enrol_two_factor"
    assert not DeviceToken.objects.exists()

    settings.DEMO = True
    assert sign_in(client, "bolat").status_code == 201


def test_expired_revoked_unknown_and_missing_tokens_are_401_with_their_code(
    device_for: Callable[[User], Device], participant: User
) -> None:
    device = device_for(participant)
    assert device.get("/field/package").status_code == 200
    row = DeviceToken.objects.get()
    assert row.last_used_at is not None

    row.expires_at = timezone.now() - timedelta(minutes=1)
    row.save(update_fields=["expires_at"])
    expired = device.get("/field/package")
    assert expired.status_code == 401
    assert expired["Content-Type"] == "application/problem+json"
    assert expired.json()["code"] == "token_expired"

    row.expires_at = timezone.now() + timedelta(days=1)
    row.save(update_fields=["expires_at"])
    device_token_revoke(actor=participant, device=row)
    revoked = device.get("/field/package")
    assert revoked.status_code == 401 and revoked.json()["code"] == "token_revoked"

    assert Device(token="kzt_not-a-token").get("/field/package").json()["code"] == "token_invalid"
    missing = Client().get(f"{API}/field/package")
    assert missing.status_code == 401 and missing.json()["code"] == "token_missing"
    assert missing["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_users_token_stops_working(
    device_for: Callable[[User], Device], participant: User
) -> None:
    device = device_for(participant)
    participant.is_active = False
    participant.save(update_fields=["is_active"])
    assert device.get("/field/package").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "[]",
        '"a string"',
        "{}",
        '{"username": 5, "password": [], "device_name": {}}',
        json.dumps({"username": "x" * 100_000, "password": "p", "device_name": "d"}),
        json.dumps({"username": "alia", "password": PASSWORD, "device_name": ""}),
        '{"username": "alia", "password": "',
    ],
)
def test_garbage_sign_in_bodies_are_problems_never_500(
    client: Client, participant: User, body: str
) -> None:
    reply = client.post(URL, body, content_type="application/json")
    assert reply.status_code in (400, 422), reply.content
    assert reply["Content-Type"] == "application/problem+json"
    problem = reply.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == reply.status_code
    assert PASSWORD not in reply.content.decode()
