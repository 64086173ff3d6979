"""Notifying people, and what they do with a notification (read it, turn e-mail off).

The app that raises an event decides who is told and words the message (``notify`` takes a
function returning the subject and the body, called once in every language of the site);
this module stores it, and the e-mails go out after the transaction commits, from a
background task (``kuzet.notifications.tasks``). A message never holds more than the
record's place and date and what staff wrote: no identity of a person interviewed.
"""

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from kuzet.notifications.models import (
    EmailPreference,
    Notification,
    NotificationQuerySet,
    opted_out,
)

if TYPE_CHECKING:
    from kuzet.people.models import User

logger = logging.getLogger(__name__)
# (subject, body) in the active language.
Words = Callable[[], tuple[str, str]]


def texts_in_every_language(words: Words) -> dict[str, dict[str, str]]:
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            subject, body = words()
            texts[code] = {"subject": str(subject), "body": str(body)}
    return texts


def notify(
    *,
    recipients: Iterable["User"],
    kind: str,
    words: Words,
    url: str = "",
    key: str = "",
    actor: "User | None" = None,
) -> int:
    """Tell each active recipient (never ``actor`` of the event) once; with a ``key``, a
    recipient already told under that key is not told again. Returns how many were told."""
    people = {
        user.pk: user
        for user in recipients
        if user.is_active and (actor is None or user.pk != actor.pk)
    }
    if key:
        told = Notification.objects.filter(key=key, recipient_id__in=list(people))
        for user_id in told.values_list("recipient_id", flat=True):
            people.pop(user_id, None)
    if not people:
        return 0
    texts = texts_in_every_language(words)
    silent = opted_out(people)
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            texts=texts,
            url=url,
            key=key,
            email=(
                Notification.Email.PENDING
                if user.email and user.pk not in silent
                else Notification.Email.SKIPPED
            ),
        )
        for user in people.values()
    ]
    # The unique (recipient, key) settles a race between two runs of the same reminder.
    Notification.objects.bulk_create(rows, ignore_conflicts=bool(key))
    if any(row.email == Notification.Email.PENDING for row in rows):
        transaction.on_commit(_queue_emails)
    return len(rows)


def _queue_emails() -> None:
    """After the commit: a queue that refuses the job must not turn a step already taken
    into an error page; the e-mails wait for the next run (``send_notification_emails``)."""
    from kuzet.notifications.tasks import send_emails

    try:
        send_emails.enqueue()
    except Exception as exc:  # the queue's failure, whatever it is
        logger.warning("notification e-mails not queued: %s", type(exc).__name__)


def notifications_for(user: "User") -> NotificationQuerySet:
    return Notification.objects.filter(recipient=user)


def notification_read(*, user: "User", notification_id: int) -> Notification | None:
    """Mark one of ``user``'s notifications read; None if it is not theirs."""
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user: "User") -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def email_preference_set(*, user: "User", send_email: bool) -> EmailPreference:
    preference, _created = EmailPreference.objects.update_or_create(
        user=user, defaults={"send_email": send_email}
    )
    if not send_email:
        Notification.objects.filter(recipient=user, email=Notification.Email.PENDING).update(
            email=Notification.Email.SKIPPED
        )
    return preference


def sends_email(user: "User") -> bool:
    return not EmailPreference.objects.filter(user=user, send_email=False).exists()
