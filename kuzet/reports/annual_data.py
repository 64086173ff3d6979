"""The data of the consolidated annual report for a period, aggregated in the database.

The report covers the visits of the period (by planned date) whose record is approved
(approved, sent or closed); visits of the period not yet approved are counted and named
as such but not analysed. Like the external edition of a visit report it holds no
identity and no code of a person: only counts and the team's own words.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
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

from . import annual_analysis as analysis
from .text import bilingual, day

R = Recommendation.Status
# "Accepted" counts every recommendation the authorities took on, whatever came of it.
ACCEPTED = (R.ACCEPTED, R.IN_PROGRESS, R.IMPLEMENTED, R.PARTLY)
NON_COMPLIANT = "non_compliant"
SYSTEMIC_ITEMS = 15
EXAMPLES = 3
CHAPTER_EXAMPLES = 5
LISTED_RECOMMENDATIONS = 25
CHAPTER_RECOMMENDATIONS = 12
P = Recommendation.Priority
# Priority by its meaning, not by the stored word ("medium" < "low" < "high" as strings).
PRIORITY_RANK = Case(
    When(priority=P.HIGH, then=Value(0)),
    When(priority=P.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


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


def annual_report_data(
    *, start: date, end: date, language: str, examples: dict[str, list[int]] | None = None
) -> dict[str, Any]:
    """Everything the annual report says, ready to render: counts, examples, no identity.
    ``examples``: the editors' choice of examples by department code, in their order."""
    period = _Period(start, end, language)
    previous = _Period(*analysis.previous_period(start, end), language)
    shared = _Shared.of(period)
    data = {
        "kind": "annual",
        "language": language,
        "title": _("Consolidated report of the National Preventive Mechanism"),
        "period": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "label": period_label(start, end),
        },
        "previous_label": period_label(previous.start, previous.end),
        "empty": shared.visits == 0,
        "totals": _totals(period, shared),
        "figures": analysis.year_in_figures(period, previous),
        "announced": period.visits.filter(announced=True).count(),
        "by_kind": _visits_by_kind(period),
        "by_region": _visits_by_region(period),
        "by_department": _visits_by_department(period, shared),
        "by_type": _visits_by_type(period),
        "interviews_by_kind": [
            [str(label), shared.interviews_by_kind.get(value, 0)]
            for value, label in Interview.Kind.choices
        ],
        "allegations_by_kind": [
            [str(label), shared.allegations_by_kind.get(value, 0)]
            for value, label in Allegation.Kind.choices
        ],
        "allegations_by_perpetrator": _allegations_by_perpetrator(period),
        "recommendations_by_addressee": _recommendations_by_addressee(period, shared),
        "chapters": _chapters(period, previous, shared, examples or {}),
        "systemic": _systemic(period),
        "obstacles": analysis.obstacles(period, previous),
        "never_visited": analysis.never_visited(period),
        **_main_recommendations(period),
    }
    # Either edition may lack a text: a Kazakh-first recommendation in the Russian one.
    data["untranslated"] = untranslated_passages(data)
    return data


def untranslated_passages(data: Any) -> list[str]:
    """The texts of the report not in its language (marked), each once, in reading order:
    what the translation has still to do."""
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "note" in value and "text" in value and value["note"]:
                text = " ".join(str(value["text"]).split())
                found[text if len(text) <= 90 else text[:89] + "…"] = None
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return list(found)


class _Period:
    """The period's approved visits and what was recorded on them, as querysets that the
    sections filter and count."""

    def __init__(self, start: date, end: date, language: str) -> None:
        self.start, self.end, self.language = start, end, language
        self.visits = period_visits(start, end)
        ids = self.visits.values("pk")
        self.interviews = Interview.objects.filter(visit__in=ids)
        self.allegations = Allegation.objects.filter(visit__in=ids)
        # Drafts are not in the report: a recommendation is issued when its report is sent.
        self.recommendations = Recommendation.objects.issued().filter(visit__in=ids)
        self.findings = Finding.objects.filter(visit__in=ids)
        # Systemic problems: the checklist items most often found non-compliant.
        self.marks = ComplianceMark.objects.filter(response__visit__in=ids, value=NON_COMPLIANT)
        self.inventory = Institution.objects.filter(status=Institution.Status.ACTIVE)
        # The main recommendations grouped (``recommendation_groups``), read once.
        self.groups: tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]] | None = None


@dataclass(frozen=True)
class _Shared:
    """Counts that more than one section reads (the totals and a table, a table and the
    chapters), counted once."""

    visits: int
    # Visits and institutions visited ("n", "visited"), and institutions in the inventory.
    by_department: dict[int, dict[str, int]]
    inventory_by_department: dict[int, int]
    interviews_by_kind: dict[str, int]
    allegations_by_kind: dict[str, int]
    by_addressee: list[dict[str, Any]]

    @classmethod
    def of(cls, period: _Period) -> "_Shared":
        return cls(
            visits=period.visits.count(),
            by_department={
                row["institution__department"]: row
                for row in period.visits.values("institution__department").annotate(
                    n=Count("pk"), visited=Count("institution", distinct=True)
                )
            },
            inventory_by_department=_counts(
                period.inventory.values("department").annotate(n=Count("pk")), "department"
            ),
            interviews_by_kind=_counts(
                period.interviews.values("kind").annotate(n=Count("pk")), "kind"
            ),
            allegations_by_kind=_counts(
                period.allegations.values("kind").annotate(n=Count("pk")), "kind"
            ),
            by_addressee=list(
                period.recommendations.values("addressee")
                .annotate(
                    issued=Count("pk"),
                    accepted=Count("pk", filter=Q(status__in=ACCEPTED)),
                    implemented=Count("pk", filter=Q(status=R.IMPLEMENTED)),
                    partly=Count("pk", filter=Q(status=R.PARTLY)),
                    rejected=Count("pk", filter=Q(status=R.REJECTED)),
                )
                .order_by("-issued", "addressee")
            ),
        )


def _totals(period: _Period, shared: _Shared) -> dict[str, int]:
    pending = (
        Visit.objects.filter(planned_date__range=(period.start, period.end))
        .exclude(status__in=LOCKED)
        .exclude(status=Visit.Status.PLANNED)
        .count()
    )
    return {
        "visits": shared.visits,
        "pending": pending,
        "institutions_visited": period.visits.values("institution").distinct().count(),
        "inventory": period.inventory.count(),
        "interviews": sum(shared.interviews_by_kind.values()),
        "allegations_ill": shared.allegations_by_kind.get(Allegation.Kind.ILL_TREATMENT, 0),
        "allegations_reprisal": shared.allegations_by_kind.get(Allegation.Kind.REPRISAL, 0),
        "recommendations": sum(r["issued"] for r in shared.by_addressee),
        "findings": period.findings.filter(good_practice=False).count(),
        "good_practice": period.findings.filter(good_practice=True).count(),
    }


def _visits_by_kind(period: _Period) -> list[list[Any]]:
    by_kind = _counts(period.visits.values("kind").annotate(n=Count("pk")), "kind")
    return [[str(label), by_kind.get(value, 0)] for value, label in Visit.Kind.choices]


def _visits_by_region(period: _Period) -> list[list[Any]]:
    by_region = _counts(period.visits.values("region").annotate(n=Count("pk")), "region")
    names = _names(Region, by_region, period.language)
    return sorted(([names[pk], n] for pk, n in by_region.items()), key=lambda r: (-r[1], r[0]))


def _visits_by_department(period: _Period, shared: _Shared) -> list[list[Any]]:
    """Every department with visits or institutions, inactive ones too."""
    rows, inventory = shared.by_department, shared.inventory_by_department
    return [
        [
            localized(d, "short_name", period.language) or localized(d, "name", period.language),
            rows.get(d.pk, {}).get("n", 0),
            rows.get(d.pk, {}).get("visited", 0),
            inventory.get(d.pk, 0),
        ]
        for d in Department.objects.order_by("sort_order", "name_ru")
        if d.pk in rows or d.pk in inventory
    ]


def _visits_by_type(period: _Period) -> list[list[Any]]:
    rows = {
        row["institution__type"]: row
        for row in period.visits.values("institution__type").annotate(
            n=Count("pk"), visited=Count("institution", distinct=True)
        )
    }
    inventory = _counts(period.inventory.values("type").annotate(n=Count("pk")), "type")
    names = _names(InstitutionType, set(rows) | set(inventory), period.language)
    return sorted(
        (
            [
                names[pk],
                rows.get(pk, {}).get("n", 0),
                rows.get(pk, {}).get("visited", 0),
                inventory.get(pk, 0),
            ]
            for pk in set(rows) | set(inventory)
        ),
        key=lambda r: (-r[1], r[0]),
    )


def _allegations_by_perpetrator(period: _Period) -> list[list[Any]]:
    by_perpetrator = _counts(
        period.allegations.values("perpetrator").annotate(n=Count("pk")), "perpetrator"
    )
    return [
        [str(label), by_perpetrator[value]]
        for value, label in Allegation.Perpetrator.choices
        if by_perpetrator.get(value)
    ]


def _recommendations_by_addressee(period: _Period, shared: _Shared) -> list[list[Any]]:
    names = _names(Addressee, [r["addressee"] for r in shared.by_addressee], period.language)
    return [
        [
            names[r["addressee"]],
            r["issued"],
            r["accepted"],
            r["implemented"],
            r["partly"],
            r["rejected"],
        ]
        for r in shared.by_addressee
    ]


def _chapters(
    period: _Period, previous: _Period, shared: _Shared, examples: dict[str, list[int]]
) -> list[dict[str, Any]]:
    """One chapter per active department, with or without visits."""
    spread, spread_before = analysis.Spread(period), analysis.Spread(previous)
    implemented = analysis.implementation_states(period)
    implemented_before = analysis.implementation_states(previous)
    # Every addressee's name at once (a few dozen): one query, whichever chapters use them.
    addressee_names = {a.pk: localized(a, "name", period.language) for a in Addressee.objects.all()}
    problems_by_theme: dict[tuple[int, str], int] = {
        (row["visit__institution__department"], row["theme"]): row["n"]
        for row in period.findings.filter(good_practice=False)
        .values("visit__institution__department", "theme")
        .annotate(n=Count("pk"))
    }
    allegations = {
        row["visit__institution__department"]: row
        for row in period.allegations.values("visit__institution__department").annotate(
            ill=Count("pk", filter=Q(kind=Allegation.Kind.ILL_TREATMENT)),
            reprisal=Count("pk", filter=Q(kind=Allegation.Kind.REPRISAL)),
        )
    }
    recommendations = _counts(
        period.recommendations.values("visit__institution__department").annotate(n=Count("pk")),
        "visit__institution__department",
    )
    chapters = []
    for department in Department.objects.filter(is_active=True).order_by("sort_order", "name_ru"):
        row = shared.by_department.get(department.pk, {"n": 0, "visited": 0})
        alleged = allegations.get(department.pk, {"ill": 0, "reprisal": 0})
        chapters.append(
            {
                "code": department.code,
                "title": localized(department, "name", period.language),
                "short": localized(department, "short_name", period.language),
                "visits": row["n"],
                "visited": row["visited"],
                "inventory": shared.inventory_by_department.get(department.pk, 0),
                "themes": [
                    [str(label), problems_by_theme[(department.pk, code)]]
                    for code, label in THEMES.items()
                    if (department.pk, code) in problems_by_theme
                ],
                **_chapter_examples(period, department),
                "allegations_ill": alleged["ill"],
                "allegations_reprisal": alleged["reprisal"],
                "recommendations": recommendations.get(department.pk, 0),
                "main_recommendations": _department_recommendations(
                    period, department, addressee_names
                ),
                "spread": analysis.theme_rows(
                    department.pk, spread, spread_before, period.language
                ),
                **_examples(period, department, spread, examples.get(department.code)),
                "themes_spread": analysis.theme_summary(
                    department.pk, spread, spread_before, period.language
                ),
                "implementation": analysis.implementation_rows(
                    department.pk, implemented, implemented_before, addressee_names
                ),
            }
        )
    return chapters


def _examples(
    period: _Period, department: Department, spread: analysis.Spread, chosen: list[int] | None
) -> dict[str, Any]:
    """The chapter's examples: the editors' choice in their order (``chosen``: the finding
    ids printed), or the generated default (``chosen`` empty); ``stale``: chosen findings
    no longer among the candidates, left out."""
    limit = analysis.CANDIDATE_POOL if chosen else analysis.CANDIDATES
    pool = analysis.example_candidates(period, department.pk, spread, limit=limit)
    candidates, stale = analysis.chosen_examples(pool, chosen)
    picked = [c["finding"] for c in candidates] if len(stale) < len(chosen or ()) else []
    return {"candidates": candidates, "chosen": picked, "stale": stale}


def example_pools(
    year: int, language: str, codes: set[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """What the editors choose the chapters' examples from, by department code (``codes``,
    or every active department): each chapter's candidates
    (``annual_analysis.CANDIDATE_POOL`` of them), best first."""
    period = _Period(date(year, 1, 1), date(year, 12, 31), language)
    spread = analysis.Spread(period)
    departments = Department.objects.filter(is_active=True)
    if codes is not None:
        departments = departments.filter(code__in=codes)
    return {
        d.code: analysis.example_candidates(period, d.pk, spread, limit=analysis.CANDIDATE_POOL)
        for d in departments
    }


def serious_findings(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """A chapter's serious problems: critical, then high, the newest first."""
    return findings.filter(severity__in=("critical", "high")).order_by(
        "severity", "-visit__planned_date", "pk"
    )[:CHAPTER_EXAMPLES]


def good_practices(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    return findings.filter(good_practice=True).order_by("-visit__planned_date", "pk")[:EXAMPLES]


def main_groups(period: _Period) -> list[dict[str, Any]]:
    """The main recommendations of the year as the report lists them: one group per
    addressee and text, the most important first (see ``recommendation_groups``)."""
    return recommendation_groups(period)[0]


def _chapter_examples(period: _Period, department: Department) -> dict[str, Any]:
    """A department's serious problems, good practice and most frequent non-compliance."""
    language = period.language
    in_department = period.findings.filter(visit__institution__department=department)
    marks = list(
        period.marks.filter(response__visit__institution__department=department)
        .values("question", "response__version__instrument")
        .annotate(visits=Count("response__visit", distinct=True))
        .order_by("-visits", "question")[:CHAPTER_EXAMPLES]
    )
    labels = _item_labels({r["response__version__instrument"] for r in marks}, language)
    return {
        "serious": [
            {
                "title": bilingual(f.title, f.title_kk, language),
                "institution": localized(f.visit.institution, "name", language),
                "severity": f.get_severity_display(),
            }
            for f in serious_findings(in_department).select_related("visit__institution")
        ],
        "good_practice": [
            {
                "title": bilingual(f.title, f.title_kk, language),
                "institution": localized(f.visit.institution, "name", language),
            }
            for f in good_practices(in_department).select_related("visit__institution")
        ],
        "non_compliance": [
            [
                labels.get((r["response__version__instrument"], r["question"]), {}).get(
                    "label", r["question"]
                ),
                r["visits"],
            ]
            for r in marks
        ],
    }


def _systemic(period: _Period) -> list[dict[str, Any]]:
    """The checklist items most often found non-compliant (by visits, then marks), with
    examples of the places."""
    top_items = list(
        period.marks.values("question", "response__version__instrument")
        .annotate(n=Count("pk"), visits=Count("response__visit", distinct=True))
        .order_by("-visits", "-n", "question")[:SYSTEMIC_ITEMS]
    )
    labels = _item_labels(
        {row["response__version__instrument"] for row in top_items}, period.language
    )
    systemic = []
    for row in top_items:
        instrument_id, question = row["response__version__instrument"], row["question"]
        examples = list(
            period.marks.filter(question=question, response__version__instrument=instrument_id)
            .values_list("response__visit__institution", flat=True)
            .distinct()
            .order_by("response__visit__institution")[:EXAMPLES]
        )
        systemic.append(
            {
                "label": labels.get((instrument_id, question), {}).get("label", question),
                "instrument": labels.get((instrument_id, question), {}).get("title", ""),
                "visits": row["visits"],
                "marks": row["n"],
                "examples": [
                    localized(i, "name", period.language)
                    for i in Institution.objects.filter(pk__in=examples).order_by("name_ru")
                ],
            }
        )
    return systemic


def _main(recommendations: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """The main recommendations: to departments and on legislation, and those of high
    priority."""
    return recommendations.filter(
        Q(level__in=(Recommendation.Level.DEPARTMENT, Recommendation.Level.LEGISLATION))
        | Q(priority=P.HIGH)
    )


def _main_recommendations(period: _Period) -> dict[str, Any]:
    """The main recommendations, the same text to the same addressee once with the number
    of places it was made to, highest priority and most places first: the first
    ``LISTED_RECOMMENDATIONS`` groups, and how many more there are (every recommendation
    is in the annex, a workbook)."""
    groups = main_groups(period)
    names = _names(
        Addressee, {g["addressee"] for g in groups[:LISTED_RECOMMENDATIONS]}, period.language
    )
    return {
        "recommendations": [
            {
                "text": bilingual(g["text_ru"], g["text_kk"], period.language),
                "addressee": names[g["addressee"]],
                "priority": str(P(g["priority"]).label),
                "priority_code": g["priority"],
                "places": len(g["places"]),
                "count": g["count"],
            }
            for g in groups[:LISTED_RECOMMENDATIONS]
        ],
        "recommendations_more": max(0, len(groups) - LISTED_RECOMMENDATIONS),
        "recommendations_main": sum(g["count"] for g in groups),
    }


_NOT_LETTERS = re.compile(r"[\W\d_]+")


def same_text(text: str) -> str:
    """The key two recommendations are the same by: their words, case, punctuation and
    numbers (dates, deadlines, cell numbers) aside."""
    words = _NOT_LETTERS.sub(" ", text.casefold()).split()
    if all(word.isalpha() for word in words):
        return " ".join(words)
    # A sign the pattern keeps that is not a letter ("²", a combining mark): char by char.
    return " ".join("".join(ch if ch.isalpha() else " " for ch in text.casefold()).split())


def _department_recommendations(
    period: _Period, department: Department, names: dict[int, str]
) -> list[dict[str, Any]]:
    """The main recommendations made on visits to the department's places, grouped by
    addressee (its authorities), the same text once (with how many places it was made to),
    highest priority first; at most ``CHAPTER_RECOMMENDATIONS``."""
    ranked = department_groups(period, department)
    by_addressee: dict[int, dict[str, Any]] = {}
    for g in ranked:
        entry = by_addressee.setdefault(
            g["addressee"], {"addressee": names[g["addressee"]], "items": []}
        )
        entry["items"].append(
            {
                "text": bilingual(g["text_ru"], g["text_kk"], period.language),
                "priority": str(P(g["priority"]).label),
                "priority_code": g["priority"],
                "places": len(g["places"]),
            }
        )
    return list(by_addressee.values())


def department_groups(period: _Period, department: Department) -> list[dict[str, Any]]:
    """The department's main recommendations as the chapter lists them (see
    ``recommendation_groups``); at most ``CHAPTER_RECOMMENDATIONS``."""
    return recommendation_groups(period)[1].get(department.pk, [])[:CHAPTER_RECOMMENDATIONS]


def recommendation_groups(
    period: _Period,
) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """The main recommendations grouped, all together and by department: one group per
    addressee and text (``same_text``), ``pk`` its first recommendation, ``text_kk`` the
    first Kazakh text among them, ``places`` the institutions it was made to, ``count``
    how many; ranked by priority (by its meaning), then by the number of places. One
    query, read in chunks, once per period."""
    if period.groups is not None:
        return period.groups
    rows = (
        _main(period.recommendations)
        .annotate(rank=PRIORITY_RANK)
        .values(
            "pk",
            "text_ru",
            "text_kk",
            "priority",
            "rank",
            "addressee",
            "visit__institution",
            "visit__institution__department",
        )
        .order_by("rank", "addressee", "pk")
    )
    # Either language may be written first: a recommendation is the same as another (to the
    # same addressee) when its Russian text or its Kazakh text is the same.
    everywhere: dict[tuple[int, str, str], dict[str, Any]] = {}
    by_department: dict[int, dict[tuple[int, str, str], dict[str, Any]]] = {}
    for row in rows.iterator(chunk_size=2000):
        keys = [
            (row["addressee"], field, same_text(row[field]))
            for field in ("text_ru", "text_kk")
            if same_text(row[field])
        ]
        for groups in (
            everywhere,
            by_department.setdefault(row["visit__institution__department"], {}),
        ):
            group = next((groups[k] for k in keys if k in groups), None)
            if group is None:
                # Rows come highest priority first: the first of a text sets its priority.
                group = {**row, "places": set(), "count": 0}
            for field in ("text_ru", "text_kk"):
                if not group[field] and row[field]:
                    group[field] = row[field]
            for key in keys:
                groups.setdefault(key, group)
            group["places"].add(row["visit__institution"])
            group["count"] += 1

    def ranked(groups: dict[tuple[int, str, str], dict[str, Any]]) -> list[dict[str, Any]]:
        unique = {id(g): g for g in groups.values()}.values()
        return sorted(unique, key=lambda g: (g["rank"], -len(g["places"]), g["addressee"], g["pk"]))

    period.groups = ranked(everywhere), {d: ranked(g) for d, g in by_department.items()}
    return period.groups


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
