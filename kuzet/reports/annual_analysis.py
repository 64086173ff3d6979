"""The analysis of the annual report beyond counting (issue 16): the year against the one
before, how widespread each problem is, candidate examples, the implementation of earlier
years' recommendations, obstacles to access and the places never visited.

Like ``annual_data`` it reads only approved visits and holds no identity: an example is a
finding's title, and its description only when the finding rests on no interview (what a
coded person said stays out) and is not about treatment (where allegations are told).
"""

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.i18n import localized
from kuzet.recommendations.models import Recommendation, StatusChange
from kuzet.registry.models import Department, Institution, InstitutionType
from kuzet.visits.models import THEMES, Finding, Visit
from kuzet.visits.services.lifecycle import LOCKED

from .text import bilingual

if TYPE_CHECKING:
    from .annual_data import _Period

R = Recommendation.Status
CANDIDATES = 8  # the generated default: the first candidates, when editors chose none
CANDIDATE_POOL = 30  # what the editors choose from
CANDIDATE_ROWS = 600
NEVER_VISITED_LISTED = 100
SEVERITY_RANK = Case(
    When(severity=Finding.Severity.CRITICAL, then=Value(0)),
    When(severity=Finding.Severity.HIGH, then=Value(1)),
    When(severity=Finding.Severity.MEDIUM, then=Value(2)),
    When(severity=Finding.Severity.LOW, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)
# How an earlier recommendation stands, in the report's five groups.
IMPLEMENTATION: dict[str, str] = {
    R.IMPLEMENTED: "implemented",
    R.PARTLY: "partly",
    R.ACCEPTED: "in_progress",
    R.IN_PROGRESS: "in_progress",
    R.NOT_IMPLEMENTED: "not",
    R.REJECTED: "not",
    R.ISSUED: "no_answer",
}
IMPLEMENTATION_GROUPS = ("implemented", "partly", "in_progress", "not", "no_answer")


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The same days a year earlier (29 February becomes the 28th)."""

    def back(d: date) -> date:
        return d.replace(year=d.year - 1, day=min(d.day, 28) if d.month == 2 else d.day)

    return back(start), back(end)


def share(part: int, whole: int) -> int | None:
    """A whole percentage, or None when there is nothing to divide by."""
    return round(100 * part / whole) if whole else None


def change(now: int, before: int) -> str:
    """ "+3 (+25 %)", "−2", "0": the change from the year before."""
    if now == before:
        return "0"
    sign = "+" if now > before else "−"
    text = f"{sign}{abs(now - before)}"
    if before:
        percent = round(100 * abs(now - before) / before)
        # "−0 %" read as no change on thousands of visits: under one per cent says so.
        text += f" ({sign}{percent} %)" if percent else f" ({sign}<1 %)"
    return text


def year_in_figures(period: "_Period", previous: "_Period") -> list[list[Any]]:
    """The year's main figures, last year's and the change."""
    rows = []
    for label, count in (
        (_("Visits with an approved report"), lambda p: p.visits.count()),
        (_("unannounced"), lambda p: p.visits.filter(announced=False).count()),
        (_("follow-up"), lambda p: p.visits.filter(kind=Visit.Kind.FOLLOW_UP).count()),
        (
            _("Institutions visited"),
            lambda p: p.visits.values("institution").distinct().count(),
        ),
        (_("Interviews"), lambda p: p.interviews.count()),
        (
            _("Allegations of torture or ill-treatment"),
            lambda p: p.allegations.filter(kind="ill_treatment").count(),
        ),
        (_("Allegations of reprisals"), lambda p: p.allegations.filter(kind="reprisal").count()),
        (_("Problems found"), lambda p: p.findings.filter(good_practice=False).count()),
        (_("Good practices"), lambda p: p.findings.filter(good_practice=True).count()),
        (_("Obstacles to access"), lambda p: p.findings.exclude(obstacle="").count()),
        (_("Recommendations made"), lambda p: p.recommendations.count()),
    ):
        now, before = count(period), count(previous)
        rows.append([str(label), now, before, change(now, before)])
    return rows


class Spread:
    """How widespread each problem is: per department, theme and type of institution, the
    places where a problem of the theme was found, against the places of the type visited."""

    def __init__(self, period: "_Period") -> None:
        self.visited: dict[tuple[int, int], int] = {
            (r["institution__department"], r["institution__type"]): r["n"]
            for r in period.visits.values("institution__department", "institution__type").annotate(
                n=Count("institution", distinct=True)
            )
        }
        self.found: dict[tuple[int, str, int], int] = {
            (
                r["visit__institution__department"],
                r["theme"],
                r["visit__institution__type"],
            ): r["n"]
            for r in period.findings.filter(good_practice=False)
            .values("visit__institution__department", "theme", "visit__institution__type")
            .annotate(n=Count("visit__institution", distinct=True))
        }
        self.places_by_theme: dict[tuple[int, str], int] = {
            (r["visit__institution__department"], r["theme"]): r["n"]
            for r in period.findings.filter(good_practice=False)
            .values("visit__institution__department", "theme")
            .annotate(n=Count("visit__institution", distinct=True))
        }


def theme_rows(
    department_id: int, spread: Spread, before: Spread, language: str
) -> list[dict[str, Any]]:
    """The department's problems by theme and type of institution: places where found, of
    places of that type visited, the share, last year's share; most widespread first."""
    rows: list[dict[str, Any]] = []
    types = {
        t.pk: localized(t, "short_name", language) or localized(t, "name", language)
        for t in InstitutionType.objects.filter(department_id=department_id)
    }
    for (dept, theme, type_id), places in spread.found.items():
        if dept != department_id:
            continue
        visited = spread.visited.get((dept, type_id), 0)
        earlier = before.found.get((dept, theme, type_id), 0)
        earlier_visited = before.visited.get((dept, type_id), 0)
        rows.append(
            {
                "theme": str(THEMES.get(theme, theme)),
                "theme_code": theme,
                "type": types.get(type_id, ""),
                "type_id": type_id,
                "places": places,
                "visited": visited,
                "share": share(places, visited),
                "share_before": share(earlier, earlier_visited),
            }
        )
    rows.sort(key=lambda r: (-(r["share"] or 0), -r["places"], r["theme"], r["type"]))
    return rows


def theme_summary(
    department_id: int, spread: Spread, before: Spread, language: str
) -> list[dict[str, Any]]:
    """The department's problems by theme, all its types together: the places where a
    problem of the theme was found, of the department's places visited, the share, last
    year's share, and the type of institution where it was most widespread; most
    widespread first. (A place is of one type: the places by theme add up over types.)"""

    def visited(s: Spread) -> int:
        return sum(n for (dept, _type), n in s.visited.items() if dept == department_id)

    now, earlier = visited(spread), visited(before)
    by_type = theme_rows(department_id, spread, before, language)
    rows: list[dict[str, Any]] = []
    for (dept, theme), places in spread.places_by_theme.items():
        if dept != department_id:
            continue
        top = next((r for r in by_type if r["theme_code"] == theme and r["visited"] > 1), None)
        rows.append(
            {
                "theme": str(THEMES.get(theme, theme)),
                "theme_code": theme,
                "places": places,
                "visited": now,
                "share": share(places, now),
                "share_before": share(before.places_by_theme.get((dept, theme), 0), earlier),
                "top_type": top["type"] if top else "",
                "top_share": top["share"] if top else None,
            }
        )
    rows.sort(key=lambda r: (-(r["share"] or 0), r["theme"]))
    return rows


def example_candidates(
    period: "_Period", department_id: int, spread: Spread, limit: int = CANDIDATES
) -> list[dict[str, Any]]:
    """Findings the editors may quote as examples, most severe and most widespread first;
    the same title at the same place once; the first ``limit``."""
    language = period.language
    heard = Finding.interviews.through.objects.filter(finding=OuterRef("pk"))
    rows = (
        period.findings.filter(good_practice=False, visit__institution__department=department_id)
        .annotate(rank=SEVERITY_RANK, heard=Exists(heard))
        .order_by("rank", "-visit__planned_date", "pk")
        .values(
            "pk",
            "title",
            "title_kk",
            "description",
            "description_kk",
            "theme",
            "severity",
            "rank",
            "heard",
            "visit__institution",
            "visit__institution__name_ru",
            "visit__institution__name_kk",
        )[:CANDIDATE_ROWS]
    )
    seen: set[tuple[int, str]] = set()
    candidates = []
    for row in rows:
        title = row["title"] or row["title_kk"]
        key = (row["visit__institution"], " ".join(title.casefold().split()))
        if key in seen:
            continue
        seen.add(key)
        row["frequency"] = spread.places_by_theme.get((department_id, row["theme"]), 0)
        candidates.append(row)
    candidates.sort(key=lambda r: (r["rank"], -r["frequency"], 0))
    severities = dict(Finding.Severity.choices)
    return [
        {
            "finding": r["pk"],
            "title": bilingual(r["title"], r["title_kk"], language),
            # What a coded person said, and allegations (told under treatment), stay out.
            "description": bilingual(r["description"], r["description_kk"], language)
            if not r["heard"] and r["theme"] != "treatment"
            else None,
            "theme": str(THEMES.get(r["theme"], r["theme"])),
            "severity": str(severities.get(r["severity"], "")),
            "severity_code": r["severity"],
            "places": r["frequency"],
            "institution": (language == "kk" and r["visit__institution__name_kk"])
            or r["visit__institution__name_ru"],
        }
        for r in candidates[:limit]
    ]


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def implementation_states(period: "_Period") -> dict[int, dict[int, dict[str, int]]]:
    """The recommendations issued on visits before the period, as they stood at its end:
    department → addressee → group → count. A recommendation's state is its last assessed
    status up to then (by time, then by record), drafts aside; counted in the database
    (one query, however long the history: it grows every year)."""
    last = (
        StatusChange.objects.filter(
            recommendation=OuterRef("pk"), assessed_at__lt=_end_of(period.end)
        )
        .exclude(status=R.DRAFT)
        .order_by("-assessed_at", "-pk")
        .values("status")[:1]
    )
    rows = (
        Recommendation.objects.filter(
            visit__planned_date__lt=period.start, visit__status__in=LOCKED
        )
        .annotate(state=Subquery(last))
        .values("visit__institution__department", "addressee", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[int, dict[str, int]]] = {}
    for row in rows:
        group = IMPLEMENTATION.get(row["state"])
        if group is None:  # never assessed by then, or no longer relevant: not in the shares
            continue
        by_group = counts.setdefault(row["visit__institution__department"], {}).setdefault(
            row["addressee"], {}
        )
        by_group[group] = by_group.get(group, 0) + row["n"]
    return counts


def implementation_rows(
    department_id: int,
    now: dict[int, dict[int, dict[str, int]]],
    before: dict[int, dict[int, dict[str, int]]],
    names: dict[int, str],
) -> list[dict[str, Any]]:
    """By addressee: how many earlier recommendations, the share in each group, and last
    year's shares."""
    rows: list[dict[str, Any]] = []
    mine, earlier = now.get(department_id, {}), before.get(department_id, {})
    for addressee, groups in mine.items():
        total = sum(groups.values())
        old = earlier.get(addressee, {})
        old_total = sum(old.values())
        rows.append(
            {
                "addressee": names.get(addressee, ""),
                "total": total,
                "counts": {g: groups.get(g, 0) for g in IMPLEMENTATION_GROUPS},
                "shares": {g: share(groups.get(g, 0), total) for g in IMPLEMENTATION_GROUPS},
                "total_before": old_total,
                "shares_before": {
                    g: share(old.get(g, 0), old_total) for g in IMPLEMENTATION_GROUPS
                },
            }
        )
    rows.sort(key=lambda r: (-r["total"], r["addressee"]))
    return rows


def obstacles(period: "_Period", previous: "_Period") -> dict[str, Any]:
    """Obstacles to access by kind, this year and last, and the places where they occurred."""

    def by_kind(p: "_Period") -> dict[str, int]:
        return {
            r["obstacle"]: r["n"]
            for r in p.findings.exclude(obstacle="").values("obstacle").annotate(n=Count("pk"))
        }

    now, before = by_kind(period), by_kind(previous)
    return {
        "rows": [
            [str(label), now.get(code, 0), before.get(code, 0)]
            for code, label in Finding.Obstacle.choices
            if now.get(code) or before.get(code)
        ],
        "places": period.findings.exclude(obstacle="")
        .values("visit__institution")
        .distinct()
        .count(),
    }


def _never_visited_places(period: "_Period") -> Any:
    visited = Visit.objects.filter(status__in=LOCKED, planned_date__lte=period.end).values(
        "institution"
    )
    return Institution.objects.filter(status=Institution.Status.ACTIVE).exclude(pk__in=visited)


def never_visited_rows(period: "_Period", limit: int | None = None) -> list[list[str]]:
    """The active institutions of the inventory no approved visit has reached, up to the
    end of the period: by department, region and name (the first ``limit``)."""
    language = period.language
    places = (
        _never_visited_places(period)
        .select_related("department", "region", "type")
        .order_by("department__sort_order", "region__name_ru", "name_ru")
    )
    return [
        [
            localized(i, "name", language),
            localized(i.type, "short_name", language) or localized(i.type, "name", language),
            localized(i.region, "name", language),
            localized(i.department, "short_name", language)
            or localized(i.department, "name", language),
        ]
        for i in (places if limit is None else places[:limit])
    ]


def chosen_examples(
    candidates: list[dict[str, Any]], chosen: list[int] | None
) -> tuple[list[dict[str, Any]], list[int]]:
    """The examples a chapter prints: the editors' choice in their order, or (none chosen,
    or none of the chosen still a candidate) the first ``CANDIDATES`` as ranked. Also the
    chosen findings that are no longer candidates (stale: left out)."""
    by_finding = {c["finding"]: c for c in candidates}
    picked = [by_finding[f] for f in chosen or () if f in by_finding]
    stale = [f for f in chosen or () if f not in by_finding]
    return (picked or candidates[:CANDIDATES]), stale


def never_visited(period: "_Period") -> dict[str, Any]:
    """The places never visited: how many, by department against the inventory, and the
    first ``NEVER_VISITED_LISTED`` (the workbook annex lists them all)."""
    language = period.language
    never = {
        r["department"]: r["n"]
        for r in _never_visited_places(period).values("department").annotate(n=Count("pk"))
    }
    inventory = {
        r["department"]: r["n"]
        for r in period.inventory.values("department").annotate(n=Count("pk"))
    }
    return {
        "count": sum(never.values()),
        "by_department": [
            [
                localized(d, "short_name", language) or localized(d, "name", language),
                never[d.pk],
                inventory.get(d.pk, 0),
            ]
            for d in Department.objects.filter(pk__in=list(never)).order_by("sort_order", "name_ru")
        ],
        "listed": never_visited_rows(period, NEVER_VISITED_LISTED),
    }
