"""Separation of duties (issue 22): no own role change, a second person confirms a raise to
a role that reads visits, administrators never set passwords."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client, override_settings
from django.urls import get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import CONTENT_ROLES, Role
from kuzet.people.models import RoleChangeRequest, User

pytestmark = pytest.mark.django_db


def change_form(user: User, **changes: Any) -> dict[str, Any]:
    data = {
        "username": user.username,
        "role": user.role,
        "full_name": user.full_name,
        "phone": user.phone,
        "email": user.email,
        "preferred_language": user.preferred_language,
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_content_roles_come_from_the_policy() -> None:
    assert {Role.SECRETARIAT, Role.COUNCIL, Role.COORDINATOR, Role.AUDITOR} == CONTENT_ROLES


def test_administrator_cannot_change_own_role(
    administrator: User, client_for: Callable[[User], Client]
) -> None:
    client_for(administrator).post(
        f"/admin/people/user/{administrator.pk}/change/",
        change_form(administrator, role=Role.SECRETARIAT),
    )
    administrator.refresh_from_db()
    assert administrator.role == Role.ADMINISTRATOR
    assert not RoleChangeRequest.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, object_id=str(administrator.pk)
    ).exists()


def test_raise_to_secretariat_waits_for_a_second_administrator(
    administrator: User,
    participant: User,
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    make_user(Role.SECRETARIAT, username="saule", email="saule@example.org")
    participant.email = "alia@example.org"
    participant.save()
    client_for(administrator).post(
        f"/admin/people/user/{participant.pk}/change/",
        change_form(participant, role=Role.SECRETARIAT),
    )
    participant.refresh_from_db()
    assert participant.role == Role.PARTICIPANT
    change = RoleChangeRequest.objects.get()
    assert (change.to_role, change.confirmed) == (Role.SECRETARIAT, None)
    assert {"alia@example.org", "saule@example.org"} <= set(mail.outbox[0].to)

    action = {"action": "confirm", "_selected_action": [change.pk]}
    client_for(administrator).post("/admin/people/rolechangerequest/", action)
    participant.refresh_from_db()
    assert participant.role == Role.PARTICIPANT

    second = make_user(Role.ADMINISTRATOR, username="admin2")
    client_for(second).post("/admin/people/rolechangerequest/", action)
    participant.refresh_from_db()
    assert participant.role == Role.SECRETARIAT


def test_lowering_a_role_applies_at_once(
    administrator: User, secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client_for(administrator).post(
        f"/admin/people/user/{secretariat.pk}/change/",
        change_form(secretariat, role=Role.PARTICIPANT),
    )
    secretariat.refresh_from_db()
    assert secretariat.role == Role.PARTICIPANT


def test_administrator_cannot_set_passwords(
    administrator: User, participant: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(administrator)
    old_hash = participant.password
    response = client.post(
        f"/admin/people/user/{participant.pk}/password/",
        {
            "password1": "N3w-pass-phrase!",
            "password2": "N3w-pass-phrase!",
            "usable_password": "true",
        },
    )
    assert response.status_code in (302, 404)
    participant.refresh_from_db()
    assert participant.password == old_hash
    assert b"/password/" not in client.get(f"/admin/people/user/{participant.pk}/change/").content

    client.post(
        "/admin/people/user/add/",
        {"username": "newbie", "role": Role.PARTICIPANT, "full_name": "New",
         "password1": "N3w-pass-phrase!", "password2": "N3w-pass-phrase!", "usable_password": "true"},
    )  # fmt: skip
    assert not User.objects.get(username="newbie").has_usable_password()


def test_admin_has_no_sign_in_as(administrator: User) -> None:
    names = str(get_resolver().reverse_dict.keys()).lower()
    assert "impersonat" not in names and "hijack" not in names and "login_as" not in names


def test_reset_link_works_once_expires_and_resets_two_factor(
    administrator: User, participant: User, client_for: Callable[[User], Client]
) -> None:
    participant.email = "alia@example.org"
    participant.save()
    TOTPDevice.objects.create(user=participant, name="phone", confirmed=True)
    response = client_for(administrator).post(
        "/admin/people/user/",
        {"action": "issue_reset_link", "_selected_action": [participant.pk]},
        follow=True,
    )
    link = mail.outbox[-1].body.split(": ")[-1].strip()
    assert link in response.content.decode()
    path = link.split("testserver")[-1]
    new = {"new_password1": "Kz-long-pass-phrase-9", "new_password2": "Kz-long-pass-phrase-9"}
    assert Client().post(path, new).status_code == 302
    participant.refresh_from_db()
    assert participant.check_password("Kz-long-pass-phrase-9")
    assert not TOTPDevice.objects.filter(user=participant).exists()
    assert Client().get(path).status_code == 410  # used

    uid = urlsafe_base64_encode(force_bytes(participant.pk))
    token = default_token_generator.make_token(participant)
    with override_settings(PASSWORD_RESET_TIMEOUT=-1):
        assert Client().get(f"/accounts/reset/{uid}/{token}/").status_code == 410  # expired


def test_administrator_cannot_put_themselves_in_a_regional_group(
    administrator: User, own_region: Any, client_for: Callable[[User], Client]
) -> None:
    response = client_for(administrator).post(
        "/admin/people/regionalgroup/add/",
        {"region": own_region.pk, "name": "Своя группа", "is_active": "on",
         "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
         "memberships-0-user": administrator.pk},
    )  # fmt: skip
    assert response.status_code == 403
    assert not administrator.region_ids()
