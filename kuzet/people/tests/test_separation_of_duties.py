"""Separation of duties in the admin: nobody changes their own role or regional groups, and
administrators never set passwords — they issue a single-use link that resets two-factor."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import GroupMembership, RegionalGroup, User

pytestmark = pytest.mark.django_db


def change(client: Client, user: User, **fields: str) -> Any:
    data = {
        "username": user.username,
        "role": user.role,
        "full_name": user.full_name,
        "phone": "",
        "email": "",
        "preferred_language": user.preferred_language,
        "is_active": "on",
        "_save": "Save",
        **fields,
    }
    return client.post(f"/admin/people/user/{user.pk}/change/", data)


def test_an_administrator_cannot_raise_their_own_role(
    administrator: User, member: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(administrator)
    change(client, administrator, role=Role.SECRETARIAT)
    administrator.refresh_from_db()
    assert administrator.role == Role.ADMINISTRATOR
    # The same form changes another user's role: the refusal is about oneself, not the form.
    assert change(client, member, role=Role.GROUP_LEADER).status_code == 302
    member.refresh_from_db()
    assert member.role == Role.GROUP_LEADER


def test_nobody_changes_their_own_regional_groups(
    administrator: User, member: User, client_for: Callable[[User], Client]
) -> None:
    group = RegionalGroup.objects.get(memberships__user=member)
    before = set(GroupMembership.objects.values_list("group_id", "user_id"))

    def post(user: User) -> Any:
        return client_for(administrator).post(
            f"/admin/people/regionalgroup/{group.pk}/change/",
            {
                "region": group.region_id,
                "name": group.name,
                "is_active": "on",
                "memberships-TOTAL_FORMS": "2",
                "memberships-INITIAL_FORMS": "1",
                "memberships-MIN_NUM_FORMS": "0",
                "memberships-MAX_NUM_FORMS": "1000",
                "memberships-0-id": group.memberships.get().pk,
                "memberships-0-group": group.pk,
                "memberships-0-user": member.pk,
                "memberships-1-group": group.pk,
                "memberships-1-user": user.pk,  # a new member
                "_save": "Save",
            },
            headers={"accept-language": "en"},
        )

    response = post(administrator)  # joining a group themselves
    assert response.status_code == 200
    assert "Nobody changes their own regional groups." in response.content.decode()
    assert set(GroupMembership.objects.values_list("group_id", "user_id")) == before
    # Adding someone else with the same form works.
    other = User.objects.create(username="other-person", role=Role.PARTICIPANT)
    assert post(other).status_code == 302
    assert group.memberships.filter(user=other).exists()


def test_administrators_do_not_set_passwords(
    administrator: User, member: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(administrator)
    old_hash = member.password
    response = client.post(
        f"/admin/people/user/{member.pk}/password/",
        {"password1": "a-new-password-42", "password2": "a-new-password-42"},
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.password == old_hash
    added = client.post(
        "/admin/people/user/add/",
        {"username": "new-person", "role": Role.PARTICIPANT, "full_name": "Новый участник",
         "email": "", "password1": "chosen-by-admin-1", "password2": "chosen-by-admin-1"},
    )  # fmt: skip
    assert added.status_code == 302
    assert not User.objects.get(username="new-person").has_usable_password()
    assert "login_as" not in client.get("/admin/people/user/").content.decode()


def test_a_reset_link_works_once_and_removes_two_factor(
    administrator: User, member: User, client_for: Callable[[User], Client]
) -> None:
    TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    response = client_for(administrator).post(
        "/admin/people/user/",
        {"action": "issue_password_reset_link", "_selected_action": [member.pk]},
        follow=True,
    )
    [path] = re.findall(r"http://testserver(/accounts/reset/[^\s<\"]+)", response.content.decode())
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_id=str(member.pk), fields=["password_reset_link"]
    ).exists()

    owner = Client()
    form_page = owner.get(path, follow=True)
    assert form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    done = owner.post(
        set_url, {"new_password1": "my-own-secret-77", "new_password2": "my-own-secret-77"}
    )
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("my-own-secret-77")
    assert not TOTPDevice.objects.filter(user=member).exists()

    again = Client().get(path, follow=True)
    assert not again.context["validlink"]
