"""What the OpenRosa server keeps: submissions from ODK clients while their files arrive
(Collect may split one across several POSTs) and once they became records, and the
submissions held for review (an instanceID sent again with other content).

The credential an ODK client signs in with is a field device token
(``kuzet.field.models.DeviceToken``): shown once, kept as a hash, revocable on the
devices page like a tablet's.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel


class OdkSubmission(AuditedModel):
    """One ODK record (by its instanceID): waiting for files, or received."""

    # Staged file names and hashes change with every POST: transfer state, not evidence.
    audit_derived_fields: ClassVar[frozenset[str]] = frozenset({"staged"})

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for files")
        RECEIVED = "received", _("received")

    instance_id = models.CharField(_("instance ID"), max_length=200, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="odk_submissions",
        verbose_name=_("user"),
    )
    device_token = models.ForeignKey(
        "field.DeviceToken",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("credential"),
    )
    visit = models.ForeignKey(
        "visits.Visit", on_delete=models.PROTECT, related_name="+", verbose_name=_("visit")
    )
    version = models.ForeignKey(
        "instruments.InstrumentVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("instrument version"),
    )
    form_id = models.CharField(_("form ID"), max_length=200)
    encrypted = models.BooleanField(_("encrypted"), default=False)
    # SHA-256 of the XML part as posted: a resend must be byte-identical.
    xml_sha256 = models.CharField(_("SHA-256 of the XML"), max_length=64)
    expected_files = models.JSONField(_("expected files"), default=list, blank=True)
    # name → storage name of the files received so far (until the record is made).
    staged = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    submission = models.OneToOneField(
        "field.Submission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("field submission"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("ODK submission")
        verbose_name_plural = _("ODK submissions")

    def __str__(self) -> str:
        return self.instance_id


class HeldSubmission(models.Model):
    """A submission refused because its instanceID was taken by other content, kept as it
    came for someone to review. Not a record: nothing in it was applied."""

    instance_id = models.CharField(_("instance ID"), max_length=200, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    form_id = models.CharField(_("form ID"), max_length=200)
    xml_sha256 = models.CharField(_("SHA-256 of the XML"), max_length=64)
    xml = models.TextField(_("XML as received"))
    reason = models.CharField(_("reason"), max_length=200)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("held ODK submission")
        verbose_name_plural = _("held ODK submissions")
        constraints = [
            models.UniqueConstraint(
                "instance_id", "xml_sha256", name="openrosa_held_unique_content"
            )
        ]

    def __str__(self) -> str:
        return self.instance_id
