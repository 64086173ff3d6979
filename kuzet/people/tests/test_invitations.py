"""The one invitation service (people.invitations), through the two apps that use it (the
membership's applicants, the portal's officials): the token is never stored, a link works
once, expires, belongs to its own purpose, a renewed link replaces the old one, and two
acceptances at once make one account. The whole paths are in membership/tests and
portal/tests; this file holds what they share."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kuzet.conftest import PASSWORD
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.invitations import (
    PURPOSES,
    InvitationRefused,
    invitation_accept,
    invitation_for_token,
    invitation_issue,
)
from kuzet.people.models import Invitation, User
from kuzet.portal.services import official_invite
from kuzet.recommendations.models import Addressee

pytestmark = pytest.mark.django_db
FORM = {"password": PASSWORD, "password_again": PASSWORD}


@pytest.fixture
def police(db: object) -> Addressee:
    return Addressee.objects.get(code="dept-mia-police")


def portal_link(token: str) -> str:
    return reverse("portal:invitation", args=[token])


def test_only_the_tokens_hash_is_stored_and_the_trail_never_shows_either(
    secretariat: User, police: Addressee
) -> None:
    invitation, token = official_invite(actor=secretariat, addressee=police, full_name="А. Б.")
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    assert stored.purpose == "portal" and stored.subject == police
    assert stored.details == {"position": ""}
    created = AuditEvent.objects.get(object_type="people.invitation", action="create")
    assert "token_hash" in created.fields
    assert token not in str(created.values) and stored.token_hash not in str(created.values)


def test_a_link_works_once_and_its_reuse_is_refused_clearly(
    secretariat: User, police: Addressee
) -> None:
    _invitation, token = official_invite(actor=secretariat, addressee=police, full_name="А. Б.")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.post(portal_link(token), {**FORM, "username": "first-official"})
    # Signed in at once and sent to enrol a second factor, then to the portal.
    assert first.status_code == 302
    assert first["Location"] == "/accounts/two-factor/setup/?next=/portal/"
    user = User.objects.get(username="first-official")
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.used_at is not None and invitation.user == user
    accepted = AuditEvent.objects.filter(object_type="people.invitation", action="update").get()
    assert set(accepted.fields) == {"used_at", "user_id"}

    again = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        portal_link(token), {**FORM, "username": "second-official"}
    )
    assert again.status_code == 410 and "already been used" in again.content.decode()
    with pytest.raises(InvitationRefused):
        invitation_accept(purpose="portal", token=token, username="third", password=PASSWORD)
    assert not User.objects.filter(username__in=["second-official", "third"]).exists()


def test_an_expired_link_creates_nothing(secretariat: User, police: Addressee) -> None:
    invitation, token = official_invite(actor=secretariat, addressee=police, full_name="А. Б.")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(portal_link(token), {**FORM, "username": "late"})
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert not User.objects.filter(username="late").exists()
    assert Invitation.objects.get().used_at is None


def test_a_wrong_token_or_another_purposes_token_is_refused(
    secretariat: User, police: Addressee
) -> None:
    _invitation, token = official_invite(actor=secretariat, addressee=police, full_name="А. Б.")
    for url in (
        portal_link(token[:-1] + ("A" if token[-1] != "A" else "B")),  # one character off
        portal_link("x" * 43),
        reverse("apply:invitation", args=[token]),  # an official's link on the applicants' page
    ):
        page = Client(HTTP_ACCEPT_LANGUAGE="en").post(url, {**FORM, "username": "guess"})
        assert page.status_code == 410, url
        assert "not valid" in page.content.decode()
    with pytest.raises(InvitationRefused):
        invitation_for_token(purpose="membership", token=token)
    assert not User.objects.filter(username="guess").exists()
    assert Invitation.objects.get().used_at is None


def test_a_weak_password_and_a_taken_login_are_named_together_and_the_link_stays_open(
    secretariat: User, police: Addressee
) -> None:
    _invitation, token = official_invite(actor=secretariat, addressee=police, full_name="А. Б.")
    page = Client().post(
        portal_link(token),
        {"username": secretariat.username, "password": "123", "password_again": "123"},
    )
    assert page.status_code == 200
    assert {"username", "password"} <= set(page.context["form"].errors)
    assert Invitation.objects.get().used_at is None
    ok = Client().post(portal_link(token), {**FORM, "username": "after-a-mistake"})
    assert ok.status_code == 302
    assert User.objects.get(username="after-a-mistake").role == Role.ADDRESSEE


def test_a_renewed_link_replaces_the_old_one(secretariat: User, police: Addressee) -> None:
    first, old = invitation_issue(purpose="portal", subject=police, days=1, full_name="А. Б.")
    second, new = invitation_issue(
        purpose="portal", subject=police, days=1, full_name="А. Б.", renew=True
    )
    assert first.pk == second.pk and Invitation.objects.count() == 1
    assert Client().get(portal_link(old)).status_code == 410
    assert Client().get(portal_link(new)).status_code == 200


def test_two_acceptances_read_before_either_wrote_make_one_account(
    secretariat: User, police: Addressee
) -> None:
    """Two browsers opened the link: both saw it valid; the second to submit is refused
    (the row is read again under its lock before anything is created)."""
    _invitation, token = official_invite(actor=secretariat, addressee=police, full_name="А. Б.")
    both = [Client(HTTP_ACCEPT_LANGUAGE="en"), Client(HTTP_ACCEPT_LANGUAGE="en")]
    for client in both:
        assert client.get(portal_link(token)).status_code == 200
    assert both[0].post(portal_link(token), {**FORM, "username": "one"}).status_code == 302
    late = both[1].post(portal_link(token), {**FORM, "username": "two"})
    assert late.status_code == 410
    assert User.objects.filter(username__in=["one", "two"]).count() == 1


def test_every_invitation_purpose_is_registered_by_its_app() -> None:
    assert {"membership", "portal"} <= set(PURPOSES)
    assert PURPOSES["membership"].role == Role.PARTICIPANT
    assert PURPOSES["portal"].role == Role.ADDRESSEE


def test_an_unregistered_purpose_is_a_programming_error(police: Addressee) -> None:
    with pytest.raises(LookupError, match="no invitation purpose"):
        invitation_issue(purpose="nobody", subject=police, days=1)
    assert not Invitation.objects.exists()
