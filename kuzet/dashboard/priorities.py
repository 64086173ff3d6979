"""The annual visit plan of a region and the priority score of each institution, with their
services (one visit is planned by ``kuzet.visits.services.planning``).

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
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.core.policy import Action, can, regions_where
from kuzet.dashboard.indicators import CARRIED_OUT, OPEN
from kuzet.dashboard.models import PlanEntry, PriorityWeights, RecommendationFact, VisitFact
from kuzet.people.models import User
from kuzet.registry.models import Institution, InstitutionType, Region
from kuzet.visits.models import Visit

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


def _least(connection: Any) -> str:
    """The smaller of its arguments: ``LEAST`` on PostgreSQL, scalar ``MIN`` on SQLite."""
    return "MIN" if connection.vendor == "sqlite" else "LEAST"


def _days_since(connection: Any, column: str) -> str:
    """Whole days from a date column to the ``today`` parameter (both databases)."""
    if connection.vendor == "sqlite":
        return f"CAST(julianday(%(today)s) - julianday({column}) AS INTEGER)"
    return f"(CAST(%(today)s AS date) - {column})"


def suggestions(
    *, region: Region, year: int, today: date, limit: int | None = None, only: int | None = None
) -> list[Institution]:
    """Active institutions of ``region`` not yet in ``year``'s plan, highest score first
    (``limit`` of them, or the one institution ``only``); each carries every part of its
    score (``p_*``) next to the count it comes from.

    One statement for the region: the facts of its institutions' recommendations and visits
    are counted by institution once, in two grouped subqueries joined to them, and the score is
    computed and sorted by the database. (Written in SQL: the ORM has no join to a grouped
    subquery, and a correlated subquery per institution and count cost about a second for a
    region of 500 places.) The facts are kept current by the services in the transaction of
    each write (``facts.py``).
    """
    from django.db import connection

    w = PriorityWeights.current()
    least = _least(connection)
    quoted = ", ".join(f"'{s}'" for s in sorted(OPEN))
    high_risk = ", ".join(f"'{code}'" for code in sorted(HIGH_RISK_TYPES))
    days = _days_since(connection, "i.last_visited_on")
    institution = Institution._meta.db_table
    parts = {
        "p_days": f"CASE WHEN i.last_visited_on IS NULL THEN {w.never_visited:d} "
        f"ELSE {least}({days}, {MAX_YEARS_DAYS:d}) * {w.per_year_without_visit:d} / 365 END",
        "p_open": f"{least}(COALESCE(rec.open_recs, 0), 10) * {w.per_open_recommendation:d}",
        "p_overdue": f"{least}(COALESCE(rec.overdue_recs, 0), 10) "
        f"* {w.per_overdue_recommendation:d}",
        "p_ill": f"{least}(COALESCE(met.ill, 0), 10) * {w.per_ill_treatment_allegation:d}",
        "p_reprisal": f"{least}(COALESCE(met.reprisal, 0), 10) * {w.per_reprisal_allegation:d}",
        "p_risk": f"{least}(COALESCE(met.at_risk, 0), 10) * {w.per_reprisal_risk:d}",
        "p_vulnerable": f"{least}(COALESCE(met.vulnerable, 0), 20) * {w.per_vulnerable_person:d}",
        "p_crowding": "CASE WHEN i.capacity > 0 AND i.population > i.capacity THEN "
        f"{least}((i.population * 100 / i.capacity - 100) / 10, 10) "
        f"* {w.per_10_percent_overcrowding:d} ELSE 0 END",
        "p_type": f"CASE WHEN t.code IN ({high_risk}) THEN {w.high_risk_type:d} ELSE 0 END",
    }
    in_region = f"SELECT id FROM {institution} WHERE region_id = %(region)s"  # noqa: S608
    sql = f"""
        SELECT * FROM (
            SELECT i.*, {days} AS days,
                   COALESCE(rec.open_recs, 0) AS open_recs,
                   COALESCE(rec.overdue_recs, 0) AS overdue_recs,
                   COALESCE(met.ill, 0) AS ill, COALESCE(met.reprisal, 0) AS reprisal,
                   COALESCE(met.at_risk, 0) AS at_risk, COALESCE(met.vulnerable, 0) AS vulnerable,
                   {", ".join(f"{expression} AS {name}" for name, expression in parts.items())},
                   {" + ".join(f"({expression})" for expression in parts.values())} AS score
            FROM {institution} i
            JOIN {InstitutionType._meta.db_table} t ON t.id = i.type_id
            LEFT JOIN (
                SELECT r.institution_id,
                       COUNT(*) AS open_recs,
                       SUM(CASE WHEN r.deadline < %(today)s THEN 1 ELSE 0 END) AS overdue_recs
                FROM {RecommendationFact._meta.db_table} r
                WHERE r.status IN ({quoted}) AND r.institution_id IN ({in_region})
                GROUP BY r.institution_id
            ) rec ON rec.institution_id = i.id
            LEFT JOIN (
                SELECT f.institution_id,
                       SUM(f.allegations_ill_treatment) AS ill,
                       SUM(f.allegations_reprisal) AS reprisal,
                       SUM(f.interviews_risk) AS at_risk,
                       SUM(f.interviews_vulnerable) AS vulnerable
                FROM {VisitFact._meta.db_table} f
                WHERE f.planned_date >= %(since)s AND f.institution_id IN ({in_region})
                GROUP BY f.institution_id
            ) met ON met.institution_id = i.id
            WHERE i.region_id = %(region)s AND i.status = %(active)s
              AND NOT EXISTS (SELECT 1 FROM {PlanEntry._meta.db_table} p
                              WHERE p.institution_id = i.id AND p.year = %(year)s)
              {"AND i.id = %(only)s" if only is not None else ""}
        ) scored
        ORDER BY score DESC, name_ru, id
        {"LIMIT %(limit)s" if limit is not None else ""}
    """  # noqa: S608 (names from the models, weights as integers; values are parameters)
    params = {
        "today": today,
        "since": today - timedelta(days=RECENT_DAYS),
        "region": region.pk,
        "active": Institution.Status.ACTIVE.value,
        "year": year,
        "only": only,
        "limit": limit,
    }
    ranked = list(Institution.objects.raw(sql, params))
    prefetch_related_objects(ranked, "type")
    return ranked


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
    found = suggestions(region=region, year=year, today=today, only=institution.pk)
    scored = found[0] if found else None
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
