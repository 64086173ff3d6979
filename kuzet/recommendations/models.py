"""Recommendations to the state bodies that must implement them, and their follow-up."""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel
from kuzet.core.i18n import localized
from kuzet.quality.judging import Reason, blocking, judge_text, warnings
from kuzet.quality.texts import min_words, word_count
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
    # Russian and Kazakh side by side (issue 16): either may be written first, one is needed
    # (the constraint below; ``clean`` says it in words).
    text_ru = models.TextField(_("text (Russian)"), blank=True)
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
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(text_ru="") | ~models.Q(text_kk=""),
                name="recommendation_text_in_a_language",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def text(self) -> str:
        return localized(self, "text")

    @property
    def text_lang(self) -> str:
        """The language of ``text`` (for the ``lang`` attribute): a recommendation written
        in one language only shows that one on the other language's pages."""
        return "kk" if self.text == self.text_kk and self.text_kk else "ru"

    @property
    def quality_source(self) -> str:
        """Where copy detection (kuzet/quality/copies.py) says this text lives."""
        return f"recommendations.recommendation:{self.pk}"

    def quality_texts(self) -> dict[str, str]:
        """The texts copy detection keeps, by source: the Russian and the Kazakh one, each
        when written."""
        texts = {}
        if self.text_ru.strip():
            texts[self.quality_source] = self.text_ru
        if self.text_kk.strip():
            texts[f"{self.quality_source}/text_kk"] = self.text_kk
        return texts

    def repeated_sources(self) -> set[str]:
        """The texts this recommendation may copy without being *copied*: those of the
        recommendations it repeats, up the chain (issue 15)."""
        sources: set[str] = set()
        seen = {self.pk}
        earlier = self.repeats
        while earlier is not None and earlier.pk not in seen:
            seen.add(earlier.pk)
            sources.update(earlier.quality_texts())
            earlier = earlier.repeats
        return sources

    def text_reasons(self) -> dict[str, list[Reason]]:
        """Why each text reads as stock wording (kuzet/quality), by field; copies of other
        institutions' recommendations included, but not of the ones this one repeats. Each
        text written is judged, whichever came first; with neither, the Russian one (empty)
        says so."""
        institution = self.visit.institution_id if self.visit_id else None
        own = set(self.quality_texts()) if self.pk else set()
        exclude = own | (self.repeated_sources() if self.repeats_id else set())
        reasons = {}
        for field, lang in (("text_ru", "ru"), ("text_kk", "kk")):
            text = getattr(self, field)
            if text.strip() or (field == "text_ru" and not self.text_kk.strip()):
                reasons[field] = judge_text(
                    "recommendation",
                    text,
                    lang=lang,
                    institution_id=institution,
                    exclude_sources=exclude,
                )
        return reasons

    def text_warnings(self) -> list[Reason]:
        """The reasons that do not stop saving, shown to the author as warnings (those of
        the Kazakh text say so)."""
        found = []
        for field, reasons in self.text_reasons().items():
            for reason in warnings(reasons):
                if field == "text_kk":
                    reason = Reason(
                        reason.code, _("Kazakh text: %(message)s") % {"message": reason.message}
                    )
                found.append(reason)
        return found

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        if not self.text_ru.strip() and not self.text_kk.strip():
            errors["text_ru"] = [_("Write the recommendation in Russian or in Kazakh.")]
        else:
            # Either language may be written first: the length rule applies to the Russian
            # text when there is one, to the Kazakh one otherwise (as for findings; a
            # translation may take fewer words).
            field = "text_ru" if self.text_ru.strip() else "text_kk"
            if word_count(getattr(self, field)) < MIN_TEXT_WORDS:
                errors[field] = [
                    _("Say what must be done, by whom and how, in at least %(n)s words.")
                    % {"n": MIN_TEXT_WORDS}
                ]
        for field, reasons in self.text_reasons().items():
            blocked = [r.message for r in blocking(reasons)]
            if blocked:
                errors.setdefault(field, []).extend(blocked)
        if self.repeats_id is not None and self.repeats_id == self.pk:
            errors["repeats"] = _("A recommendation cannot repeat itself.")
        if errors:
            raise ValidationError(errors)


# Specific and actionable, not "improve conditions" (the predecessor's standard answers).
# The number is in the quality rules (kuzet/quality/rules/rules.toml), shared with the tablet.
MIN_TEXT_WORDS = min_words("recommendation")


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


class Reminder(models.Model):
    """A deadline reminder already given: (recommendation, kind, deadline) is unique, so the
    daily run (``manage.py notify_recommendations``) tells people once, however often it
    runs; a new deadline is reminded anew. Derived data, not audited."""

    class Kind(models.TextChoices):
        DUE = "due", _("due soon")
        OVERDUE = "overdue", _("overdue")

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    deadline = models.DateField(_("deadline"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        constraints = [
            models.UniqueConstraint(
                "recommendation", "kind", "deadline", name="reminder_once_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_id}: {self.kind} {self.deadline}"
