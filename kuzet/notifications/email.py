"""E-mailing the notifications waiting to be sent: one message per person, in their
language, through Django's mail backend (``KUZET_EMAIL_*``, docs/configuration.md)."""

import logging
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.notifications.models import Notification, opted_out

logger = logging.getLogger(__name__)
E = Notification.Email


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if settings.SITE_URL else path


def _message(recipient: object, items: list[Notification]) -> tuple[str, str]:
    language = getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        if len(items) == 1:
            subject = f"Kuzet: {items[0].subject_in(language)}"
        else:
            subject = ngettext(
                "Kuzet: %(count)d new notification",
                "Kuzet: %(count)d new notifications",
                len(items),
            ) % {"count": len(items)}
        parts = []
        for item in items:
            lines = [item.subject_in(language), item.body_in(language)]
            if item.url:
                lines.append(_link(item.url))
            parts.append("\n".join(line for line in lines if line))
        parts.append(
            _("Notifications and the e-mail setting: %(link)s") % {"link": _link("/notifications/")}
        )
        return subject, "\n\n".join(parts)


def send_pending_emails(limit: int = 1000) -> int:
    """Send what waits; returns the number of messages sent. Each notification is claimed
    before its message goes, so two senders running at once do not send it twice."""
    pending = list(
        Notification.objects.filter(email=E.PENDING)
        .select_related("recipient")
        .order_by("recipient_id", "pk")[:limit]
    )
    silent = opted_out({n.recipient_id for n in pending})
    sent = 0
    connection = get_connection()
    for recipient_id, group in groupby(pending, key=lambda n: n.recipient_id):
        items = list(group)
        recipient = items[0].recipient
        if not recipient.email or recipient_id in silent or not recipient.is_active:
            Notification.objects.filter(pk__in=[n.pk for n in items], email=E.PENDING).update(
                email=E.SKIPPED
            )
            continue
        mine = [
            n
            for n in items
            if Notification.objects.filter(pk=n.pk, email=E.PENDING).update(email=E.SENT)
        ]
        if not mine:
            continue
        subject, body = _message(recipient, mine)
        try:
            EmailMessage(subject, body, None, [recipient.email], connection=connection).send()
        except Exception as exc:  # any transport failure: the in-app copy stays
            # Neither the address nor the text goes to the log.
            logger.warning(
                "notification e-mail to user %s failed: %s", recipient_id, type(exc).__name__
            )
            Notification.objects.filter(pk__in=[n.pk for n in mine]).update(email=E.FAILED)
            continue
        sent += 1
    return sent
