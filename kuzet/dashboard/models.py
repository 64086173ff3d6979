"""What the dashboard stores: the weights of the visit-priority score and the annual visit plan.

Indicators themselves are not stored: they are counted by the database on every page load
(see ``indicators.py``), so a record synced a moment ago is already in them.
"""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuzet.core.audit import AuditedModel


class PriorityWeights(AuditedModel):
    """The points each reason adds to an institution's priority score (one row, pk=1)."""

    per_year_without_visit = models.PositiveSmallIntegerField(
        _("per year since the last visit (up to 5 years)"), default=10
    )
    never_visited = models.PositiveSmallIntegerField(_("never visited"), default=60)
    per_open_recommendation = models.PositiveSmallIntegerField(
        _("per open recommendation (up to 10)"), default=2
    )
    per_overdue_recommendation = models.PositiveSmallIntegerField(
        _("per overdue recommendation (up to 10)"), default=5
    )
    per_ill_treatment_allegation = models.PositiveSmallIntegerField(
        _("per allegation of ill-treatment in the last 3 years (up to 10)"), default=15
    )
    per_reprisal_allegation = models.PositiveSmallIntegerField(
        _("per allegation of reprisals in the last 3 years (up to 10)"), default=20
    )
    per_reprisal_risk = models.PositiveSmallIntegerField(
        _("per person at medium or high risk of reprisals in the last 3 years (up to 10)"),
        default=10,
    )
    per_vulnerable_person = models.PositiveSmallIntegerField(
        _("per interviewed person of a vulnerable group in the last 3 years (up to 20)"),
        default=1,
    )
    per_10_percent_overcrowding = models.PositiveSmallIntegerField(
        _("per 10% of population above capacity (up to 100%)"), default=5
    )
    high_risk_type = models.PositiveSmallIntegerField(
        _("place of a high-risk type (police custody, pre-trial, psychiatric, children)"),
        default=15,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("priority weights")
        verbose_name_plural = _("priority weights")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="priorityweights_one")]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "PriorityWeights":
        """The stored weights, or the defaults when nobody has edited them yet (not saved)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class PlanEntry(AuditedModel):
    """One line of a region's annual visit plan: an institution, a month and a team."""

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    institution = models.ForeignKey(
        "registry.Institution",
        on_delete=models.PROTECT,
        related_name="plan_entries",
        verbose_name=_("institution"),
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("team leader"),
    )
    team_note = models.CharField(_("team"), max_length=300, blank=True)
    # The score and its reasons when the entry was made, so the plan says why it was chosen.
    score = models.PositiveIntegerField(_("priority score"), default=0)
    reasons = models.CharField(_("reasons"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["year", "month", "pk"]
        verbose_name = _("visit plan entry")
        verbose_name_plural = _("visit plan entries")
        constraints = [
            models.UniqueConstraint(
                "year",
                "month",
                "institution",
                name="planentry_once_a_month",
                violation_error_message=_("This institution is already planned for this month."),
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="planentry_month_valid"
            ),
        ]
        indexes = [models.Index(fields=["region", "year", "month"])]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.institution_id}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        if self.institution_id and self.region_id and self.institution.region_id != self.region_id:
            errors["institution"] = _("The institution is in another region.")
        if errors:
            raise ValidationError(errors)
