"""The admin asks the policy: who may open which page, and deletions stay audited."""

from collections.abc import Callable

import pytest
from django.test import Client

from kuzet.conftest import InstitutionFactory
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User

pytestmark = pytest.mark.django_db

PAGES = ["/admin/", "/admin/registry/institution/", "/admin/registry/region/", "/admin/people/user/",
         "/admin/people/regionalgroup/", "/admin/people/signinthrottle/"]  # fmt: skip
# role -> pages it may open (the rest redirect to the admin's sign-in or are forbidden)
ALLOWED = {
    Role.PARTICIPANT: set(),
    Role.GROUP_LEADER: set(),
    Role.COORDINATOR: set(),
    Role.COUNCIL: set(),
    Role.AUDITOR: set(),
    Role.ADDRESSEE: set(),
    Role.SECRETARIAT: {"/admin/", "/admin/registry/institution/", "/admin/registry/region/",
                       "/admin/people/regionalgroup/"},
    Role.ADMINISTRATOR: set(PAGES),
}  # fmt: skip


@pytest.mark.parametrize("role", list(Role))
def test_admin_pages_by_role(
    make_user: Callable[..., User], client_for: Callable[[User], Client], role: Role
) -> None:
    client = client_for(make_user(role))
    for page in PAGES:
        status = client.get(page).status_code
        assert (status == 200) is (page in ALLOWED[role]), (role, page, status)


@pytest.mark.parametrize("page", ["/admin/auth/group/", "/admin/otp_totp/totpdevice/"])
def test_admin_pages_outside_the_policy_do_not_exist(
    administrator: User, client_for: Callable[[User], Client], page: str
) -> None:
    assert client_for(administrator).get(page).status_code == 404


def test_bulk_deletion_in_the_admin_is_audited_row_by_row(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    doomed = [InstitutionFactory(), InstitutionFactory()]
    response = client_for(secretariat).post(
        "/admin/registry/institution/",
        {"action": "delete_selected", "_selected_action": [i.pk for i in doomed], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = AuditEvent.objects.filter(action="delete", object_type="registry.institution")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(str(i.pk) for i in doomed)
    assert set(deleted.values_list("actor_username", flat=True)) == {"saule"}


def test_the_user_form_has_no_superuser_or_permission_fields(
    administrator: User, member: User, client_for: Callable[[User], Client]
) -> None:
    # Another user's form (one's own role is read-only: separation of duties).
    content = client_for(administrator).get(f"/admin/people/user/{member.pk}/change/").content
    assert b'name="role"' in content
    assert b"is_superuser" not in content and b"user_permissions" not in content
