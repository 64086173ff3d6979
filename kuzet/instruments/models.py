"""Instruments (checklists, questionnaires) and their immutable published versions."""

from collections.abc import Collection
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kuzet.core.audit import AuditedModel
from kuzet.core.i18n import localized
from kuzet.instruments.schema import document_problems


class ImmutableVersionError(Exception):
    """A published version was about to change; publish a new version instead."""


class Instrument(AuditedModel):
    class Kind(models.TextChoices):
        CHECKLIST = "checklist", _("checklist")
        INTERVIEW = "interview", _("interview")
        # A test of knowledge (the participants' onboarding test): never used on visits.
        TEST = "test", _("test")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=300)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CHECKLIST)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")


class InstrumentAssignment(AuditedModel):
    """The instrument is used on visits to institutions of this type."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="assignments")
    institution_type = models.ForeignKey(
        "registry.InstitutionType", on_delete=models.PROTECT, related_name="instrument_assignments"
    )

    class Meta:
        verbose_name = _("instrument assignment")
        verbose_name_plural = _("instrument assignments")
        constraints = [
            models.UniqueConstraint(
                "instrument", "institution_type", name="instrumentassignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} → {self.institution_type_id}"


class InstrumentVersionQuerySet(models.QuerySet["InstrumentVersion"]):
    def published(self) -> "InstrumentVersionQuerySet":
        return self.filter(status=InstrumentVersion.Status.PUBLISHED)

    def for_types(self, type_ids: Collection[int]) -> "InstrumentVersionQuerySet":
        """Versions of the instruments meant for any of these institution types, or for
        every type (an instrument with no assignment). Tests are for no place."""
        return self.filter(
            models.Q(instrument__assignments__institution_type_id__in=type_ids)
            | models.Q(instrument__assignments__isnull=True)
        ).exclude(instrument__kind=Instrument.Kind.TEST)

    def newest(self) -> list["InstrumentVersion"]:
        """The newest of these versions of each instrument, by instrument code."""
        newest: dict[int, InstrumentVersion] = {}
        for version in self.select_related("instrument").order_by("instrument__code", "-number"):
            newest.setdefault(version.instrument_id, version)
        return list(newest.values())


class InstrumentVersion(AuditedModel):
    """One version of an instrument: a document (kuzet.instruments.schema), immutable once published."""

    # The document is bulky: the trail records that it changed, and content_hash says to what.
    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset({"document"})

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="versions", verbose_name=_("instrument")
    )
    number = models.PositiveIntegerField(pgettext_lazy("version", "number"))
    label = models.CharField(_("version label"), max_length=40)
    document = models.JSONField(_("document"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    question_count = models.PositiveIntegerField(_("questions"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = InstrumentVersionQuerySet.as_manager()

    class Meta:
        ordering = ["instrument__code", "-number"]
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        constraints = [
            models.UniqueConstraint("instrument", "number", name="instrumentversion_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} v{self.number} ({self.label})"

    def clean(self) -> None:
        problems = document_problems(self.document)
        if problems:
            raise ValidationError({"document": [str(p) for p in problems[:20]]})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = (
                type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
            )
            if stored == self.Status.PUBLISHED:
                raise ImmutableVersionError(f"version {self.pk} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status == self.Status.PUBLISHED:
            raise ImmutableVersionError(f"version {self.pk} is published and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED
