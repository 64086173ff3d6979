"""Sign-ins, failed sign-ins and sign-outs go to the audit trail.

Django reports these only through its auth signals, so receivers are the one place to
catch them; they record facts, no domain logic.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kuzet.core.audit import Actor, actor_of, audit_append
from kuzet.core.models import AuditAction


@receiver(user_logged_in, dispatch_uid="kuzet_audit_login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_append(
        action=AuditAction.LOGIN,
        actor=actor_of(user),
        object_type="people.user",
        object_id=str(user.pk),
    )


@receiver(user_logged_out, dispatch_uid="kuzet_audit_logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_append(
            action=AuditAction.LOGOUT,
            actor=actor_of(user),
            object_type="people.user",
            object_id=str(user.pk),
        )


UNKNOWN_ACCOUNT = "(unknown account)"


@receiver(user_login_failed, dispatch_uid="kuzet_audit_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # What was typed is recorded only when it names an account: people type passwords
    # into the login field, and this log is append-only.
    attempted = str(credentials.get("username", ""))
    user = (
        get_user_model()._default_manager.filter(username=attempted).first() if attempted else None
    )
    if user is None:
        audit_append(
            action=AuditAction.LOGIN_FAILED, actor=Actor(id=None, username=UNKNOWN_ACCOUNT)
        )
    else:
        audit_append(
            action=AuditAction.LOGIN_FAILED,
            actor=actor_of(user),
            object_type="people.user",
            object_id=str(user.pk),
        )
