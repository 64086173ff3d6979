"""Generated reports: each visit or annual report built, with what it was built from.

A report is built from a JSON document of its data (``kuzet.reports.visit_data`` and
``annual_data``); the SHA-256 of that document's canonical form is stored with the file,
so that two reports can be compared ("was anything different?") and a report reproduced.
"""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel


def report_path(report: "GeneratedReport", filename: str) -> str:
    return f"reports/{report.kind}/{report.uuid}.{report.format}"


class GeneratedReport(AuditedModel):
    # The error of a failed build is written for the requester; keep it out of the trail.
    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset({"error"})

    class Kind(models.TextChoices):
        VISIT = "visit", _("visit report")
        ANNUAL = "annual", _("consolidated annual report")

    class Language(models.TextChoices):
        RU = "ru", _("Russian")
        KK = "kk", _("Kazakh")

    class Edition(models.TextChoices):
        INTERNAL = "internal", _("internal (complete)")
        EXTERNAL = "external", _("external (for the authorities and publication)")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("being generated")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    uuid = models.UUIDField(_("identifier"), unique=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="generated_reports",
        verbose_name=_("visit"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    edition = models.CharField(_("edition"), max_length=10, choices=Edition.choices)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    # A Kazakh annual report with passages not yet translated is built only when asked for
    # explicitly, and then says so on its first page (issue 16).
    untranslated_marked = models.BooleanField(_("with untranslated passages marked"), default=False)
    # Built from a published edition's frozen content, not from the live records.
    annual_edition = models.ForeignKey(
        "AnnualEdition", on_delete=models.PROTECT, null=True, blank=True,
        related_name="files", verbose_name=_("published edition"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    # How many times a worker started building it: a worker that stops mid-way leaves the
    # report to ``recover_reports``, which queues it again up to KUZET_REPORT_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # SHA-256 of the canonical JSON of the data the report was built from.
    data_sha256 = models.CharField(_("SHA-256 of the data"), max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to=report_path, max_length=300, blank=True)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    size = models.BigIntegerField(_("size in bytes"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("generated report")
        verbose_name_plural = _("generated reports")
        indexes = [models.Index(fields=["kind", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="annual", visit__isnull=True)
                | Q(kind="visit", visit__isnull=False),
                name="generatedreport_visit_iff_visit_report",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="generatedreport_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start:%Y-%m-%d}..{self.period_end:%Y-%m-%d} {self.language} {self.edition} {self.format}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def download_name(self) -> str:
        if self.kind == self.Kind.VISIT:
            return f"visit-{self.visit_id}-{self.edition}-{self.language}.{self.format}"
        return f"annual-{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}-{self.language}.{self.format}"


class AnnualEdition(AuditedModel):
    """An edition of the annual report of a year: written section by section, approved by
    the Council, then published: its content frozen with its SHA-256. A published edition
    never changes; a correction is a new edition of the same year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("being written")
        APPROVED = "approved", _("approved by the Council")
        PUBLISHED = "published", _("published")

    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("edition"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("approved by"),
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    untranslated_marked = models.BooleanField(_("with untranslated passages marked"), default=False)
    # The frozen content, by language: the data and the narrative, as published.
    content = models.JSONField(_("content"), null=True, blank=True)
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64, blank=True)

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("annual report edition")
        verbose_name_plural = _("annual report editions")
        constraints = [
            models.UniqueConstraint("year", "number", name="annualedition_year_number"),
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.number}"


class AnnualSection(AuditedModel):
    """A section's narrative in Russian and Kazakh side by side, with its status; ``version``
    grows on every save so that two editors cannot overwrite each other."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        READY = "ready", _("ready")
        APPROVED = "approved", _("approved")

    edition = models.ForeignKey(AnnualEdition, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(_("section"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text_ru = models.TextField(_("text (Russian)"), blank=True)
    text_kk = models.TextField(_("text (Kazakh)"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("last saved by"),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("last saved"), null=True, blank=True)

    class Meta:
        ordering = ["edition", "position", "pk"]
        verbose_name = _("annual report section")
        verbose_name_plural = _("annual report sections")
        constraints = [
            models.UniqueConstraint("edition", "key", name="annualsection_edition_key"),
        ]

    def __str__(self) -> str:
        return f"{self.edition}: {self.key}"


class TranslationClaim(AuditedModel):
    """Who is translating a passage the annual report of a year needs (the translation
    queue, ``kuzet.reports.translation``): taken by one person, released when done or given
    up. ``source`` names the passage ("finding:12:title", "recommendation:40",
    "section:7"); ``language`` the language it is being translated into."""

    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("passage"), max_length=80)
    language = models.CharField(_("into"), max_length=2, choices=GeneratedReport.Language.choices)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("translated by"),
    )  # fmt: skip
    claimed_at = models.DateTimeField(_("taken"), auto_now_add=True)

    class Meta:
        ordering = ["year", "source", "language"]
        verbose_name = _("translation taken")
        verbose_name_plural = _("translations taken")
        constraints = [
            models.UniqueConstraint(
                "year", "source", "language", name="translationclaim_one_translator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.source} → {self.language}"


class AnnualExample(AuditedModel):
    """An example an editor chose for a department's chapter, in the chosen order
    (``position``). ``finding_id`` names one of the chapter's candidate examples
    (``annual_analysis.example_candidates``); it is a plain number, not a foreign key, so
    that a finding reopened, changed or removed later leaves a stale choice that the
    workspace notes and the report leaves out, rather than blocking the finding."""

    section = models.ForeignKey(
        AnnualSection, on_delete=models.PROTECT, related_name="examples",
        verbose_name=_("section"),
    )  # fmt: skip
    finding_id = models.PositiveIntegerField(_("finding"))
    position = models.PositiveSmallIntegerField(_("position"))
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("chosen by"),
    )  # fmt: skip
    chosen_at = models.DateTimeField(_("chosen"), auto_now_add=True)

    class Meta:
        ordering = ["section", "position", "pk"]
        verbose_name = _("chosen example")
        verbose_name_plural = _("chosen examples")
        constraints = [
            models.UniqueConstraint("section", "finding_id", name="annualexample_once"),
        ]

    def __str__(self) -> str:
        return f"{self.section}: {self.position}. {self.finding_id}"


class AnnualComment(AuditedModel):
    """An internal comment on a section of the annual report (editors and the Council):
    never printed in the report. Sanitised like the narrative; may be marked resolved."""

    section = models.ForeignKey(
        AnnualSection, on_delete=models.PROTECT, related_name="comments",
        verbose_name=_("section"),
    )  # fmt: skip
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("author"),
    )  # fmt: skip
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("resolved by"),
    )  # fmt: skip
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["section", "created_at", "pk"]
        verbose_name = _("comment on a section")
        verbose_name_plural = _("comments on sections")

    def __str__(self) -> str:
        return f"{self.section}: {self.author} {self.created_at:%Y-%m-%d %H:%M}"
