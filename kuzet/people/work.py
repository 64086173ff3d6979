"""The home page's section of people (``core.work``): role changes waiting for a second
person's confirmation, for the administrators who may confirm them (never the one who
asked, nor the person concerned: ``people.roles``)."""

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kuzet.core.policy import Action, Role, can
from kuzet.core.work import ITEMS_SHOWN, WorkItem, WorkSection, work_section
from kuzet.people.models import ROLE_LABELS, RoleChangeRequest

if TYPE_CHECKING:
    from kuzet.people.models import User


def role_changes_for(user: "User") -> QuerySet[RoleChangeRequest]:
    return RoleChangeRequest.objects.filter(confirmed__isnull=True).exclude(
        Q(requested_by=user) | Q(user=user)
    )


@work_section(60)
def role_changes_waiting(user: "User", today: date) -> WorkSection | None:
    # The confirmation page is the administration's (people.admin), for MANAGE_USERS.
    if not can(user, Action.MANAGE_USERS):
        return None
    changes = role_changes_for(user)
    total = changes.count()
    url = reverse("admin:people_rolechangerequest_changelist") + "?confirmed__isnull=True"
    items = [
        WorkItem(
            title=_("%(user)s: %(from)s → %(to)s")
            % {
                "user": change.user,
                "from": ROLE_LABELS[Role(change.from_role)],
                "to": ROLE_LABELS[Role(change.to_role)],
            },
            url=url,
            meta=_("asked by %(who)s on %(day)s")
            % {
                "who": change.requested_by,
                "day": date_format(change.requested_at, "SHORT_DATE_FORMAT"),
            },
            next_step=_("Confirm or refuse it in the administration."),
        )
        for change in changes.select_related("user", "requested_by")[:ITEMS_SHOWN]
    ]
    return WorkSection(
        key="role-changes",
        title=_("Role changes waiting for your confirmation"),
        total=total,
        items=items,
        more_url=url,
        empty=_("No role change waits for your confirmation."),
    )
