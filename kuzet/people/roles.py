"""Role changes with separation of duties: nobody changes their own role, and a raise to a
role that reads visit content waits for a second person's confirmation."""

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kuzet.core.access import audit_refusal
from kuzet.core.policy import CONTENT_ROLES, Role
from kuzet.notifications.services import notify
from kuzet.people.models import ROLE_LABELS, RoleChangeRequest, User


class SelfChangeRefused(PermissionDenied):
    """A user tried to change their own role or regional scope."""


def refuse_self_change(*, actor: User, user: User, what: str) -> None:
    """Raise (and audit) when ``actor`` changes their own ``what`` (role, groups)."""
    if actor.pk is not None and actor.pk == user.pk:
        audit_refusal(user=actor, object_type="people.user", object_id=user.pk)
        raise SelfChangeRefused(_("You cannot change your own %(what)s.") % {"what": what})


def _notify(*, change: RoleChangeRequest, subject: str) -> None:
    recipients = {change.user.email} | set(
        User.objects.filter(role=Role.SECRETARIAT, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    recipients.discard("")
    if recipients:
        body = _("Role of %(user)s: %(from)s → %(to)s.") % {
            "user": change.user,
            "from": change.from_role,
            "to": change.to_role,
        }
        send_mail(subject, body, None, sorted(recipients), fail_silently=True)


def request_role_change(*, actor: User, user: User, to_role: str) -> RoleChangeRequest | None:
    """Change ``user``'s role; a raise into CONTENT_ROLES is stored pending (returned)."""
    refuse_self_change(actor=actor, user=user, what=_("role"))
    from_role = User.objects.values_list("role", flat=True).get(pk=user.pk)
    if to_role == from_role:
        return None
    if to_role not in CONTENT_ROLES:
        user.role = to_role
        user.save(update_fields=["role"])
        return None
    change = RoleChangeRequest.objects.create(
        user=user, from_role=from_role, to_role=to_role, requested_by=actor
    )
    _notify(change=change, subject=_("A role change waits for confirmation"))
    _tell_second_approvers(change)
    return change


def second_approvers(change: RoleChangeRequest) -> list[User]:
    """Who may confirm ``change`` on its page (the administration's, for administrators):
    an active administrator who neither asked for it nor is the person concerned."""
    return list(
        User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).exclude(
            pk__in=[change.requested_by_id, change.user_id]
        )
    )


def _roles(change: RoleChangeRequest) -> dict[str, str]:
    return {
        "user": str(change.user),
        "from": str(ROLE_LABELS[Role(change.from_role)]),
        "to": str(ROLE_LABELS[Role(change.to_role)]),
        "who": str(change.requested_by),
        "day": date_format(timezone.localtime(change.requested_at), "SHORT_DATE_FORMAT"),
    }


def _tell_second_approvers(change: RoleChangeRequest) -> None:
    def words() -> tuple[str, str]:
        return (
            _("A role change waits for your confirmation: %(user)s") % _roles(change),
            _("%(who)s asked on %(day)s to change the role of %(user)s: %(from)s → %(to)s.")
            % _roles(change),
        )

    notify(
        recipients=second_approvers(change),
        kind="role_change_requested",
        words=words,
        url=reverse("admin:people_rolechangerequest_change", args=[change.pk]),
        key=f"role-change:{change.pk}",
    )


def _tell_requester(change: RoleChangeRequest, actor: User) -> None:
    def words() -> tuple[str, str]:
        roles = _roles(change)
        if change.confirmed:
            return (
                _("Role change confirmed: %(user)s") % roles,
                _("%(user)s is now %(to)s.") % roles,
            )
        return (
            _("Role change refused: %(user)s") % roles,
            _("%(user)s stays %(from)s.") % roles,
        )

    notify(
        recipients=[change.requested_by],
        kind="role_change_decided",
        words=words,
        url=reverse("admin:people_rolechangerequest_change", args=[change.pk]),
        actor=actor,
    )


def decide_role_change(*, actor: User, change: RoleChangeRequest, confirm: bool) -> None:
    """Confirm or refuse a pending raise; not by its requester nor by the user concerned."""
    if change.confirmed is not None:
        raise PermissionDenied(_("This role change has already been decided."))
    if actor.role not in (Role.ADMINISTRATOR, Role.SECRETARIAT) or actor.pk in (
        change.requested_by_id,
        change.user_id,
    ):
        audit_refusal(user=actor, object_type="people.rolechangerequest", object_id=change.pk)
        raise PermissionDenied(
            _("A role change is confirmed by a different administrator or the secretariat.")
        )
    with transaction.atomic():
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.confirmed = confirm
        change.save()
        if confirm:
            user = change.user
            user.role = change.to_role
            user.save(update_fields=["role"])
        _tell_requester(change, actor)
    _notify(
        change=change,
        subject=_("A role change was confirmed") if confirm else _("A role change was refused"),
    )
