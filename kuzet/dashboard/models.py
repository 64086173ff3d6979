"""What the dashboard stores: the weights of the visit-priority score and the annual visit plan.

Indicators are counted by the database on every page load (``indicators.py``) from facts the
write services keep current in the same transaction (``facts.py``), so a record synced a
moment ago is already in them.
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


# --- Facts: what the indicators count, caught up from the writes' marks (``facts.py``) ----
#
# Derived rows, rebuilt by ``manage.py rebuild_dashboard_facts`` and refreshed by
# ``facts.facts_catch_up`` for the visits the writes marked, before a page counts.
# The dimensions are plain integers (no foreign keys): these rows are copies, not records.
# In the ``*Count`` tables, ``grain`` says what a row adds up: PLACE rows are one
# region, department and type; REGION, DEPARTMENT and TYPE rows one of them (the other two
# columns 0); NATIONAL rows the whole country (all three 0). ``months`` says over what time:
# 1 for the month starting on ``month``, 12 for the calendar year starting on ``month``
# (a January row and its year's row share ``month``: always filter on ``months``). The
# yearly rows let a ten-year page read a tenth of the rows.


class Grain(models.TextChoices):
    NATIONAL = "n", "national"
    REGION = "r", "region"
    DEPARTMENT = "d", "department"
    TYPE = "t", "type of place"
    PLACE = "p", "place"


class VisitFact(models.Model):
    """One visit with the dimensions the filters use and what was counted on it."""

    visit = models.OneToOneField(
        "visits.Visit", on_delete=models.CASCADE, primary_key=True, related_name="dashboard_fact"
    )
    planned_date = models.DateField()
    institution_id = models.PositiveIntegerField()
    region_id = models.PositiveIntegerField()
    department_id = models.PositiveIntegerField()
    type_id = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    carried_out = models.BooleanField()
    interviews = models.PositiveIntegerField(default=0)
    interviews_individual = models.PositiveIntegerField(default=0)
    interviews_group = models.PositiveIntegerField(default=0)
    interviews_staff = models.PositiveIntegerField(default=0)
    interviews_vulnerable = models.PositiveIntegerField(default=0)
    interviews_fears = models.PositiveIntegerField(default=0)
    interviews_risk = models.PositiveIntegerField(default=0)
    allegations_ill_treatment = models.PositiveIntegerField(default=0)
    allegations_reprisal = models.PositiveIntegerField(default=0)
    recommendations = models.PositiveIntegerField(default=0)
    # Video appeals to the Commissioner recorded on the visit, and those forwarded.
    appeals = models.PositiveIntegerField(default=0)
    appeals_forwarded = models.PositiveIntegerField(default=0)
    # Report quality of a reported visit (under review or later; 0 on the others): its texts
    # checked and found weak, copied texts, and each visit-level signal (0 or 1). Filled by
    # ``facts.py`` from ``kuzet.visits.services.quality``; named by ``facts.QUALITY_COUNTED``.
    q_reported = models.PositiveIntegerField(default=0)
    q_findings = models.PositiveIntegerField(default=0)
    q_findings_weak = models.PositiveIntegerField(default=0)
    q_recommendation_texts = models.PositiveIntegerField(default=0)
    q_recommendation_texts_weak = models.PositiveIntegerField(default=0)
    q_texts_copied = models.PositiveIntegerField(default=0)
    q_no_times = models.PositiveIntegerField(default=0)
    q_short_stay = models.PositiveIntegerField(default=0)
    q_no_interview = models.PositiveIntegerField(default=0)
    q_no_private_interview = models.PositiveIntegerField(default=0)
    q_interviews_without_consent = models.PositiveIntegerField(default=0)
    q_no_checklist = models.PositiveIntegerField(default=0)
    q_all_compliant = models.PositiveIntegerField(default=0)
    q_checklist_repeated = models.PositiveIntegerField(default=0)
    q_findings_unsupported = models.PositiveIntegerField(default=0)
    q_records_outside_stay = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["planned_date"], name="visitfact_date"),
            models.Index(fields=["region_id", "planned_date"], name="visitfact_region_date"),
            models.Index(fields=["department_id", "planned_date"], name="visitfact_dept_date"),
            models.Index(fields=["type_id", "planned_date"], name="visitfact_type_date"),
            # The planning score counts each institution's recent visits (from the index alone).
            models.Index(
                fields=[
                    "institution_id",
                    "planned_date",
                    "allegations_ill_treatment",
                    "allegations_reprisal",
                    "interviews_risk",
                    "interviews_vulnerable",
                ],
                name="visitfact_institution_date",
            ),
        ]

    def __str__(self) -> str:
        return f"visit {self.visit_id}"


# The place and visit type of a count row, and the whole key before each table's own columns.
PLACE = ["region_id", "department_id", "type_id", "kind"]
PLACE_KEY = ["grain", "months", "month", *PLACE]


def _cell(name: str, *own: str) -> models.UniqueConstraint:
    """One row per grain, time, place, visit type and the table's own key columns."""
    return models.UniqueConstraint(*PLACE_KEY, *own, name=name)


def _by_place(prefix: str) -> list[models.Index]:
    """The rows of one region, department or type over time (the filters of the pages)."""
    return [
        models.Index(fields=["grain", column, "month"], name=f"{prefix}_{short}_month")
        for column, short in (("region_id", "region"), ("department_id", "dept"),
                              ("type_id", "type"))
    ]  # fmt: skip


class PlaceCount(models.Model):
    """What names a row of the count tables: its grain, its time (``months`` from
    ``month``), its place (the columns a grain keeps; 0 in the others) and the visit type.
    The counts follow in each table, after its own key columns; ``facts.py`` writes rows by
    the field order, so new fields go at the end."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    month = models.DateField()  # the first day
    months = models.PositiveSmallIntegerField(default=1)  # 1 or 12, see above
    region_id = models.PositiveIntegerField(default=0)
    department_id = models.PositiveIntegerField(default=0)
    type_id = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20)

    class Meta:
        abstract = True


class VisitCount(PlaceCount):
    """Visits by stage, with what was counted on them."""

    status = models.CharField(max_length=20)
    visits = models.PositiveIntegerField(default=0)
    carried_out = models.PositiveIntegerField(default=0)
    interviews = models.PositiveIntegerField(default=0)
    interviews_individual = models.PositiveIntegerField(default=0)
    interviews_group = models.PositiveIntegerField(default=0)
    interviews_staff = models.PositiveIntegerField(default=0)
    interviews_vulnerable = models.PositiveIntegerField(default=0)
    interviews_fears = models.PositiveIntegerField(default=0)
    interviews_risk = models.PositiveIntegerField(default=0)
    allegations_ill_treatment = models.PositiveIntegerField(default=0)
    allegations_reprisal = models.PositiveIntegerField(default=0)
    recommendations = models.PositiveIntegerField(default=0)
    # Video appeals to the Commissioner recorded on the visit, and those forwarded.
    appeals = models.PositiveIntegerField(default=0)
    appeals_forwarded = models.PositiveIntegerField(default=0)
    # Report quality of the reported visits: sums of the ``VisitFact`` columns of the same names.
    q_reported = models.PositiveIntegerField(default=0)
    q_findings = models.PositiveIntegerField(default=0)
    q_findings_weak = models.PositiveIntegerField(default=0)
    q_recommendation_texts = models.PositiveIntegerField(default=0)
    q_recommendation_texts_weak = models.PositiveIntegerField(default=0)
    q_texts_copied = models.PositiveIntegerField(default=0)
    q_no_times = models.PositiveIntegerField(default=0)
    q_short_stay = models.PositiveIntegerField(default=0)
    q_no_interview = models.PositiveIntegerField(default=0)
    q_no_private_interview = models.PositiveIntegerField(default=0)
    q_interviews_without_consent = models.PositiveIntegerField(default=0)
    q_no_checklist = models.PositiveIntegerField(default=0)
    q_all_compliant = models.PositiveIntegerField(default=0)
    q_checklist_repeated = models.PositiveIntegerField(default=0)
    q_findings_unsupported = models.PositiveIntegerField(default=0)
    q_records_outside_stay = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [_cell("visitcount_cell", "status")]
        indexes = _by_place("visitcount")

    def __str__(self) -> str:
        return f"{self.grain} {self.month:%Y-%m} {self.status}"


class ItemCount(PlaceCount):
    """Checklist answers of one month's visits to one question, by grain and place."""

    instrument_id = models.PositiveIntegerField()
    question = models.CharField(max_length=64)
    non_compliant = models.PositiveIntegerField(default=0)
    checked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [_cell("itemcount_cell", "instrument_id", "question")]
        indexes = _by_place("itemcount")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.instrument_id}:{self.question}"


class RecommendationCount(PlaceCount):
    """Recommendations issued on one month's visits to one addressee, by status."""

    addressee_id = models.PositiveIntegerField()
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    in_progress = models.PositiveIntegerField(default=0)
    implemented = models.PositiveIntegerField(default=0)
    partly = models.PositiveIntegerField(default=0)
    not_implemented = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    no_longer_relevant = models.PositiveIntegerField(default=0)
    # Open with a deadline: less those not yet due (``RecommendationFact``) = overdue.
    open_dated = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [_cell("recommendationcount_cell", "addressee_id")]
        indexes = _by_place("reccount")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.addressee_id}"


class RecommendationFact(models.Model):
    """One recommendation with the dimensions of its visit, its addressee, status and deadline."""

    recommendation = models.OneToOneField(
        "recommendations.Recommendation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    visit_id = models.PositiveIntegerField(db_index=True)
    planned_date = models.DateField()
    institution_id = models.PositiveIntegerField()
    region_id = models.PositiveIntegerField()
    department_id = models.PositiveIntegerField()
    type_id = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)
    addressee_id = models.PositiveIntegerField()
    status = models.CharField(max_length=20)
    deadline = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["planned_date"], name="recfact_date"),
            # Open ones not yet due: an equality on the status first, so that SQLite picks it
            # without statistics; the columns the indicators filter and count by follow, so
            # that both databases read the index alone.
            models.Index(
                fields=[
                    "status",
                    "deadline",
                    "planned_date",
                    "addressee_id",
                    "region_id",
                    "department_id",
                    "type_id",
                    "kind",
                ],
                name="recfact_status_deadline",
            ),
            # The planning score counts each institution's open and overdue recommendations.
            models.Index(
                fields=["institution_id", "status", "deadline"], name="recfact_institution_status"
            ),
        ]

    def __str__(self) -> str:
        return f"recommendation {self.recommendation_id}"
