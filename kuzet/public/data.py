"""What the public site shows, computed from the records: aggregate indicators by year,
region and department, and the "who implements what" table. Only visits whose report was
sent to the addressees count (the NPM's published work); every count goes through the
small-number rule (``kuzet.core.small``) before it leaves this module's callers."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractYear

from kuzet.core.i18n import localized
from kuzet.portal.models import Answer, Assessment
from kuzet.public.models import PublishedReport
from kuzet.recommendations.models import OPEN_STATUSES, Addressee, Recommendation
from kuzet.recommendations.models import StatusChange as RecommendationChange
from kuzet.registry.models import Department, Region
from kuzet.visits.models import StatusChange as VisitChangeRow
from kuzet.visits.models import Visit

PUBLISHED_VISIT_STATUSES = (Visit.Status.SENT, Visit.Status.CLOSED)
COLUMNS = ("visits", "institutions", "recommendations", "implemented")


def version() -> str:
    """Changes whenever something the public site shows may have changed: a visit's stage,
    a recommendation's status, an answer, an assessment, a publication decision. The cache
    keys carry it, so a publication is visible on the next request (no explicit purge).
    One statement of five indexed maxima: it runs on every request, cache hit or not."""
    marks = [
        (VisitChangeRow, "id"),
        (RecommendationChange, "id"),
        (Answer, "id"),
        (Assessment, "id"),
        (PublishedReport, "changed_at"),
    ]
    qn = connection.ops.quote_name
    # Only table and column names of the models above, quoted: no input reaches the SQL.
    maxima = [
        "(SELECT MAX(" + qn(column) + ") FROM " + qn(model._meta.db_table) + ")"  # noqa: S608
        for model, column in marks
    ]
    sql = "SELECT " + ", ".join(maxima)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return "-".join("0" if value is None else str(value) for value in row)


def published_visits() -> Any:
    return Visit.objects.filter(status__in=PUBLISHED_VISIT_STATUSES)


def years() -> list[int]:
    return sorted(
        {
            y
            for y in published_visits()
            .annotate(y=ExtractYear("planned_date"))
            .values_list("y", flat=True)
        },
        reverse=True,
    )


@dataclass
class Row:
    key: str
    label: str
    visits: int = 0
    institutions: int = 0
    recommendations: int = 0
    implemented: int = 0

    def as_dict(self) -> dict[str, int]:
        return {c: getattr(self, c) for c in COLUMNS}


def _visit_counts(group: str, year: int | None) -> dict[Any, tuple[int, int]]:
    visits = published_visits()
    if year is not None:
        visits = visits.filter(planned_date__year=year)
    field = {"year": None, "region": "region_id", "department": "institution__department_id"}[group]
    if field is None:
        rows = visits.annotate(k=ExtractYear("planned_date")).values("k")
    else:
        rows = visits.values(k=F(field))
    return {
        r["k"]: (r["v"], r["i"])
        for r in rows.annotate(v=Count("pk"), i=Count("institution", distinct=True))
    }


def _recommendation_counts(group: str, year: int | None) -> dict[Any, tuple[int, int]]:
    recs = Recommendation.objects.issued().filter(visit__status__in=PUBLISHED_VISIT_STATUSES)
    if year is not None:
        recs = recs.filter(visit__planned_date__year=year)
    rows: Any
    if group == "year":
        rows = recs.annotate(k=ExtractYear("visit__planned_date")).values("k")
    elif group == "region":
        rows = recs.values(k=F("visit__region_id"))
    else:
        rows = recs.values(k=F("visit__institution__department_id"))
    return {
        r["k"]: (r["n"], r["d"])
        for r in rows.annotate(
            n=Count("pk"), d=Count("pk", filter=Q(status=Recommendation.Status.IMPLEMENTED))
        )
    }


def indicators(group: str, year: int | None = None, language: str | None = None) -> list[Row]:
    """One row per year, region or department: visits, institutions visited,
    recommendations issued and implemented (raw counts: the caller suppresses)."""
    visits = _visit_counts(group, year)
    recs = _recommendation_counts(group, year)
    keys = set(visits) | set(recs)
    labels: dict[Any, tuple[str, str]] = {}
    if group == "region":
        for r in Region.objects.filter(pk__in=keys):
            labels[r.pk] = (r.kato, localized(r, "name", language))
    elif group == "department":
        for department in Department.objects.filter(pk__in=keys):
            labels[department.pk] = (department.code, localized(department, "name", language))
    else:
        labels = {k: (str(k), str(k)) for k in keys}
    rows = []
    for k in keys:
        if k not in labels:
            continue
        v, i = visits.get(k, (0, 0))
        n, d = recs.get(k, (0, 0))
        rows.append(Row(labels[k][0], labels[k][1], v, i, n, d))
    if group == "year":
        rows.sort(key=lambda r: r.key, reverse=True)
    else:
        rows.sort(key=lambda r: r.label)
    return rows


@dataclass
class AddresseeLine:
    text: str
    text_lang: str
    place: str
    visit_date: Any
    deadline: Any
    status: str
    overdue: bool
    answer_position: str
    answer_date: Any
    answer_text: str


def addressees_table() -> list[tuple[Addressee, int, int]]:
    """Addressees with issued recommendations: (addressee, issued, implemented)."""
    recs = Recommendation.objects.issued().filter(visit__status__in=PUBLISHED_VISIT_STATUSES)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for addressee_id, status in recs.values_list("addressee_id", "status"):
        counts[addressee_id][0] += 1
        counts[addressee_id][1] += status == Recommendation.Status.IMPLEMENTED
    addressees = Addressee.objects.filter(pk__in=counts).order_by("kind", "name_ru")
    return [(a, counts[a.pk][0], counts[a.pk][1]) for a in addressees]


def addressee_lines(
    addressee: Addressee, today: Any, language: str | None = None
) -> list[AddresseeLine]:
    """The recommendations of one addressee with their status and its latest answer."""
    recs = (
        Recommendation.objects.issued()
        .filter(addressee=addressee, visit__status__in=PUBLISHED_VISIT_STATUSES)
        .select_related("visit__institution")
        .order_by("-visit__planned_date", "pk")
    )
    latest: dict[int, Answer] = {}
    for each in Answer.objects.filter(recommendation__in=recs).order_by("created_at", "pk"):
        latest[each.recommendation_id] = each
    lines = []
    for rec in recs:
        answer = latest.get(rec.pk)
        lines.append(
            AddresseeLine(
                text=localized(rec, "text", language),
                # Either language may be written first: the text shown says its language.
                text_lang="kk" if (language == "kk" and rec.text_kk) or not rec.text_ru else "ru",
                place=localized(rec.visit.institution, "name", language),
                visit_date=rec.visit.planned_date,
                deadline=rec.deadline,
                status=str(Recommendation.Status(rec.status).label),
                overdue=bool(rec.deadline and rec.deadline < today and rec.status in OPEN_STATUSES),
                answer_position=str(Answer.Position(answer.position).label) if answer else "",
                answer_date=answer.created_at if answer else None,
                answer_text=answer.text if answer else "",
            )
        )
    return lines


def published_reports() -> Any:
    return PublishedReport.objects.filter(withdrawn_at__isnull=True).select_related(
        "report__visit__institution"
    )
