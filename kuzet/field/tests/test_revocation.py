"""Revoking a device's access: by its user on their page, by an administrator in the
admin; and the server key file."""

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kuzet.core.models import AuditAction, AuditEvent
from kuzet.field import keys
from kuzet.field.models import DeviceToken
from kuzet.field.tests.device import Device
from kuzet.people.models import User

pytestmark = pytest.mark.django_db


def test_the_users_page_lists_their_devices_and_revokes_one(
    participant: User,
    member: User,
    client_for: Callable[[User], Client],
    device_for: Callable[[User], Device],
) -> None:
    device = device_for(participant)
    device_for(member)
    mine = DeviceToken.objects.get(user=participant)
    client = client_for(participant)

    page = client.get("/accounts/me/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Tablet 3" in content and f"/accounts/me/devices/{mine.pk}/revoke/" in content
    assert mine.token_hash not in content
    assert content.count("/revoke/") == 1  # not the other user's device

    reply = client.post(f"/accounts/me/devices/{mine.pk}/revoke/")
    assert reply.status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None and mine.revoked_by == participant
    assert device.get("/field/package").json()["code"] == "token_revoked"
    event = AuditEvent.objects.get(object_type="field.devicetoken", action=AuditAction.UPDATE)
    assert event.actor_id == participant.pk and "revoked_at" in event.fields


def test_nobody_revokes_another_users_device_from_their_page(
    participant: User,
    member: User,
    client_for: Callable[[User], Client],
    device_for: Callable[[User], Device],
) -> None:
    device_for(member)
    theirs = DeviceToken.objects.get(user=member)
    reply = client_for(participant).post(f"/accounts/me/devices/{theirs.pk}/revoke/")
    assert reply.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert (
        client_for(participant).get(f"/accounts/me/devices/{theirs.pk}/revoke/").status_code == 405
    )


def test_an_administrator_revokes_devices_in_the_admin_without_seeing_the_hash(
    administrator: User,
    member: User,
    client_for: Callable[[User], Client],
    device_for: Callable[[User], Device],
) -> None:
    device = device_for(member)
    row = DeviceToken.objects.get()
    admin = client_for(administrator)

    listing = admin.get("/admin/field/devicetoken/")
    assert listing.status_code == 200
    assert "Tablet 3" in listing.content.decode()
    detail = admin.get(f"/admin/field/devicetoken/{row.pk}/change/")
    assert detail.status_code == 200
    assert row.token_hash not in listing.content.decode() + detail.content.decode()

    reply = admin.post(
        "/admin/field/devicetoken/", {"action": "revoke", "_selected_action": [row.pk]}
    )
    assert reply.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == administrator
    assert device.get("/field/package").json()["code"] == "token_revoked"


def test_a_participant_cannot_reach_device_tokens_in_the_admin(
    participant: User, client_for: Callable[[User], Client]
) -> None:
    reply = client_for(participant).get("/admin/field/devicetoken/")
    assert reply.status_code == 302 and "/admin/login/" in reply["Location"]


def test_the_server_key_is_created_once_with_mode_0600(tmp_path: Path, settings: Any) -> None:
    path = tmp_path / "sub" / "field-private-key.pem"
    settings.FIELD_PRIVATE_KEY_FILE = path

    first = keys.current_key()

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.private_key.key_size == 3072
    before = path.read_bytes()
    keys.reset_keys()
    assert keys.current_key().kid == first.kid and path.read_bytes() == before


def test_an_old_key_still_opens_records_sealed_to_it(
    tmp_path: Path, settings: Any, server_key: Path
) -> None:
    old = keys.current_key()
    settings.FIELD_PRIVATE_KEY_FILE = tmp_path / "new-key.pem"
    settings.FIELD_OLD_PRIVATE_KEY_FILES = [server_key]

    assert keys.current_key().kid != old.kid
    assert keys.key_for(old.kid) is not None
    settings.FIELD_OLD_PRIVATE_KEY_FILES = []
    assert keys.key_for(old.kid) is None
