"""The indicators: every figure is counted by the database on each request (no batch),
from the facts the write services keep current (``facts.py``).

Each indicator is a ``Table`` (a title, value columns, rows with the link to the list
behind each figure): the page shows it as a table, ``charts.py`` draws it, and it
downloads as CSV. Only counts leave the database: no interview, person or answer text.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import get_script_prefix, reverse
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kuzet.core.policy import Action, regions_where, visit_scope
from kuzet.core.small import is_small, small
from kuzet.dashboard.facts import (
    CARRIED_OUT,
    OPEN,
    QUALITY_COUNTS,
    STATUS_COLUMNS,
    items_select,
    month_end,
    month_of,
    recommendations_select,
    visit_count_select,
)
from kuzet.dashboard.filters import EARLIEST, LATEST, Filters
from kuzet.dashboard.models import (
    Grain,
    ItemCount,
    PlanEntry,
    RecommendationCount,
    RecommendationFact,
    VisitCount,
)
from kuzet.instruments.models import Instrument, InstrumentVersion
from kuzet.people.models import RegionalGroup
from kuzet.quality.signals import SIGNALS
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.registry.models import Department, Institution, InstitutionType, Region
from kuzet.visits.models import Allegation, Visit
from kuzet.visits.selectors import visits_for

S = Visit.Status
R = Recommendation.Status
# Days since the last visit, in buckets: (upper bound in days or None, label).
DAY_BUCKETS: list[tuple[int | None, Any]] = [
    (90, gettext_lazy("up to 3 months")),
    (182, gettext_lazy("3–6 months")),
    (365, gettext_lazy("6–12 months")),
    (730, gettext_lazy("1–2 years")),
    (1826, gettext_lazy("2–5 years")),
    (None, gettext_lazy("over 5 years")),
]
TOP_ITEMS = 15


TOP_ADDRESSEES = 12


def _month_key(month: date | str) -> str:
    """``YYYY-MM`` of a month as a database returns it (a date, or text from SQLite)."""
    return month.strftime("%Y-%m") if isinstance(month, date) else str(month)[:7]


@dataclass
class Row:
    label: str
    values: list[float | int | None]
    links: list[str] = field(default_factory=list)
    key: str = ""
    # Columns whose count is withheld (the value is None, shown as "< N"): small numbers.
    withheld: set[int] = field(default_factory=set)


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[Row]
    chart: str = "bar"  # bar (horizontal bars), columns, line; "" for no chart
    note: str = ""
    # Columns that count no visit (institutions in the registry, plan entries): never withheld.
    exact: tuple[int, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not any(v for row in self.rows for v in row.values) and not any(
            row.withheld for row in self.rows
        )


def visit_q(f: Filters, prefix: str = "") -> Q:
    """The visits counted under ``f`` (by planned date), as a condition on ``prefix``."""
    q = Q(**{f"{prefix}planned_date__range": (f.start, f.end)})
    if f.regions is not None:
        q &= Q(**{f"{prefix}region_id__in": f.regions})
    if f.department is not None:
        q &= Q(**{f"{prefix}institution__department_id": f.department.pk})
    if f.type is not None:
        q &= Q(**{f"{prefix}institution__type_id": f.type.pk})
    if f.kind:
        q &= Q(**{f"{prefix}kind": f.kind})
    return q


def visits_in(f: Filters) -> QuerySet[Visit]:
    return Visit.objects.filter(visit_q(f))


Span = tuple[date, date]


def _split_period(f: Filters, years: bool = True) -> tuple[Span | None, list[Span], list[Span]]:
    """The period in three: the calendar years wholly inside it (first days of the first and
    last), counted from the yearly rows of the count tables; the other whole months (first
    days), from their monthly rows; the parts of months at its ends (days), from the facts.
    With ``years`` False every whole month is counted from the monthly rows."""
    first = f.start if f.start.day == 1 else month_end(f.start) + timedelta(days=1)
    last = f.end if f.end == month_end(f.end) else month_of(f.end) - timedelta(days=1)
    if first > last:
        return None, [], [(f.start, f.end)]
    parts = []
    if f.start < first:
        parts.append((f.start, first - timedelta(days=1)))
    if last < f.end:
        parts.append((last + timedelta(days=1), f.end))
    last = month_of(last)
    first_year = first.year if first.month == 1 else first.year + 1
    last_year = last.year if last.month == 12 else last.year - 1
    if not years or first_year > last_year:
        return None, [(first, last)], parts
    months = []
    if first.year < first_year:
        months.append((first, date(first_year - 1, 12, 1)))
    if last.year > last_year:
        months.append((date(last_year + 1, 1, 1), last))
    return (date(first_year, 1, 1), date(last_year, 1, 1)), months, parts


def _where(f: Filters, alias: str = "") -> tuple[list[str], list[Any]]:
    """SQL conditions of the place filters (region, department, type, visit type)."""
    conditions: list[str] = []
    params: list[Any] = []
    if f.regions is not None:
        regions = sorted(f.regions) or [0]
        conditions.append(f"{alias}region_id IN ({', '.join(['%s'] * len(regions))})")
        params += regions
    for column, value in (
        ("department_id", f.department.pk if f.department else None),
        ("type_id", f.type.pk if f.type else None),
        ("kind", f.kind or None),
    ):
        if value is not None:
            conditions.append(f"{alias}{column} = %s")
            params.append(value)
    return conditions, params


def _national(f: Filters) -> bool:
    """Whether ``f`` counts the whole country (the national rows of the monthly tables)."""
    return f.regions is None and f.department is None and f.type is None


def _one_place_filter(f: Filters) -> tuple[str, list[int]] | None:
    """The grain of the monthly tables whose rows are the one kind of place ``f`` filters
    by (regions, a department or a type) and the values, or None."""
    chosen = [
        (grain, values)
        for grain, values in (
            (Grain.REGION, sorted(f.regions) if f.regions is not None else None),
            (Grain.DEPARTMENT, [f.department.pk] if f.department else None),
            (Grain.TYPE, [f.type.pk] if f.type else None),
        )
        if values is not None
    ]
    return chosen[0] if len(chosen) == 1 and chosen[0][1] else None


def _grain(f: Filters) -> str:
    """The grain of ``ItemCount`` and ``RecommendationCount`` that answers ``f``."""
    if _national(f):
        return Grain.NATIONAL
    one = _one_place_filter(f)
    return one[0] if one is not None else Grain.PLACE


def _counted_rows(
    f: Filters,
    model: Any,
    select: Callable[[str], str],
    grain: str | None,
    where: tuple[list[str], list[Any]] | None = None,
    by_month: bool = False,
) -> tuple[str, list[Any]]:
    """SQL for rows of ``model`` (a count table) that add up to the visits under ``f``: its
    rows of ``grain`` for the whole years and months of the period (only monthly rows if
    ``by_month``) and, for the rest, the same rows computed from the facts by ``select`` (as
    the facts module computes them). Without a grain, everything is computed from the facts.
    ``where``: the conditions on the count table, if not the columns of the filters."""
    years, months, parts = _split_period(f, years=not by_month)
    if grain is None:
        years, months, parts = None, [], [(f.start, f.end)]
    conditions, params = where or _where(f)
    selects: list[str] = []
    all_params: list[Any] = []
    columns = ", ".join(x.attname for x in model._meta.concrete_fields if x.name != "id")
    if years is not None or months:
        spans: list[str] = []
        span_params: list[Any] = []
        if years is not None:
            spans.append("(months = 12 AND month BETWEEN %s AND %s)")
            span_params += years
        if months:
            ranges = " OR ".join("month BETWEEN %s AND %s" for _span in months)
            spans.append(f"(months = 1 AND ({ranges}))")
            span_params += [day for span in months for day in span]
        cube = " AND ".join(["grain = %s", f"({' OR '.join(spans)})", *conditions])
        table = model._meta.db_table
        selects.append(f"SELECT {columns} FROM {table} WHERE {cube}")  # noqa: S608
        all_params += [grain, *span_params, *params]
    if parts:
        fact_conditions, fact_params = _where(f, "f.")
        dates = " OR ".join("f.planned_date BETWEEN %s AND %s" for _part in parts)
        selects.append(select(" AND ".join([f"({dates})", *fact_conditions])))
        all_params += [d for part in parts for d in part] + fact_params
    return " UNION ALL ".join(selects), all_params


def _visit_rows(f: Filters, by: str | None = None, by_month: bool = False) -> tuple[str, list[Any]]:
    """``VisitCount`` rows for the visits under ``f``, of the coarsest grain that answers the
    filters and keeps the place column a table groups ``by`` (the grain of that column: r,
    d or t): the country's rows, a region's, …, or the place rows when filters are combined.
    ``by_month``: no yearly rows (for counts by month)."""
    grain = _grain(f)
    if by is not None and grain != by:
        grain = by if _national(f) else Grain.PLACE
    return _counted_rows(f, VisitCount, visit_count_select, grain, by_month=by_month)


def _sums(sql: str, params: list[Any], columns: list[str], by: str = "") -> list[tuple[Any, ...]]:
    """``SUM`` of ``columns`` over the rows of ``sql`` (grouped by ``by``)."""
    sums = ", ".join(f"SUM({c})" for c in columns)
    select = f"SELECT {by + ', ' if by else ''}{sums} FROM ({sql}) t"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"{select} GROUP BY {by}" if by else select, params)
        return [
            (*row[: 1 if by else 0], *(int(n or 0) for n in row[1 if by else 0 :]))
            for row in cursor.fetchall()
        ]


def institutions_in(f: Filters) -> QuerySet[Institution]:
    qs = Institution.objects.filter(status=Institution.Status.ACTIVE)
    if f.regions is not None:
        qs = qs.filter(region_id__in=f.regions)
    if f.department is not None:
        qs = qs.filter(department_id=f.department.pk)
    if f.type is not None:
        qs = qs.filter(type_id=f.type.pk)
    return qs


def plan_in(f: Filters) -> QuerySet[PlanEntry]:
    """Plan entries whose month falls in the period (a month counts if it overlaps it)."""
    qs = PlanEntry.objects.all()
    if f.start.year == f.end.year:
        qs = qs.filter(year=f.start.year, month__gte=f.start.month, month__lte=f.end.month)
    else:
        qs = qs.filter(
            Q(year=f.start.year, month__gte=f.start.month)
            | Q(year__gt=f.start.year, year__lt=f.end.year)
            | Q(year=f.end.year, month__lte=f.end.month)
        )
    if f.regions is not None:
        qs = qs.filter(region_id__in=f.regions)
    if f.department is not None:
        qs = qs.filter(institution__department_id=f.department.pk)
    if f.type is not None:
        qs = qs.filter(institution__type_id=f.type.pk)
    return qs


@lru_cache(maxsize=32)
def _reverse(name: str, prefix: str) -> str:
    return reverse(name)


def _url(name: str) -> str:
    """``reverse(name)``, once per script prefix: a table has hundreds of links."""
    return _reverse(name, get_script_prefix())


def _drill(f: Filters, **extra: Any) -> str:
    return f"{_url('dashboard:visits')}?{f.query(**extra)}"


def _recommendations_link(f: Filters, **extra: Any) -> str:
    # The figures count issued recommendations, not drafts: so does the list behind them.
    return f"{_url('recommendations:recommendation_list')}?{f.query(issued=1, **extra)}"


def _inventory_link(f: Filters, region: int | None = None) -> str:
    params = [("status", "active"), ("sort", "-days")]
    region_id = region or (f.region.pk if f.region else None)
    for name, value in (
        ("region", region_id),
        ("department", f.department.pk if f.department else None),
        ("type", f.type.pk if f.type else None),
    ):
        if value:
            params.append((name, str(value)))
    return reverse("registry:institution_list") + "?" + "&".join(f"{k}={v}" for k, v in params)


# --- Headline figures -----------------------------------------------------------------


def headline(f: Filters, tables: dict[str, Table]) -> dict[str, Any]:
    """The figures at the top of the page, summed from the tables (no query of its own)."""
    by_region = tables["visits_by_region"]
    has_plan = len(by_region.columns) == 3 and (not f.kind or f.kind == Visit.Kind.REGULAR)
    planned = sum(int(r.values[0] or 0) for r in by_region.rows) if has_plan else None
    statuses = {r.key: int(r.values[-2] or 0) for r in tables["visits_by_status"].rows}
    coverage = tables["coverage_by_region"].rows
    total = sum(int(r.values[0] or 0) for r in coverage)
    recent = sum(int(r.values[1] or 0) for r in coverage)
    recs = {r.key: int(r.values[0] or 0) for r in tables["recommendations_by_status"].rows}
    issued = sum(n for k, n in recs.items() if k in R.values)
    allegations = {r.key: int(r.values[0] or 0) for r in tables["allegations"].rows}
    appeal_counts = {r.key: int(r.values[0] or 0) for r in tables["appeals"].rows}
    return {
        "scheduled": sum(statuses.values()),
        "carried_out": sum(n for k, n in statuses.items() if k in CARRIED_OUT),
        "planned": planned,
        "coverage": {
            "total": total,
            "recent": recent,
            "never": sum(int(r.values[2] or 0) for r in coverage),
            "percent": _percent(recent, total),
        },
        "recommendations": {"total": issued, "overdue": recs.get("overdue", 0)},
        "implemented": recs.get(R.IMPLEMENTED, 0),
        "implementation_rate": _percent(
            recs.get(R.IMPLEMENTED, 0), issued - recs.get(R.NO_LONGER_RELEVANT, 0)
        ),
        "allegations": {
            "ill": allegations.get(Allegation.Kind.ILL_TREATMENT, 0),
            "reprisal": allegations.get(Allegation.Kind.REPRISAL, 0),
        },
        "appeals": {
            "recorded": appeal_counts.get("recorded", 0),
            "forwarded": appeal_counts.get("forwarded", 0),
        },
        "links": {
            "scheduled": _drill(f),
            "carried_out": _drill(f, done=1),
            "planned": f"{reverse('dashboard:planning')}?{f.query()}",
            "inventory": _inventory_link(f),
            "recommendations": _recommendations_link(f),
            "overdue": _recommendations_link(f, overdue=1),
            "implemented": _recommendations_link(f, status=R.IMPLEMENTED),
            "ill_treatment": _drill(f, has="ill_treatment"),
            "reprisal": _drill(f, has="reprisal"),
            "appeals": _drill(f, has="appeals"),
            "appeals_forwarded": _drill(f, has="appeals_forwarded"),
        },
    }


# --- Small numbers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Others:
    """Whether the figures under the filters count visits the viewer cannot open: in the
    period (most tables), and at any time (the coverage, from the institutions' last visit)."""

    in_period: bool
    any_time: bool

    @property
    def none(self) -> bool:
        return not (self.in_period or self.any_time)


def others_visits(user: Any, f: Filters) -> Others:
    """The visits counted under ``f`` that ``user`` cannot open (a participant or a group
    leader counts their region but opens their teams' visits). Nothing is withheld from the
    national roles (secretariat, council, auditor: the country's figures are theirs) nor
    from whoever opens every visit counted (a coordinator in their region)."""
    if regions_where(user, Action.VIEW_DASHBOARD) is None:
        return Others(False, False)
    regions, team_only = visit_scope(user)
    if regions is None and not team_only:
        return Others(False, False)
    openable = visits_for(user).values("pk")
    ever = replace(f, start=EARLIEST, end=LATEST)
    return Others(
        in_period=visits_in(f).exclude(pk__in=openable).exists(),
        any_time=visits_in(ever).exclude(pk__in=openable).exists(),
    )


# The tables counted from the institutions' last visit (at any time), not the period's.
AS_OF_TODAY = {"coverage_days", "coverage_by_region"}


def withhold(table: Table, others: Others) -> Table:
    """``table`` with its small counts withheld when they may include visits the viewer
    cannot open: a count from 1 to ``KUZET_SMALL_COUNT`` − 1 becomes None and is shown as
    "< N" (in the table, the chart, the CSV and the map); a percentage of its row goes too
    (it would give the count back). Counts of no visit (``table.exact``) stay exact; with no
    such visit under the filters, every count does (it is made of the viewer's own visits)."""
    if not (others.any_time if table.key in AS_OF_TODAY else others.in_period):
        return table
    for row in table.rows:
        for n, value in enumerate(row.values):
            counts = not table.columns[n].endswith("%") and n not in table.exact
            if counts and isinstance(value, int) and is_small(value):
                row.withheld.add(n)
                row.values[n] = None
        if row.withheld:
            for n, column in enumerate(table.columns):
                if column.endswith("%"):
                    row.values[n] = None
    return table


def withhold_headline(figures: dict[str, Any], others: Others) -> dict[str, Any]:
    """The headline figures with the small ones as "< N" (the same rule as ``withhold``)."""

    def shown(value: Any, as_of_today: bool = False) -> Any:
        hidden = others.any_time if as_of_today else others.in_period
        return small(value) if hidden and isinstance(value, int) else value

    coverage = figures["coverage"]
    if others.any_time and (is_small(coverage["recent"]) or is_small(coverage["never"])):
        coverage["percent"] = None
    coverage["recent"] = shown(coverage["recent"], True)
    coverage["never"] = shown(coverage["never"], True)
    recommendations = figures["recommendations"]
    implemented = figures.pop("implemented")
    if others.in_period and is_small(implemented):
        figures["implementation_rate"] = None
    for key in ("scheduled", "carried_out"):
        figures[key] = shown(figures[key])
    for group in ("allegations", "appeals"):
        figures[group] = {k: shown(v) for k, v in figures[group].items()}
    figures["recommendations"] = {k: shown(v) for k, v in recommendations.items()}
    return figures


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


# --- Visits ---------------------------------------------------------------------------

# dimension: (the grain keeping its column in ``VisitCount`` or None if all do, the column,
# the column of the plan or None)
DIMENSIONS: dict[str, tuple[str | None, str, str | None]] = {
    "region": (Grain.REGION, "region_id", "region_id"),
    "department": (Grain.DEPARTMENT, "department_id", "institution__department_id"),
    "type": (Grain.TYPE, "type_id", "institution__type_id"),
    "kind": (None, "kind", None),
    "status": (None, "status", None),
}


def visits_by(f: Filters, dimension: str) -> Table:
    """Visits scheduled and carried out in the period (and planned, where a plan says) by one
    dimension."""
    grain, group, plan_group = DIMENSIONS[dimension]
    sql, params = _visit_rows(f, by=grain)
    counts = {
        key: {"scheduled": scheduled, "done": done}
        for key, scheduled, done in _sums(sql, params, ["visits", "carried_out"], by=group)
    }
    plan: dict[Any, int] = {}
    if plan_group is not None and (not f.kind or f.kind == Visit.Kind.REGULAR):
        plan = {
            row[plan_group]: row["n"]
            for row in plan_in(f).values(plan_group).annotate(n=Count("id")).order_by()
        }
    labels = _labels(dimension, set(counts) | set(plan))
    keys = sorted(labels, key=lambda k: (-(counts.get(k, {}).get("scheduled", 0)), labels[k]))
    if dimension == "status":
        keys = [s for s in S.values if s in counts]
    param = {"region": "region", "department": "department", "type": "type"}.get(dimension)
    rows = []
    for key in keys:
        extra = {param: key} if param else {dimension: key}
        c = counts.get(key, {})
        values: list[float | int | None] = [c.get("scheduled", 0), c.get("done", 0)]
        links = [_drill(f, **extra), _drill(f, done=1, **extra)]
        if plan_group is not None:
            values.insert(0, plan.get(key, 0))
            links.insert(0, f"{reverse('dashboard:planning')}?{f.query(**extra)}")
        rows.append(Row(labels[key], values, links, key=str(key)))
    columns = [_("scheduled"), _("carried out")]
    if plan_group is not None:
        columns.insert(0, _("in the annual plan"))
    titles = {
        "region": _("Visits by region"),
        "department": _("Visits by department"),
        "type": _("Visits by type of place"),
        "kind": _("Visits by type of visit"),
        "status": _("Visits by stage"),
    }
    exact = (0,) if plan_group is not None else ()
    return Table(f"visits_by_{dimension}", titles[dimension], columns, rows, exact=exact)


def _labels(dimension: str, keys: set[Any]) -> dict[Any, str]:
    if dimension == "region":
        return {r.pk: r.name for r in Region.objects.filter(pk__in=keys)}
    if dimension == "department":
        return {d.pk: d.short_name for d in Department.objects.filter(pk__in=keys)}
    if dimension == "type":
        return {t.pk: t.short_name for t in InstitutionType.objects.filter(pk__in=keys)}
    if dimension == "kind":
        return {k: str(Visit.Kind(k).label) for k in keys if k in Visit.Kind.values}
    return {k: str(S(k).label) for k in keys if k in S.values}


# --- Coverage of the inventory --------------------------------------------------------


def _coverage_counts(f: Filters) -> dict[int, dict[str, int]]:
    """Per region: active institutions under ``f``, those visited in the last 12 months, never
    visited, and by days since the last visit (``b0``… as ``DAY_BUCKETS``), as the visit
    services keep the last visit. Both coverage tables use them: one scan per page."""
    if "coverage" in f.memo:
        counts: dict[int, dict[str, int]] = f.memo["coverage"]
        return counts
    aggregates: dict[str, Any] = {
        "total": Count("id"),
        "recent": Count("id", filter=Q(last_visited_on__gte=f.today - timedelta(days=365))),
        "never": Count("id", filter=Q(last_visited_on__isnull=True)),
    }
    lower: date | None = None
    for n, (days, _label) in enumerate(DAY_BUCKETS):
        q = Q(last_visited_on__isnull=False)
        if days is not None:
            q &= Q(last_visited_on__gte=f.today - timedelta(days=days))
        if lower is not None:
            q &= Q(last_visited_on__lt=lower)
        aggregates[f"b{n}"] = Count("id", filter=q)
        lower = f.today - timedelta(days=days) if days is not None else None
    rows = institutions_in(f).values("region_id").annotate(**aggregates).order_by()
    f.memo["coverage"] = {row.pop("region_id"): row for row in rows}
    return f.memo["coverage"]


def coverage_days(f: Filters) -> Table:
    """Active institutions by days since their last visit."""
    by_region = _coverage_counts(f).values()
    keys = [f"b{n}" for n in range(len(DAY_BUCKETS))] + ["never"]
    counts = {key: sum(c[key] for c in by_region) for key in keys}
    link = _inventory_link(f)
    rows = [
        Row(str(label), [counts[f"b{n}"]], [link], key=f"b{n}")
        for n, (_days, label) in enumerate(DAY_BUCKETS)
    ]
    rows.append(Row(_("never visited"), [counts["never"]], [link], key="never"))
    return Table(
        "coverage_days",
        _("Institutions by time since the last visit"),
        [_("institutions")],
        rows,
        chart="columns",
        note=_("Active institutions matching the filters, as of today; the period does not apply."),
    )


def coverage_by_region(f: Filters) -> Table:
    by_region = _coverage_counts(f)
    regions = Region.objects.all() if f.regions is None else Region.objects.filter(pk__in=f.regions)
    rows = []
    for region in sorted(regions, key=lambda r: r.name):
        c = by_region.get(region.pk, {"total": 0, "recent": 0, "never": 0})
        link = _inventory_link(f, region.pk)
        rows.append(
            Row(
                region.name,
                [c["total"], c["recent"], c["never"], _percent(c["recent"], c["total"])],
                [link, link, link, link],
                key=region.kato,
            )
        )
    return Table(
        "coverage_by_region",
        _("Coverage by region: visited in the last 12 months"),
        [_("institutions"), _("visited in 12 months"), _("never visited"), _("coverage, %")],
        rows,
        chart="",
        exact=(0,),
        note=_("Active institutions matching the filters, as of today; the period does not apply."),
    )


# --- People met, allegations ----------------------------------------------------------


def interviews(f: Filters) -> Table:
    """Interviews on visits in the period: counts only, never who was interviewed."""
    keys = ["total", "private", "group", "staff", "vulnerable", "fears", "risk"]
    columns = ["interviews", "interviews_individual", "interviews_group", "interviews_staff",
               "interviews_vulnerable", "interviews_fears", "interviews_risk"]  # fmt: skip
    sql, params = _visit_rows(f)
    counts = dict(zip(keys, _sums(sql, params, columns)[0], strict=True))
    spec = [
        ("total", _("interviews"), {"has": "interviews"}),
        ("private", _("private, individual"), {"has": "interviews"}),
        ("group", _("group"), {"has": "interviews"}),
        ("staff", _("staff, medical, administration"), {"has": "interviews"}),
        ("vulnerable", _("with a person of a vulnerable group"), {"has": "vulnerable"}),
        ("fears", _("the person fears reprisals"), {"has": "fears"}),
        ("risk", _("medium or high risk of reprisals"), {"has": "reprisal_risk"}),
    ]
    rows = [Row(label, [counts[key]], [_drill(f, **extra)], key=key) for key, label, extra in spec]
    return Table("interviews", _("Interviews"), [_("interviews")], rows)


def allegations(f: Filters) -> Table:
    kinds = list(Allegation.Kind.values)
    sql, params = _visit_rows(f)
    counts = dict(
        zip(kinds, _sums(sql, params, [f"allegations_{k}" for k in kinds])[0], strict=True)
    )
    rows = [
        Row(str(label), [counts.get(kind, 0)], [_drill(f, has=kind)], key=kind)
        for kind, label in Allegation.Kind.choices
    ]
    return Table("allegations", _("Allegations"), [_("allegations")], rows)


def appeals(f: Filters) -> Table:
    """Video appeals to the Commissioner recorded on the visits in the period, and those the
    secretariat forwarded: counts only."""
    sql, params = _visit_rows(f)
    recorded, forwarded = _sums(sql, params, ["appeals", "appeals_forwarded"])[0]
    rows = [
        Row(_("recorded"), [recorded or 0], [_drill(f, has="appeals")], key="recorded"),
        Row(
            _("forwarded"),
            [forwarded or 0],
            [_drill(f, has="appeals_forwarded")],
            key="forwarded",
        ),
    ]
    return Table("appeals", _("Video appeals to the Commissioner"), [_("appeals")], rows)


# --- Recommendations ------------------------------------------------------------------


def _recommendation_counts(f: Filters) -> dict[int, dict[str, int]]:
    """Per addressee: recommendations issued on the visits under ``f``, by status, and
    ``overdue`` (open with a deadline, less those not yet due). Both recommendation tables
    use them: counted once per page."""
    if "recommendations" not in f.memo:
        f.memo["recommendations"] = _count_recommendations(f)
    counts: dict[int, dict[str, int]] = f.memo["recommendations"]
    return counts


def _count_recommendations(f: Filters) -> dict[int, dict[str, int]]:
    sql, params = _counted_rows(f, RecommendationCount, recommendations_select, _grain(f))
    columns = ["total", *STATUS_COLUMNS, "open_dated"]
    counts = {
        row[0]: dict(zip(columns, row[1:], strict=True))
        for row in _sums(sql, params, columns, by="addressee_id")
    }
    # Found by deadline (those not yet passed are few): on PostgreSQL from the index alone;
    # SQLite's planner would rather scan ten years by visit date, so there the date is
    # compared as an expression, which no index answers.
    not_due = RecommendationFact.objects.filter(status__in=OPEN, deadline__gte=f.today)
    if connection.vendor == "sqlite":
        not_due = not_due.alias(day=Coalesce("planned_date", "deadline")).filter(
            day__range=(f.start, f.end)
        )
    else:
        not_due = not_due.filter(planned_date__range=(f.start, f.end))
    if f.regions is not None:
        not_due = not_due.filter(region_id__in=f.regions)
    if f.department is not None:
        not_due = not_due.filter(department_id=f.department.pk)
    if f.type is not None:
        not_due = not_due.filter(type_id=f.type.pk)
    if f.kind:
        not_due = not_due.filter(kind=f.kind)
    waiting = dict(not_due.values_list("addressee_id").annotate(n=Count("pk")).order_by())
    for addressee, c in counts.items():
        c["overdue"] = c["open_dated"] - waiting.get(addressee, 0)
    return counts


def recommendations_by_status(f: Filters) -> Table:
    per_addressee = _recommendation_counts(f).values()
    counts = {s: sum(c[s] for c in per_addressee) for s in STATUS_COLUMNS}
    overdue = sum(c["overdue"] for c in per_addressee)
    rows = [
        Row(str(label), [counts.get(s, 0)], [_recommendations_link(f, status=s)], key=s)
        for s, label in R.choices
        if s != R.DRAFT
    ]
    rows.append(
        Row(
            _("overdue (open, deadline passed)"),
            [overdue],
            [_recommendations_link(f, overdue=1)],
            key="overdue",
        )
    )
    return Table(
        "recommendations_by_status",
        _("Recommendations by status"),
        [_("recommendations")],
        rows,
        note=_("Recommendations issued on the visits of the period."),
    )


def recommendations_by_addressee(f: Filters) -> Table:
    counts = []
    for addressee, c in _recommendation_counts(f).items():
        open_ = sum(c[s] for s in OPEN)
        relevant = c["total"] - c[R.NO_LONGER_RELEVANT]
        counts.append(
            {"addressee_id": addressee, "total": c["total"], "open": open_,
             "overdue": c["overdue"], "implemented": c[R.IMPLEMENTED], "relevant": relevant}
        )  # fmt: skip
    counts = sorted(counts, key=lambda c: (-c["total"], c["addressee_id"]))[:TOP_ADDRESSEES]
    names = {
        a.pk: a.name for a in Addressee.objects.filter(pk__in=[c["addressee_id"] for c in counts])
    }
    rows = []
    for c in counts:
        a = c["addressee_id"]
        rows.append(
            Row(
                names.get(a, "?"),
                [
                    c["total"],
                    c["open"],
                    c["overdue"],
                    c["implemented"],
                    _percent(c["implemented"], c["relevant"]),
                ],
                [
                    _recommendations_link(f, addressee=a),
                    _recommendations_link(f, addressee=a),
                    _recommendations_link(f, addressee=a, overdue=1),
                    _recommendations_link(f, addressee=a, status=R.IMPLEMENTED),
                    _recommendations_link(f, addressee=a, status=R.IMPLEMENTED),
                ],
                key=str(a),
            )
        )
    return Table(
        "recommendations_by_addressee",
        _("Recommendations by addressee"),
        [_("issued"), _("open"), _("overdue"), _("implemented"), _("implementation rate, %")],
        rows,
        note=_(
            "The %(n)s addressees with the most recommendations. Implementation rate: "
            "implemented ÷ all except “no longer relevant”."
        )
        % {"n": TOP_ADDRESSEES},
    )


# --- Checklists -----------------------------------------------------------------------


def noncompliant_items(f: Filters) -> Table:
    """The checklist items most often answered “non-compliant” on visits in the period,
    labelled in the user's language from the instrument version document."""
    rows_sql, params = _counted_rows(f, ItemCount, items_select, _grain(f))
    with connection.cursor() as cursor:
        sums = "SUM(non_compliant) AS n, SUM(checked)"
        sql = f"SELECT instrument_id, question, {sums} FROM ({rows_sql}) t"  # noqa: S608
        cursor.execute(
            f"{sql} GROUP BY instrument_id, question HAVING SUM(non_compliant) > 0 "
            f"ORDER BY n DESC, question, instrument_id LIMIT {TOP_ITEMS}",
            params,
        )
        top = [
            {"response__version__instrument_id": i, "question": q, "n": int(n), "checked": int(c)}
            for i, q, n, c in cursor.fetchall()
        ]
    if not top:
        return Table("noncompliant_items", _("Most frequent non-compliant items"), [], [])
    instruments = {row["response__version__instrument_id"] for row in top}
    labels = _question_labels(instruments)
    titles = {i.pk: i.title for i in Instrument.objects.filter(pk__in=instruments)}
    rows = []
    for row in top:
        key = (row["response__version__instrument_id"], row["question"])
        label = labels.get(key, row["question"])
        rows.append(
            Row(
                f"{label} — {titles.get(key[0], '')}",
                [row["n"], row["checked"], _percent(row["n"], row["checked"])],
                [_drill(f, item=f"{key[0]}:{key[1]}")] * 3,
                key=f"{key[0]}:{key[1]}",
            )
        )
    return Table(
        "noncompliant_items",
        _("Most frequent non-compliant items"),
        [_("non-compliant"), _("checked"), _("non-compliant, %")],
        rows,
        note=_("Checklist answers on the visits of the period; “not checked” is not counted."),
    )


def _question_labels(instrument_ids: set[int]) -> dict[tuple[int, str], str]:
    """(instrument, question name) → label in the current language, newest version first."""
    language = (get_language() or "ru").split("-")[0]
    labels: dict[tuple[int, str], str] = {}
    versions = (
        InstrumentVersion.objects.filter(instrument_id__in=instrument_ids)
        .order_by("instrument_id", "-number")
        .values_list("pk", "instrument_id", "content_hash")
    )
    for pk, instrument, content_hash in versions:
        for name, text in _version_labels(pk, content_hash, language).items():
            labels.setdefault((instrument, name), text)
    return labels


@lru_cache(maxsize=256)
def _version_labels(pk: int, content_hash: str, language: str) -> dict[str, str]:
    """The question labels of one version, read once per process (the content hash is in the
    key, so a changed draft is read again): a document is tens of kilobytes of JSON."""
    from kuzet.visits.services.responses import labels_of

    document = InstrumentVersion.objects.values_list("document", flat=True).get(pk=pk)
    return labels_of(document, language)


# --- Trends ---------------------------------------------------------------------------


def trend_months(f: Filters) -> Table:
    """Per month of the period: visits scheduled and carried out, allegations, recommendations."""
    sql, params = _visit_rows(f, by_month=True)
    columns = ["visits", "carried_out", "recommendations", "allegations_ill_treatment",
               "allegations_reprisal"]  # fmt: skip
    by_month = {
        _month_key(month): {"scheduled": n, "done": done, "recommendations": recs,
                            "allegations": ill + reprisal}
        for month, n, done, recs, ill, reprisal in _sums(sql, params, columns, by="month")
    }  # fmt: skip
    rows = []
    month = date(f.start.year, f.start.month, 1)
    while month <= f.end:
        key = f"{month:%Y-%m}"
        v = by_month.get(key, {})
        last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        sub = replace(f, start=max(month, f.start), end=min(last, f.end))
        rows.append(
            Row(
                date_format(month, "YEAR_MONTH_FORMAT"),
                [
                    v.get("scheduled", 0),
                    v.get("done", 0),
                    v.get("recommendations") or 0,
                    v.get("allegations") or 0,
                ],
                [
                    _drill(sub),
                    _drill(sub, done=1),
                    _recommendations_link(sub),
                    _drill(sub, has="allegations"),
                ],
                key=f"{month:%Y-%m}",
            )
        )
        month = last + timedelta(days=1)
    return Table(
        "trend_months",
        _("By month"),
        [_("visits scheduled"), _("visits carried out"), _("recommendations"), _("allegations")],
        rows,
        chart="line",
    )


# --- Report quality -------------------------------------------------------------------

# The shares of the quality tables: (the count, what it is a share of, the column's label).
QUALITY_SHARES: list[tuple[str, str, Any]] = [
    ("q_findings_weak", "q_findings", gettext_lazy("weak findings, %")),
    ("q_recommendation_texts_weak", "q_recommendation_texts",
     gettext_lazy("weak recommendations, %")),
    ("q_texts_copied", "q_texts", gettext_lazy("copied texts, %")),
    *[(f"q_{code}", "q_reported", label) for code, label in SIGNALS.items()],
]  # fmt: skip
# The signals' columns say what they count, as a share of the visits reported.
QUALITY_COLUMN = gettext_lazy("%(signal)s, %% of visits")
QUALITY_NOTE = gettext_lazy(
    "Visits under review or later. Texts: findings and recommendation texts (ru and kk) the "
    "quality rules find weak or copied, as a share of those checked; visit signals: share of "
    "the visits with the signal. A figure links to the visits behind it; their review tab "
    "lists the texts and the reasons."
)
QUALITY_DIMENSIONS: dict[str, tuple[str | None, str]] = {
    "region": (Grain.REGION, "region_id"),
    "group": (Grain.REGION, "region_id"),
    "department": (Grain.DEPARTMENT, "department_id"),
    "month": (None, "month"),
}


def quality_by(f: Filters, dimension: str) -> Table:
    """Report quality of the visits reported in the period (under review or later), by region,
    regional group, department or month: how many, then the share of weak findings, weak
    recommendation texts and copied texts among those checked, and the share of the visits
    with each visit-level signal. Each figure links to the visits behind it, whose review tab
    lists the texts and signals."""
    grain, group = QUALITY_DIMENSIONS[dimension]
    if dimension == "month":
        sql, params = _visit_rows(f, by_month=True)
    else:
        sql, params = _visit_rows(f, by=grain)
    columns = [name for name in QUALITY_COUNTS]
    by_key: dict[Any, dict[str, int]] = {}
    for row in _sums(sql, params, columns, by=group):
        key = _month_key(row[0]) if dimension == "month" else row[0]
        by_key[key] = dict(zip(columns, row[1:], strict=True))
    total = {c: sum(counts[c] for counts in by_key.values()) for c in columns}
    rows = [_quality_row(_("all"), total, f, {}, key="all")]
    if dimension == "month":
        month = date(f.start.year, f.start.month, 1)
        while month <= f.end:
            last = month_end(month)
            sub = replace(f, start=max(month, f.start), end=min(last, f.end))
            key = f"{month:%Y-%m}"
            counts = by_key.get(key, dict.fromkeys(columns, 0))
            rows.append(
                _quality_row(date_format(month, "YEAR_MONTH_FORMAT"), counts, sub, {}, key=key)
            )
            month = last + timedelta(days=1)
    elif dimension == "group":
        groups = RegionalGroup.objects.filter(is_active=True).select_related("region")
        if f.regions is not None:
            groups = groups.filter(region_id__in=f.regions)
        for each in sorted(groups, key=lambda g: (g.region.name, g.name)):
            counts = by_key.get(each.region_id, dict.fromkeys(columns, 0))
            region = each.region.name
            label = each.name if region in each.name else f"{each.name} ({region})"
            rows.append(
                _quality_row(label, counts, f, {"region": each.region_id}, key=str(each.pk))
            )
    else:
        labels = _labels(dimension, set(by_key))
        for key in sorted(by_key, key=lambda k: labels.get(k, "")):
            rows.append(
                _quality_row(labels.get(key, "?"), by_key[key], f, {dimension: key}, key=str(key))
            )
    titles = {
        "region": _("Report quality by region"),
        "group": _("Report quality by regional group"),
        "department": _("Report quality by department"),
        "month": _("Report quality by month"),
    }
    notes = {
        "group": _("A regional group's figures are those of its region's visits."),
    }
    return Table(
        f"quality_by_{dimension}",
        titles[dimension],
        [_("visits reported"), *_quality_columns()],
        rows,
        chart="",
        note=notes.get(dimension, ""),
    )


def _quality_columns() -> list[str]:
    return [
        str(label) if whole != "q_reported" else str(QUALITY_COLUMN) % {"signal": label}
        for _count, whole, label in QUALITY_SHARES
    ]


def _quality_row(
    label: str, counts: dict[str, int], f: Filters, extra: dict[str, Any], key: str
) -> Row:
    counts = {**counts, "q_texts": counts["q_findings"] + counts["q_recommendation_texts"]}
    values: list[float | int | None] = [counts["q_reported"]]
    links = [_drill(f, quality="q_reported", **extra)]
    for count, whole, _label in QUALITY_SHARES:
        values.append(_percent(counts[count], counts[whole]))
        links.append(_drill(f, quality=count, **extra))
    return Row(label, values, links, key=key)


TABLES = {
    "visits_by_region": lambda f: visits_by(f, "region"),
    "visits_by_department": lambda f: visits_by(f, "department"),
    "visits_by_type": lambda f: visits_by(f, "type"),
    "visits_by_kind": lambda f: visits_by(f, "kind"),
    "visits_by_status": lambda f: visits_by(f, "status"),
    "coverage_days": coverage_days,
    "coverage_by_region": coverage_by_region,
    "interviews": interviews,
    "allegations": allegations,
    "appeals": appeals,
    "recommendations_by_status": recommendations_by_status,
    "recommendations_by_addressee": recommendations_by_addressee,
    "noncompliant_items": noncompliant_items,
    "trend_months": trend_months,
    "quality_by_region": lambda f: quality_by(f, "region"),
    "quality_by_group": lambda f: quality_by(f, "group"),
    "quality_by_department": lambda f: quality_by(f, "department"),
    "quality_by_month": lambda f: quality_by(f, "month"),
}
