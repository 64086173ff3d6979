"""Recommendations to the state bodies that must implement them, and their follow-up."""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.core.i18n import localized
from kuzet.visits.models import THEMES


class Addressee(AuditedModel):
    """A body a recommendation is addressed to: a ministry, a committee, an akimat, a prosecutor…"""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("ministry or committee")
        ADMINISTRATION = "administration", _("institution administration")
        AKIMAT = "akimat", _("akimat")
        PROSECUTOR = "prosecutor", _("prosecutor's office")
        PARLIAMENT = "parliament", _("parliament or government")
        OTHER = "other", _("other")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=300)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name_ru"]
        verbose_name = _("addressee")
        verbose_name_plural = _("addressees")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class RecommendationQuerySet(models.QuerySet["Recommendation"]):
    def issued(self) -> "RecommendationQuerySet":
        """Sent to their addressees (whatever became of them since): not drafts."""
        return self.exclude(status=Recommendation.Status.DRAFT)

    def open(self) -> "RecommendationQuerySet":
        """Not yet implemented, and still relevant: the authorities still owe an answer."""
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: date | None = None) -> "RecommendationQuerySet":
        """Open, and the deadline has passed."""
        return self.open().filter(deadline__lt=today or timezone.localdate())

    def to_verify_on(self, visit: Any) -> "RecommendationQuerySet":
        """The open recommendations of earlier visits to the visit's institution, which its
        team verifies on site (the visit's preparation pack)."""
        return (
            self.open()
            .filter(visit__institution_id=visit.institution_id)
            .exclude(visit_id=visit.pk)
            .select_related("addressee", "visit")
            .order_by("deadline", "pk")
        )


class Recommendation(AuditedModel):
    class Level(models.TextChoices):
        INSTITUTION = "institution", _("institution")
        DEPARTMENT = "department", _("department")
        LEGISLATION = "legislation", _("legislation")

    class Priority(models.TextChoices):
        HIGH = "high", _("high")
        MEDIUM = "medium", _("medium")
        LOW = "low", _("low")

    class Status(models.TextChoices):
        # Until the visit's report is sent to the addressees (recommendations.services
        # visit_send): the team may still change it, and no figure counts it.
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        IN_PROGRESS = "in_progress", _("being implemented")
        IMPLEMENTED = "implemented", _("implemented")
        PARTLY = "partly", _("partly implemented")
        NOT_IMPLEMENTED = "not_implemented", _("not implemented")
        NO_LONGER_RELEVANT = "no_longer_relevant", _("no longer relevant")

    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("visit"),
    )
    text_ru = models.TextField(_("text (Russian)"))
    text_kk = models.TextField(_("text (Kazakh)"), blank=True)
    addressee = models.ForeignKey(
        Addressee,
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("addressee"),
    )
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.INSTITUTION
    )
    theme = models.CharField(_("theme"), max_length=30, choices=list(THEMES.items()))
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    findings = models.ManyToManyField(
        "visits.Finding", blank=True, related_name="recommendations", verbose_name=_("findings")
    )
    repeats = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="repeated_by",
        verbose_name=_("repeats an earlier recommendation"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        indexes = [models.Index(fields=["status"]), models.Index(fields=["addressee", "status"])]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def text(self) -> str:
        return localized(self, "text")

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        if len(self.text_ru.split()) < MIN_TEXT_WORDS:
            errors["text_ru"] = _(
                "Say what must be done, by whom and how, in at least %(n)s words."
            ) % {"n": MIN_TEXT_WORDS}
        if self.repeats_id is not None and self.repeats_id == self.pk:
            errors["repeats"] = _("A recommendation cannot repeat itself.")
        if errors:
            raise ValidationError(errors)


# Specific and actionable, not "improve conditions" (the predecessor's standard answers).
MIN_TEXT_WORDS = 6


OPEN_STATUSES = frozenset(
    {
        Recommendation.Status.ISSUED,
        Recommendation.Status.ACCEPTED,
        Recommendation.Status.IN_PROGRESS,
        Recommendation.Status.PARTLY,
        Recommendation.Status.NOT_IMPLEMENTED,
    }
)


class StatusChange(AuditedModel):
    """One assessment of a recommendation: who, when, on what evidence."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="history"
    )
    status = models.CharField(_("status"), max_length=20, choices=Recommendation.Status.choices)
    evidence = models.TextField(_("evidence"), blank=True)
    source_visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked on visit"),
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), auto_now_add=True)

    class Meta:
        ordering = ["recommendation", "assessed_at", "pk"]
        verbose_name = _("recommendation status change")
        verbose_name_plural = _("recommendation status changes")

    def __str__(self) -> str:
        return f"{self.recommendation_id}: {self.status}"
