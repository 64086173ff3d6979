"""Media evidence taken on a visit and its chain of custody."""

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.core.crypto import EncryptedTextField
from kuzet.visits.models.findings import Finding
from kuzet.visits.models.interviews import Interview
from kuzet.visits.models.visit import Visit


def media_path(item: "MediaEvidence", filename: str) -> str:
    """Stored under the visit and the item's identifier; the uploaded name is kept only as data."""
    return f"evidence/{item.visit_id}/{item.uuid}"


class MediaEvidence(AuditedModel):
    """A photo, recording or document taken as evidence on a visit. Immutable: a replacement
    is a new item. The SHA-256 is computed as the bytes arrive and checked against the
    device's when one is given; every access is a ``CustodyEvent``."""

    # A file name, a description or a device name may name a person: not in the trail.
    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset(
        {"original_name", "description", "device", "appeal_consent"}
    )

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        AUDIO = "audio", _("audio recording")
        VIDEO = "video", _("video recording")
        DOCUMENT = "document", _("document")

    uuid = models.UUIDField(_("identifier"), unique=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="media", verbose_name=_("visit")
    )
    finding = models.ForeignKey(
        Finding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="media",
        verbose_name=_("finding"),
    )
    interview = models.ForeignKey(
        Interview,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="media",
        verbose_name=_("interview"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=media_path, max_length=300)
    original_name = EncryptedTextField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = EncryptedTextField(_("description"), blank=True)
    captured_at = models.DateTimeField(_("captured"), null=True, blank=True)
    device = models.CharField(_("device"), max_length=200, blank=True)
    # A video appeal: the person's consent, given before the recording started:
    # {"recorded": true, "shown_to": [...]} (to whom it may be shown). Empty otherwise.
    appeal_consent = models.JSONField(_("appeal consent"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["visit", "uploaded_at", "pk"]
        verbose_name = _("media evidence")
        verbose_name_plural = _("media evidence")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.uuid}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEvidenceError(_("Media evidence is never changed; add a new item."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEvidenceError(_("Media evidence is never deleted."))


class ImmutableEvidenceError(Exception):
    """An attempt to change or delete media evidence."""


class CustodyEvent(AuditedModel):
    """One link of an item's chain of custody: who did what with it, when.

    Each event is also an entry of the audit trail's HMAC chain, so the custody record is
    as tamper-evident as the trail itself.
    """

    class Kind(models.TextChoices):
        CAPTURED = "captured", _("captured")
        UPLOADED = "uploaded", _("uploaded")
        HASH_VERIFIED = "hash_verified", _("hash verified")
        VIEWED = "viewed", _("viewed")
        DOWNLOADED = "downloaded", _("downloaded")
        EXPORTED = "exported", _("exported")

    media = models.ForeignKey(
        MediaEvidence, on_delete=models.PROTECT, related_name="custody", verbose_name=_("item")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    at = models.DateTimeField(_("time"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["media", "at", "pk"]
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")

    def __str__(self) -> str:
        return f"{self.media_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
