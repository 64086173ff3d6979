"""Invitations: the one way someone gets a Kuzet account by a link (docs/architecture.md).

An app that invites people (membership: selected applicants; portal: addressees' officials)
registers a ``Purpose`` at start-up, saying which role the account gets, the page's text,
what to record once the account exists (the participant's term, the official's addressee)
and where the new user goes after enrolling a second factor. People does not import those
apps; they call ``invitation_issue`` and point their link's URL at ``invitation_page``.

The rules are kept here, once: the token is random (256 bits) and only its SHA-256 is
stored; a link expires; it is accepted once (the row is locked, and ``user`` is unique);
the account gets the password its owner chooses, then the browser is signed in and sent
to two-factor enrolment. Creating, renewing and accepting are audited (``AuditedModel``).
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import login
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kuzet.core.forms import show_service_errors
from kuzet.people.forms import InvitationAcceptForm
from kuzet.people.models import Invitation, User


@dataclass(frozen=True)
class Purpose:
    """What one app's invitations are for."""

    name: str  # stored on each invitation: "membership", "portal"
    role: str  # the role of the account created
    heading: Callable[[], str]  # the page's title
    intro: Callable[[Invitation], str]  # the text above the form
    # The new user's name, e-mail and other attributes (validated with the rest).
    user_fields: Callable[[Invitation], dict[str, Any]]
    # Called in the accepting transaction once the user is saved: the app's own records.
    accepted: Callable[[Invitation, User], object]
    # Where the new user goes once their second factor is enrolled.
    landing: Callable[[User], str]


PURPOSES: dict[str, Purpose] = {}


def register(purpose: Purpose) -> None:
    """Called from an app's ``ready()``; registering the same name again replaces it."""
    PURPOSES[purpose.name] = purpose


class InvitationRefused(Exception):
    """A link that is unknown, already used or expired; ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def token_hash(token: str) -> str:
    """What is stored of a link's token (the token itself never is)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _purpose(name: str) -> Purpose:
    if name not in PURPOSES:
        raise LookupError(f"no invitation purpose {name!r} is registered")
    return PURPOSES[name]


def invitations_of(purpose: str, subject: models.Model | None = None) -> Any:
    """The invitations of ``purpose`` (about ``subject`` when given), newest first."""
    found = Invitation.objects.filter(purpose=purpose)
    if subject is not None:
        found = found.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )
    return found


@transaction.atomic
def invitation_issue(
    *,
    purpose: str,
    subject: models.Model,
    days: int,
    created_by: Any = None,
    full_name: str = "",
    email: str = "",
    details: dict[str, Any] | None = None,
    renew: bool = False,
) -> tuple[Invitation, str]:
    """A new link for ``subject``: returns the invitation and the token, which is never
    stored (the caller mails or shows it once). With ``renew``, a waiting invitation of the
    same subject gets the new token and expiry instead (the old link stops working); an
    accepted one is not renewed (ValidationError). The caller checks who may invite."""
    _purpose(purpose)
    token = secrets.token_urlsafe(32)
    invitation = None
    if renew:
        existing = list(invitations_of(purpose, subject).select_for_update())
        if any(i.used_at is not None for i in existing):
            raise ValidationError(_("This invitation has already been accepted."))
        invitation = existing[0] if existing else None
    if invitation is None:
        invitation = Invitation(
            purpose=purpose,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            created_by=created_by if getattr(created_by, "pk", None) else None,
        )
    invitation.full_name = full_name.strip()
    invitation.email = email.strip()
    invitation.details = details or {}
    invitation.token_hash = token_hash(token)
    invitation.expires_at = timezone.now() + timedelta(days=days)
    invitation.full_clean()
    invitation.save()
    return invitation, token


def invitation_for_token(*, purpose: str, token: str) -> Invitation:
    """The invitation of a link, if it can still be used; else ``InvitationRefused``."""
    invitation = Invitation.objects.filter(purpose=purpose, token_hash=token_hash(token)).first()
    if invitation is None:
        raise InvitationRefused(_("This invitation link is not valid. Ask the secretariat."))
    if invitation.used_at is not None:
        raise InvitationRefused(
            _("This invitation link has already been used. Sign in with the account it created.")
        )
    if invitation.is_expired:
        raise InvitationRefused(
            _("This invitation link expired on %(day)s. Ask the secretariat for a new one.")
            % {"day": date_format(timezone.localtime(invitation.expires_at), "SHORT_DATE_FORMAT")}
        )
    return invitation


@transaction.atomic
def invitation_accept(*, purpose: str, token: str, username: str, password: str) -> User:
    """Create the account of an invitation, once: the user with the chosen login and
    password, then what the purpose records. Raises ``InvitationRefused`` (the link is not
    usable, also when another request accepted it meanwhile) or ``ValidationError`` naming
    every problem (login taken or malformed, weak password), creating nothing."""
    found = invitation_for_token(purpose=purpose, token=token)
    # The row lock makes a second, concurrent acceptance wait here and then see it used.
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.used_at is not None:
        raise InvitationRefused(_("This invitation link has already been used."))
    meaning = _purpose(purpose)
    username = username.strip()
    problems: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        problems["username"] = [_("This login is taken; choose another.")]
    user = User(username=username, role=meaning.role, **meaning.user_fields(invitation))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        problems["password"] = list(exc.messages)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        for field, field_messages in exc.message_dict.items():
            problems.setdefault(field, []).extend(field_messages)
    if problems:
        raise ValidationError(problems)
    user.set_password(password)
    user.save()
    meaning.accepted(invitation, user)
    invitation.used_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["used_at", "user"])
    return user


def _refused(request: HttpRequest, refused: InvitationRefused) -> HttpResponse:
    return render(request, "people/invitation.html", {"invalid": refused.message}, status=410)


@require_http_methods(["GET", "POST"])
def invitation_page(request: HttpRequest, token: str, purpose: str) -> HttpResponse:
    """The link's page (each app's URL passes its ``purpose``): choose a login and a
    password; then the new user is signed in and enrols a second factor."""
    try:
        found = invitation_for_token(purpose=purpose, token=token)
    except InvitationRefused as refused:
        return _refused(request, refused)
    meaning = _purpose(purpose)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                purpose=purpose,
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except InvitationRefused as refused:
            return _refused(request, refused)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            login(request, user, backend="kuzet.people.auth.KuzetBackend")
            setup = reverse("people:two_factor_setup")
            return redirect(f"{setup}?next={meaning.landing(user)}")
    return render(
        request,
        "people/invitation.html",
        {"form": form, "heading": meaning.heading(), "intro": meaning.intro(found)},
    )
