"""The unread count in the page header: one COUNT, only on pages that show it."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kuzet.notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "notifications_unread": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user).unread().count()
        )
    }
