"""A notification to one person (in the app, and by e-mail unless they turned it off).

A notification is a message about a record, not the record: its texts are written once in
every language of the site when the event happens (the app that raises the event words
them), so that the list and the e-mail need nothing but this table. It is derived data,
not part of the audit trail: the event it tells of is audited where it happens.
"""

from collections.abc import Iterable
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Email(models.TextChoices):
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("not sent (no address or turned off)")
        FAILED = "failed", _("failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # What happened, for filters and tests ("visit_returned", "recommendations_overdue"…).
    kind = models.CharField(_("kind"), max_length=40)
    # {"ru": {"subject": …, "body": …}, "kk": {…}, "en": {…}}
    texts = models.JSONField(_("texts"))
    # Where the recipient acts on it: a path of this site.
    url = models.CharField(_("link"), max_length=300, blank=True)
    # Running the same reminder twice notifies once: (recipient, key) is unique.
    key = models.CharField(_("key"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email = models.CharField(
        _("e-mail"), max_length=10, choices=Email.choices, default=Email.PENDING
    )

    objects: ClassVar[NotificationQuerySet] = NotificationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["email"], condition=Q(email="pending"), name="notification_email_pending"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                "recipient", "key", condition=~Q(key=""), name="notification_once_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"

    def _text(self, part: str, language: str | None = None) -> str:
        texts = self.texts or {}
        chosen = texts.get(language or get_language() or "") or texts.get(
            settings.LANGUAGE_CODE, {}
        )
        return str(chosen.get(part, ""))

    @property
    def subject(self) -> str:
        return self._text("subject")

    @property
    def body(self) -> str:
        return self._text("body")

    def subject_in(self, language: str) -> str:
        return self._text("subject", language)

    def body_in(self, language: str) -> str:
        return self._text("body", language)


class EmailPreference(models.Model):
    """A person's choice about e-mail; without a row, notifications are e-mailed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="email_preference",
        verbose_name=_("user"),
    )
    send_email = models.BooleanField(_("send notifications by e-mail"), default=True)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.send_email}"


def opted_out(user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` who turned e-mail off."""
    return set(
        EmailPreference.objects.filter(user_id__in=list(user_ids), send_email=False).values_list(
            "user_id", flat=True
        )
    )
