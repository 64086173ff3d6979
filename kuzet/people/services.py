"""Writes about people that are not sign-in steps: the password reset link an administrator
issues instead of setting a password, and setting the password through it."""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kuzet.core.audit import acting_as, audit_append
from kuzet.core.models import AuditAction
from kuzet.people.two_factor import two_factor_reset

if TYPE_CHECKING:
    from kuzet.people.models import User


def password_reset_hours() -> int:
    return int(settings.PASSWORD_RESET_TIMEOUT // 3600)


def password_reset_link(*, user: "User", actor: Any) -> str:
    """The path of a single-use link for ``user`` to set a password (Django's token: it
    expires after PASSWORD_RESET_TIMEOUT and once the password changes); audited."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with acting_as(actor):
        audit_append(
            action=AuditAction.UPDATE,
            object_type="people.user",
            object_id=str(user.pk),
            fields=["password_reset_link"],
        )
    return reverse("people:password_reset", args=[uid, token])


@transaction.atomic
def password_set_by_link(*, user: "User", password: str) -> None:
    """The owner sets their password through a reset link; their two-factor devices are
    removed, so whoever held the link must still enrol a phone of their own."""
    user.set_password(password)
    user.save(update_fields=["password"])
    two_factor_reset(user=user)
