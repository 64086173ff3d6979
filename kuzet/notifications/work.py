"""The home page's section of notifications (``core.work``): the latest unread ones, after
the work itself (a notification may be about work already done by someone else)."""

from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kuzet.core.work import WorkItem, WorkSection, work_section
from kuzet.notifications.models import Notification

if TYPE_CHECKING:
    from kuzet.people.models import User

SHOWN = 5


@work_section(90)
def unread_notifications(user: "User", today: date) -> WorkSection | None:
    unread = Notification.objects.filter(recipient=user).unread()
    total = unread.count()
    if not total:
        return None
    latest = list(unread[:SHOWN])
    return WorkSection(
        key="notifications",
        title=_("New notifications"),
        total=total,
        items=[
            WorkItem(
                title=notification.subject,
                url=reverse("notifications:open", args=[notification.pk]),
                meta=date_format(notification.created_at, "SHORT_DATETIME_FORMAT"),
            )
            for notification in latest
        ],
        more_url=reverse("notifications:list") + "?show=unread",
    )
