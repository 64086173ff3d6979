"""Visit planning: the priority score of each institution, the annual plan and its services.

The score is a sum of points, each computed by the database from the institution's own
records (``suggestions``); the page shows every part, so a suggestion says why it is there.
The weights (``PriorityWeights``) are edited by the secretariat.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.core.policy import Action, can, regions_where
from kuzet.dashboard.indicators import CARRIED_OUT, OPEN
from kuzet.dashboard.models import PlanEntry, PriorityWeights
from kuzet.people.models import User
from kuzet.recommendations.models import Recommendation
from kuzet.registry.models import Institution, Region
from kuzet.visits.models import Allegation, Interview, Visit

# Places where the risk of ill-treatment is highest: the first hours of custody, pre-trial
# detention, closed psychiatric care, children, military discipline.
HIGH_RISK_TYPES = frozenset(
    {
        "ivs",
        "special-room",
        "reception-distribution",
        "juvenile-adaptation",
        "sizo",
        "nsc-detention",
        "psychiatric",
        "psychiatric-intensive",
        "special-education",
        "special-regime-education",
        "medical-social-psychoneuro",
        "medical-social-children",
        "guardhouse",
        "disciplinary-unit",
    }
)
RECENT_DAYS = 3 * 365
MAX_YEARS_DAYS = 5 * 365
WEIGHT_FIELDS = [
    "per_year_without_visit",
    "never_visited",
    "per_open_recommendation",
    "per_overdue_recommendation",
    "per_ill_treatment_allegation",
    "per_reprisal_allegation",
    "per_reprisal_risk",
    "per_vulnerable_person",
    "per_10_percent_overcrowding",
    "high_risk_type",
]


class DaysSince(Func):
    """Whole days from a date column to ``today`` (both databases)."""

    output_field = IntegerField()

    def __init__(self, column: str, today: date) -> None:
        super().__init__(Value(today, output_field=DateField()), F(column))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> Any:
        today, column = (compiler.compile(e) for e in self.get_source_expressions())
        params = (*today[1], *column[1])
        if connection.vendor == "sqlite":
            return f"CAST(julianday({today[0]}) - julianday({column[0]}) AS INTEGER)", params
        return f"({today[0]} - {column[0]})", params


def _count(qs: QuerySet[Any], path: str) -> Coalesce:
    """Rows of ``qs`` whose ``path`` is the outer institution, as a correlated subquery."""
    counted = qs.filter(**{path: OuterRef("pk")}).order_by().values(path).annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), 0)


def suggestions(*, region: Region, year: int, today: date) -> QuerySet[Institution]:
    """Active institutions of ``region`` not yet in ``year``'s plan, highest score first;
    every part of the score is an annotation (``p_*``) next to the count it comes from."""
    w = PriorityWeights.current()
    since = today - timedelta(days=RECENT_DAYS)
    recent = Q(visit__planned_date__gte=since)
    risky = [Interview.Risk.MEDIUM, Interview.Risk.HIGH]
    qs = (
        Institution.objects.filter(region=region, status=Institution.Status.ACTIVE)
        .exclude(Exists(PlanEntry.objects.filter(institution=OuterRef("pk"), year=year)))
        .select_related("type")
        .annotate(
            days=DaysSince("last_visited_on", today),
            open_recs=_count(Recommendation.objects.filter(status__in=OPEN), "visit__institution"),
            overdue_recs=_count(
                Recommendation.objects.filter(status__in=OPEN, deadline__lt=today),
                "visit__institution",
            ),
            ill=_count(
                Allegation.objects.filter(recent, kind=Allegation.Kind.ILL_TREATMENT),
                "visit__institution",
            ),
            reprisal=_count(
                Allegation.objects.filter(recent, kind=Allegation.Kind.REPRISAL),
                "visit__institution",
            ),
            at_risk=_count(
                Interview.objects.filter(recent, reprisal_risk__in=risky), "visit__institution"
            ),
            vulnerable=_count(
                Interview.objects.filter(recent).exclude(vulnerabilities=[]), "visit__institution"
            ),
        )
        .annotate(
            p_days=Case(
                When(last_visited_on__isnull=True, then=Value(w.never_visited)),
                default=Least(F("days"), Value(MAX_YEARS_DAYS)) * w.per_year_without_visit / 365,
                output_field=IntegerField(),
            ),
            p_open=Least(F("open_recs"), 10) * w.per_open_recommendation,
            p_overdue=Least(F("overdue_recs"), 10) * w.per_overdue_recommendation,
            p_ill=Least(F("ill"), 10) * w.per_ill_treatment_allegation,
            p_reprisal=Least(F("reprisal"), 10) * w.per_reprisal_allegation,
            p_risk=Least(F("at_risk"), 10) * w.per_reprisal_risk,
            p_vulnerable=Least(F("vulnerable"), 20) * w.per_vulnerable_person,
            p_crowding=Case(
                When(
                    capacity__gt=0,
                    population__gt=F("capacity"),
                    then=Least((F("population") * 100 / F("capacity") - 100) / 10, 10)
                    * w.per_10_percent_overcrowding,
                ),
                default=Value(0),
                output_field=IntegerField(),
            ),
            p_type=Case(
                When(type__code__in=HIGH_RISK_TYPES, then=Value(w.high_risk_type)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .annotate(
            score=F("p_days")
            + F("p_open")
            + F("p_overdue")
            + F("p_ill")
            + F("p_reprisal")
            + F("p_risk")
            + F("p_vulnerable")
            + F("p_crowding")
            + F("p_type")
        )
        .order_by("-score", "name_ru", "pk")
    )
    return qs


@dataclass
class Reason:
    text: str
    points: int


def reasons(institution: Any) -> list[Reason]:
    """The parts of an annotated suggestion's score, largest first, in words."""
    i = institution
    parts: list[Reason] = []
    if i.last_visited_on is None:
        parts.append(Reason(_("never visited"), i.p_days))
    elif i.p_days:
        parts.append(
            Reason(
                ngettext(
                    "%(n)s day since the last visit", "%(n)s days since the last visit", i.days
                )
                % {"n": i.days},
                i.p_days,
            )
        )
    counted = [
        (
            i.open_recs,
            i.p_open,
            ngettext("%(n)s open recommendation", "%(n)s open recommendations", i.open_recs),
        ),
        (
            i.overdue_recs,
            i.p_overdue,
            ngettext(
                "%(n)s overdue recommendation", "%(n)s overdue recommendations", i.overdue_recs
            ),
        ),
        (
            i.ill,
            i.p_ill,
            ngettext(
                "%(n)s allegation of ill-treatment (3 years)",
                "%(n)s allegations of ill-treatment (3 years)",
                i.ill,
            ),
        ),
        (
            i.reprisal,
            i.p_reprisal,
            ngettext(
                "%(n)s allegation of reprisals (3 years)",
                "%(n)s allegations of reprisals (3 years)",
                i.reprisal,
            ),
        ),
        (
            i.at_risk,
            i.p_risk,
            ngettext(
                "%(n)s person at risk of reprisals (3 years)",
                "%(n)s people at risk of reprisals (3 years)",
                i.at_risk,
            ),
        ),
        (
            i.vulnerable,
            i.p_vulnerable,
            ngettext(
                "%(n)s interviewed person of a vulnerable group (3 years)",
                "%(n)s interviewed people of vulnerable groups (3 years)",
                i.vulnerable,
            ),
        ),
    ]
    for n, points, text in counted:
        if n:
            parts.append(Reason(text % {"n": n}, points))
    if i.p_crowding:
        parts.append(
            Reason(
                _("population %(p)s for %(c)s places") % {"p": i.population, "c": i.capacity},
                i.p_crowding,
            )
        )
    if i.p_type:
        parts.append(Reason(_("high-risk type: %(t)s") % {"t": i.type.short_name}, i.p_type))
    return sorted(parts, key=lambda r: -r.points)


def plan_with_actual(*, region: Region, year: int) -> QuerySet[PlanEntry]:
    """The region's plan for ``year``, each entry with whether a visit to the institution
    was scheduled, and carried out, in its month."""
    same_month = Visit.objects.filter(
        institution=OuterRef("institution"),
        planned_date__year=OuterRef("year"),
        planned_date__month=OuterRef("month"),
    )
    return (
        PlanEntry.objects.filter(region=region, year=year)
        .select_related("institution", "institution__type", "leader")
        .annotate(
            scheduled=Exists(same_month),
            carried_out=Exists(same_month.filter(status__in=CARRIED_OUT)),
        )
        .order_by("month", "institution__name_ru", "pk")
    )


def plan_by_month(*, region: Region, year: int) -> list[dict[str, Any]]:
    """Per month: plan entries, those scheduled and carried out, and all visits carried out
    in the region (planned or not)."""
    entries = {
        row["month"]: row
        for row in plan_with_actual(region=region, year=year)
        .values("month")
        .annotate(
            planned=Count("id"),
            scheduled_n=Count("id", filter=Q(scheduled=True)),
            done_n=Count("id", filter=Q(carried_out=True)),
        )
        .order_by()
    }
    visits = {
        row["planned_date__month"]: row["n"]
        for row in Visit.objects.filter(
            region=region, planned_date__year=year, status__in=CARRIED_OUT
        )
        .values("planned_date__month")
        .annotate(n=Count("id"))
        .order_by()
    }
    months = []
    for month in range(1, 13):
        e = entries.get(month, {})
        months.append(
            {
                "month": date(year, month, 1),
                "planned": e.get("planned", 0),
                "scheduled": e.get("scheduled_n", 0),
                "carried_out": e.get("done_n", 0),
                "all_carried_out": visits.get(month, 0),
            }
        )
    return months


def team_candidates(region: Region) -> QuerySet[User]:
    """People of the region's active groups who may lead a visit team."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__group__region=region,
            memberships__group__is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def may_edit_weights(user: Any) -> bool:
    """The secretariat (who plans in every region) sets the weights."""
    return can(user, Action.PLAN_VISIT) and regions_where(user, Action.PLAN_VISIT) is None


@transaction.atomic
def plan_entry_add(
    *,
    actor: Any,
    region: Region,
    year: int,
    month: int,
    institution: Institution,
    leader: User | None = None,
    team_note: str = "",
) -> PlanEntry:
    if not can(actor, Action.PLAN_VISIT, region.pk):
        raise PermissionDenied
    today = timezone.localdate()
    scored = suggestions(region=region, year=year, today=today).filter(pk=institution.pk).first()
    entry = PlanEntry(
        year=year,
        month=month,
        region=region,
        institution=institution,
        leader=leader,
        team_note=team_note,
        score=max(0, getattr(scored, "score", 0)),
        reasons="; ".join(f"{r.text} (+{r.points})" for r in reasons(scored))[:500]
        if scored is not None
        else "",
        created_by=actor,
    )
    if leader is not None and not team_candidates(region).filter(pk=leader.pk).exists():
        raise ValidationError({"leader": [_("The leader must belong to the region's group.")]})
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def plan_entry_remove(*, actor: Any, entry: PlanEntry) -> None:
    if not can(actor, Action.PLAN_VISIT, entry.region_id):
        raise PermissionDenied
    entry.delete()


@transaction.atomic
def priority_weights_update(*, actor: Any, values: dict[str, int]) -> PriorityWeights:
    if not may_edit_weights(actor):
        raise PermissionDenied
    weights = PriorityWeights.objects.select_for_update().filter(pk=1).first() or PriorityWeights(
        pk=1
    )
    for name in WEIGHT_FIELDS:
        if name in values:
            setattr(weights, name, values[name])
    weights.full_clean()
    weights.save()
    return weights
