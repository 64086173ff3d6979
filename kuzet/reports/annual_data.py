"""The data of the consolidated annual report for a period, aggregated in the database.

The report covers the visits of the period (by planned date) whose record is approved
(approved, sent or closed); visits of the period not yet approved are counted and named
as such but not analysed. Like the external edition of a visit report it holds no
identity and no code of a person: only counts and the team's own words.
"""

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from kuzet.core.i18n import localized
from kuzet.instruments.models import Instrument, InstrumentVersion
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.registry.models import Department, Institution, InstitutionType, Region
from kuzet.visits.models import (
    THEMES,
    Allegation,
    ComplianceMark,
    Finding,
    Interview,
    Visit,
)
from kuzet.visits.services.lifecycle import LOCKED
from kuzet.visits.services.responses import labels_of

from .text import bilingual, day, narrative

R = Recommendation.Status
# "Accepted" counts every recommendation the authorities took on, whatever came of it.
ACCEPTED = (R.ACCEPTED, R.IN_PROGRESS, R.IMPLEMENTED, R.PARTLY)
NON_COMPLIANT = "non_compliant"
SYSTEMIC_ITEMS = 15
EXAMPLES = 3
CHAPTER_EXAMPLES = 5
LISTED_RECOMMENDATIONS = 80


def period_label(start: date, end: date) -> str:
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return _("%(year)s") % {"year": start.year}
    return f"{day(start)} — {day(end)}"


def period_visits(start: date, end: date) -> QuerySet[Visit]:
    return Visit.objects.filter(planned_date__range=(start, end), status__in=LOCKED)


def _counts(rows: Any, key: str) -> dict[Any, int]:
    return {row[key]: row["n"] for row in rows}


def _names(model: Any, ids: Any, language: str) -> dict[int, str]:
    return {
        obj.pk: localized(obj, "short_name", language) or localized(obj, "name", language)
        if hasattr(obj, "short_name_ru")
        else localized(obj, "name", language)
        for obj in model.objects.filter(pk__in=list(ids))
    }


def annual_report_data(*, start: date, end: date, language: str) -> dict[str, Any]:
    visits = period_visits(start, end)
    visit_ids = visits.values("pk")
    total = visits.count()
    pending = (
        Visit.objects.filter(planned_date__range=(start, end))
        .exclude(status__in=LOCKED)
        .exclude(status=Visit.Status.PLANNED)
        .count()
    )
    active = Institution.objects.filter(status=Institution.Status.ACTIVE)

    by_kind = _counts(visits.values("kind").annotate(n=Count("pk")), "kind")
    by_region = _counts(visits.values("region").annotate(n=Count("pk")), "region")
    region_names = _names(Region, by_region, language)

    department_rows = {
        row["institution__department"]: row
        for row in visits.values("institution__department").annotate(
            n=Count("pk"), visited=Count("institution", distinct=True)
        )
    }
    inventory_by_department = _counts(
        active.values("department").annotate(n=Count("pk")), "department"
    )
    type_rows = {
        row["institution__type"]: row
        for row in visits.values("institution__type").annotate(
            n=Count("pk"), visited=Count("institution", distinct=True)
        )
    }
    inventory_by_type = _counts(active.values("type").annotate(n=Count("pk")), "type")

    interviews = Interview.objects.filter(visit__in=visit_ids)
    interviews_by_kind = _counts(interviews.values("kind").annotate(n=Count("pk")), "kind")
    allegations = Allegation.objects.filter(visit__in=visit_ids)
    allegations_by_kind = _counts(allegations.values("kind").annotate(n=Count("pk")), "kind")
    allegations_by_perpetrator = _counts(
        allegations.values("perpetrator").annotate(n=Count("pk")), "perpetrator"
    )
    allegations_by_department = {
        row["visit__institution__department"]: row
        for row in allegations.values("visit__institution__department").annotate(
            ill=Count("pk", filter=Q(kind=Allegation.Kind.ILL_TREATMENT)),
            reprisal=Count("pk", filter=Q(kind=Allegation.Kind.REPRISAL)),
        )
    }

    recommendations = Recommendation.objects.filter(visit__in=visit_ids)
    by_addressee = list(
        recommendations.values("addressee")
        .annotate(
            issued=Count("pk"),
            accepted=Count("pk", filter=Q(status__in=ACCEPTED)),
            implemented=Count("pk", filter=Q(status=R.IMPLEMENTED)),
            partly=Count("pk", filter=Q(status=R.PARTLY)),
            rejected=Count("pk", filter=Q(status=R.REJECTED)),
        )
        .order_by("-issued", "addressee")
    )
    addressee_names = _names(Addressee, [r["addressee"] for r in by_addressee], language)
    recommendations_by_department = _counts(
        recommendations.values("visit__institution__department").annotate(n=Count("pk")),
        "visit__institution__department",
    )

    findings = Finding.objects.filter(visit__in=visit_ids)
    problems_by_department_theme: dict[tuple[int, str], int] = {
        (row["visit__institution__department"], row["theme"]): row["n"]
        for row in findings.filter(good_practice=False)
        .values("visit__institution__department", "theme")
        .annotate(n=Count("pk"))
    }

    # Systemic problems: the checklist items most often found non-compliant.
    marks = ComplianceMark.objects.filter(response__visit__in=visit_ids, value=NON_COMPLIANT)
    top_items = list(
        marks.values("question", "response__version__instrument")
        .annotate(n=Count("pk"), visits=Count("response__visit", distinct=True))
        .order_by("-visits", "-n", "question")[:SYSTEMIC_ITEMS]
    )
    item_labels = _item_labels(
        {row["response__version__instrument"] for row in top_items}, language
    )
    systemic = []
    for row in top_items:
        instrument_id, question = row["response__version__instrument"], row["question"]
        examples = list(
            marks.filter(question=question, response__version__instrument=instrument_id)
            .values_list("response__visit__institution", flat=True)
            .distinct()
            .order_by("response__visit__institution")[:EXAMPLES]
        )
        systemic.append(
            {
                "label": item_labels.get((instrument_id, question), {}).get("label", question),
                "instrument": item_labels.get((instrument_id, question), {}).get("title", ""),
                "visits": row["visits"],
                "marks": row["n"],
                "examples": [
                    localized(i, "name", language)
                    for i in Institution.objects.filter(pk__in=examples).order_by("name_ru")
                ],
            }
        )

    chapters = []
    for department in Department.objects.filter(is_active=True).order_by("sort_order", "name_ru"):
        row = department_rows.get(department.pk, {"n": 0, "visited": 0})
        in_department = findings.filter(visit__institution__department=department)
        chapter_marks = list(
            marks.filter(response__visit__institution__department=department)
            .values("question", "response__version__instrument")
            .annotate(visits=Count("response__visit", distinct=True))
            .order_by("-visits", "question")[:CHAPTER_EXAMPLES]
        )
        chapter_labels = _item_labels(
            {r["response__version__instrument"] for r in chapter_marks}, language
        )
        alleged = allegations_by_department.get(department.pk, {"ill": 0, "reprisal": 0})
        chapters.append(
            {
                "code": department.code,
                "title": localized(department, "name", language),
                "short": localized(department, "short_name", language),
                "visits": row["n"],
                "visited": row["visited"],
                "inventory": inventory_by_department.get(department.pk, 0),
                "themes": [
                    [str(label), problems_by_department_theme[(department.pk, code)]]
                    for code, label in THEMES.items()
                    if (department.pk, code) in problems_by_department_theme
                ],
                "serious": [
                    {
                        "title": narrative(f.title, language),
                        "institution": localized(f.visit.institution, "name", language),
                        "severity": f.get_severity_display(),
                    }
                    for f in in_department.filter(severity__in=("critical", "high"))
                    .select_related("visit__institution")
                    .order_by("severity", "-visit__planned_date", "pk")[:CHAPTER_EXAMPLES]
                ],
                "good_practice": [
                    {
                        "title": narrative(f.title, language),
                        "institution": localized(f.visit.institution, "name", language),
                    }
                    for f in in_department.filter(good_practice=True)
                    .select_related("visit__institution")
                    .order_by("-visit__planned_date", "pk")[:EXAMPLES]
                ],
                "non_compliance": [
                    [
                        chapter_labels.get(
                            (r["response__version__instrument"], r["question"]), {}
                        ).get("label", r["question"]),
                        r["visits"],
                    ]
                    for r in chapter_marks
                ],
                "allegations_ill": alleged["ill"],
                "allegations_reprisal": alleged["reprisal"],
                "recommendations": recommendations_by_department.get(department.pk, 0),
            }
        )

    listed = list(
        recommendations.filter(
            Q(level__in=(Recommendation.Level.DEPARTMENT, Recommendation.Level.LEGISLATION))
            | Q(priority=Recommendation.Priority.HIGH)
        )
        .select_related("addressee", "visit__institution")
        .order_by("addressee__name_ru", "-priority", "pk")[: LISTED_RECOMMENDATIONS + 1]
    )
    type_names = _names(InstitutionType, set(type_rows) | set(inventory_by_type), language)
    departments = list(Department.objects.order_by("sort_order", "name_ru"))
    department_names = {
        d.pk: localized(d, "short_name", language) or localized(d, "name", language)
        for d in departments
    }

    return {
        "kind": "annual",
        "language": language,
        "title": _("Consolidated report of the National Preventive Mechanism"),
        "period": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "label": period_label(start, end),
        },
        "empty": total == 0,
        "totals": {
            "visits": total,
            "pending": pending,
            "institutions_visited": visits.values("institution").distinct().count(),
            "inventory": active.count(),
            "interviews": sum(interviews_by_kind.values()),
            "allegations_ill": allegations_by_kind.get(Allegation.Kind.ILL_TREATMENT, 0),
            "allegations_reprisal": allegations_by_kind.get(Allegation.Kind.REPRISAL, 0),
            "recommendations": sum(r["issued"] for r in by_addressee),
            "findings": findings.filter(good_practice=False).count(),
            "good_practice": findings.filter(good_practice=True).count(),
        },
        "by_kind": [[str(label), by_kind.get(value, 0)] for value, label in Visit.Kind.choices],
        "by_region": sorted(
            ([region_names[pk], n] for pk, n in by_region.items()), key=lambda r: (-r[1], r[0])
        ),
        "by_department": [
            [
                department_names[d.pk],
                department_rows.get(d.pk, {}).get("n", 0),
                department_rows.get(d.pk, {}).get("visited", 0),
                inventory_by_department.get(d.pk, 0),
            ]
            for d in departments
            if d.pk in department_rows or d.pk in inventory_by_department
        ],
        "by_type": sorted(
            (
                [
                    type_names[pk],
                    type_rows.get(pk, {}).get("n", 0),
                    type_rows.get(pk, {}).get("visited", 0),
                    inventory_by_type.get(pk, 0),
                ]
                for pk in set(type_rows) | set(inventory_by_type)
            ),
            key=lambda r: (-r[1], r[0]),
        ),
        "interviews_by_kind": [
            [str(label), interviews_by_kind.get(value, 0)]
            for value, label in Interview.Kind.choices
        ],
        "allegations_by_kind": [
            [str(label), allegations_by_kind.get(value, 0)]
            for value, label in Allegation.Kind.choices
        ],
        "allegations_by_perpetrator": [
            [str(label), allegations_by_perpetrator[value]]
            for value, label in Allegation.Perpetrator.choices
            if allegations_by_perpetrator.get(value)
        ],
        "recommendations_by_addressee": [
            [
                addressee_names[r["addressee"]],
                r["issued"],
                r["accepted"],
                r["implemented"],
                r["partly"],
                r["rejected"],
            ]
            for r in by_addressee
        ],
        "chapters": chapters,
        "systemic": systemic,
        "recommendations": [
            {
                "text": bilingual(r.text_ru, r.text_kk, language),
                "addressee": localized(r.addressee, "name", language),
                "institution": localized(r.visit.institution, "name", language),
                "level": r.get_level_display(),
                "priority": r.get_priority_display(),
                "status": r.get_status_display(),
                "deadline": day(r.deadline) or "—",
            }
            for r in listed[:LISTED_RECOMMENDATIONS]
        ],
        "recommendations_more": max(
            0,
            recommendations.filter(
                Q(level__in=(Recommendation.Level.DEPARTMENT, Recommendation.Level.LEGISLATION))
                | Q(priority=Recommendation.Priority.HIGH)
            ).count()
            - LISTED_RECOMMENDATIONS,
        )
        if len(listed) > LISTED_RECOMMENDATIONS
        else 0,
    }


def _item_labels(instrument_ids: set[int], language: str) -> dict[tuple[int, str], dict[str, str]]:
    """Labels of checklist questions, from the newest published version of each instrument."""
    found: dict[tuple[int, str], dict[str, str]] = {}
    for instrument in Instrument.objects.filter(pk__in=instrument_ids):
        version = (
            InstrumentVersion.objects.filter(instrument=instrument)
            .order_by("-number")
            .only("document")
            .first()
        )
        if version is None:
            continue
        title = localized(instrument, "title", language)
        for name, label in labels_of(version.document, language).items():
            found[(instrument.pk, name)] = {"label": label, "title": title}
    return found
