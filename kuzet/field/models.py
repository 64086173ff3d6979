"""What the field app's server side stores: device tokens and received submissions.

A device token is shown once to the tablet; the server keeps its SHA-256 only. A
submission is one finalized record received from a tablet: its client UUID (unique, so a
record sent twice is stored once), the hash of the sealed envelope (the receipt) and the
object the record became.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel


class DeviceToken(AuditedModel):
    # The hash is a credential: the trail records that it was set, never its value.
    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset({"token_hash"})
    # Touched on every request: not worth a line in the trail each time.
    audit_derived_fields: ClassVar[frozenset[str]] = frozenset({"last_used_at"})

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="device_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("device name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("device token")
        verbose_name_plural = _("device tokens")

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired


class Submission(AuditedModel):
    """One finalized record received from a tablet, and what it became."""

    class Type(models.TextChoices):
        INTERVIEW = "interview", _("interview")
        RESPONSE = "response", _("response")
        FINDING = "finding", _("finding")
        ALLEGATION = "allegation", _("allegation")
        RECOMMENDATION = "recommendation", _("recommendation")

    uuid = models.UUIDField(_("identifier"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="field_submissions",
        verbose_name=_("user"),
    )
    device_token = models.ForeignKey(
        DeviceToken,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("device token"),
    )
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.PROTECT,
        related_name="field_submissions",
        verbose_name=_("visit"),
    )
    content_hash = models.CharField(_("content hash"), max_length=64)
    # The server's clock: a tablet's may be wrong by days.
    received_at = models.DateTimeField(_("received"))
    # The tablet's clock, as it said; kept for the record, never trusted.
    finalized_on_device_at = models.DateTimeField(_("finalized (device clock)"), null=True)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.PositiveBigIntegerField(_("object id"))

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("field submission")
        verbose_name_plural = _("field submissions")
        indexes = [models.Index(fields=["visit", "type"])]

    def __str__(self) -> str:
        return f"{self.type} {self.uuid}"


class Upload(models.Model):
    """A resumable (tus) upload of one media item: where it stands, what it will become.

    Its key is the media item's client UUID, so an item is uploaded once however often the
    tablet starts again. The bytes received so far are ``UploadChunk`` objects in storage;
    at completion they become one ``visits.MediaEvidence`` item (``media``). Transfer state
    only, changed on every chunk: not in the audit trail (the evidence item and its chain
    of custody are).
    """

    id = models.UUIDField(_("identifier"), primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="field_uploads",
        verbose_name=_("user"),
    )
    # None for an upload from a web page (signed in with the session, not a device token).
    device_token = models.ForeignKey(
        DeviceToken,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="uploads",
        verbose_name=_("device"),
    )
    visit = models.ForeignKey(
        "visits.Visit", on_delete=models.PROTECT, related_name="+", verbose_name=_("visit")
    )
    interview = models.ForeignKey(
        "visits.Interview", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finding = models.ForeignKey(
        "visits.Finding", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    filetype = models.CharField(_("content type (device)"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256 (device)"), max_length=64)
    captured_at = models.DateTimeField(_("captured"), null=True, blank=True)
    device = models.CharField(_("device"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    appeal_consent = models.JSONField(_("appeal consent"), null=True, blank=True)
    length = models.BigIntegerField(_("length"))
    offset = models.BigIntegerField(_("offset"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    media = models.OneToOneField(
        "visits.MediaEvidence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("media evidence"),
    )

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        indexes = [models.Index(fields=["expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__gte=0, offset__lte=models.F("length")),
                name="field_upload_offset_within_length",
            )
        ]

    def __str__(self) -> str:
        return str(self.id)


class UploadChunk(models.Model):
    """The bytes of one accepted PATCH: ``size`` bytes at ``offset``, stored at ``name``."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="chunks")
    offset = models.BigIntegerField()
    size = models.BigIntegerField()
    name = models.CharField(max_length=300)

    class Meta:
        ordering = ["upload", "offset"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "offset"], name="field_uploadchunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.upload_id}@{self.offset}"
