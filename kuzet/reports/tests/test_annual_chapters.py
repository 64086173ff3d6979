"""The annual report's chapters on the demo year (this year and the one before): every
figure equals a count made here independently, in Python over the records, and the
examples quote no interview and no allegation (issue 16)."""

import io
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone, translation

from kuzet.recommendations.models import StatusChange
from kuzet.registry.models import Department, Institution
from kuzet.reports.annual_data import annual_report_data, same_text
from kuzet.visits.models import Allegation, Finding, Visit
from kuzet.visits.services.lifecycle import LOCKED

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
TODAY = date(2026, 12, 3)
YEAR, LAST = (date(2026, 1, 1), date(2026, 12, 31)), (date(2025, 1, 1), date(2025, 12, 31))
GROUPS = {
    "implemented": "implemented",
    "partly": "partly",
    "accepted": "in_progress",
    "in_progress": "in_progress",
    "not_implemented": "not",
    "rejected": "not",
    "issued": "no_answer",
}


@pytest.fixture
def demo(db: Any) -> None:
    with override_settings(DEMO=True):
        call_command("load_library", stdout=io.StringIO())
        call_command(
            "load_demo_data", "--today", TODAY.isoformat(), "--no-reports", stdout=io.StringIO()
        )


def approved(period: tuple[date, date]) -> list[Visit]:
    return [
        v
        for v in Visit.objects.select_related("institution")
        if v.status in LOCKED and period[0] <= v.planned_date <= period[1]
    ]


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def state_at(day: date) -> dict[int, str]:
    """Each recommendation's last assessed status up to the end of ``day``."""
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    found: dict[int, tuple[Any, int, str]] = {}
    for change in StatusChange.objects.all():
        if change.status == "draft" or change.assessed_at >= end:
            continue
        key = (change.assessed_at, change.pk)
        if change.recommendation_id not in found or found[change.recommendation_id][:2] < key:
            found[change.recommendation_id] = (*key, change.status)
    return {pk: status for pk, (_at, _pk, status) in found.items()}


def implementation(period: tuple[date, date], department: Department) -> dict[str, Counter]:
    states = state_at(period[1])
    by_addressee: dict[str, Counter] = defaultdict(Counter)
    for visit in Visit.objects.filter(institution__department=department):
        if visit.status not in LOCKED or visit.planned_date >= period[0]:
            continue
        for r in visit.recommendations.select_related("addressee"):
            group = GROUPS.get(states.get(r.pk, ""))
            if group:
                by_addressee[r.addressee.name_ru][group] += 1
    return by_addressee


def test_every_chapter_figure_equals_an_independent_count(demo: Any) -> None:
    with translation.override("ru"):
        data = annual_report_data(start=YEAR[0], end=YEAR[1], language="ru")
    this_year, last_year = approved(YEAR), approved(LAST)
    assert this_year and last_year, "the demo holds this year and the one before"
    # The year in figures, against the year before.
    figures = {row[0]: row[1:3] for row in data["figures"]}
    assert figures["Посещения с утверждённым отчётом"] == [len(this_year), len(last_year)]
    assert figures["Обнаруженные проблемы"] == [
        sum(1 for v in this_year for f in v.findings.all() if not f.good_practice),
        sum(1 for v in last_year for f in v.findings.all() if not f.good_practice),
    ]
    implementation_seen = 0
    for chapter in data["chapters"]:
        department = Department.objects.get(code=chapter["code"])
        mine = [v for v in this_year if v.institution.department_id == department.pk]
        assert chapter["visits"] == len(mine)
        assert chapter["visited"] == len({v.institution_id for v in mine})
        assert (
            chapter["inventory"]
            == Institution.objects.filter(department=department, status="active").count()
        )
        # How widespread each problem is, by theme and type of institution.
        before = [v for v in last_year if v.institution.department_id == department.pk]
        for row in chapter["spread"]:
            theme = row["theme_code"]

            def places(visits: list[Visit], row: dict[str, Any] = row, theme: str = theme) -> Any:
                typed = [v for v in visits if v.institution.type_id == row["type_id"]]
                found = {
                    v.institution_id
                    for v in typed
                    for f in v.findings.all()
                    if f.theme == theme and not f.good_practice
                }
                return len(found), len({v.institution_id for v in typed})

            found, visited = places(mine)
            assert (row["places"], row["visited"]) == (found, visited), row
            assert row["share"] == percent(found, visited)
            assert row["share_before"] == percent(*places(before))
        # The same by theme, every type together (the chapter's table and chart).
        for row in chapter["themes_spread"]:

            def by_theme(visits: list[Visit], theme: str = row["theme_code"]) -> Any:
                found = {
                    v.institution_id
                    for v in visits
                    for f in v.findings.all()
                    if f.theme == theme and not f.good_practice
                }
                return len(found), len({v.institution_id for v in visits})

            found, visited = by_theme(mine)
            assert (row["places"], row["visited"]) == (found, visited), row
            assert row["share"] == percent(found, visited)
            assert row["share_before"] == percent(*by_theme(before))
        themes = {(r["theme_code"], r["type_id"]) for r in chapter["spread"]}
        assert {r["theme_code"] for r in chapter["themes_spread"]} == {t for t, _ in themes}
        # Examples: most severe first, no interview's words, never a treatment story.
        ranks = ["critical", "high", "medium", "low", ""]
        order = [ranks.index(c["severity_code"]) for c in chapter["candidates"]]
        assert order == sorted(order)
        for candidate in chapter["candidates"]:
            finding = Finding.objects.get(pk=candidate["finding"])
            assert finding.visit.institution.department_id == department.pk
            if finding.interviews.exists() or finding.theme == "treatment":
                assert candidate["description"] is None
        # Recommendations: highest priority first, each text once per addressee.
        for group in chapter["main_recommendations"]:
            texts = [same_text(r["text"]["text"]) for r in group["items"]]
            assert len(texts) == len(set(texts))
        # Within an addressee highest first; the addressees by their highest.
        rank = ["high", "medium", "low"].index
        heads = []
        for group in chapter["main_recommendations"]:
            priorities = [rank(r["priority_code"]) for r in group["items"]]
            assert priorities == sorted(priorities)
            heads.append(priorities[0])
        assert heads == sorted(heads)
        # Earlier years' recommendations, by addressee, as shares against last year.
        now, earlier = implementation(YEAR, department), implementation(LAST, department)
        assert {r["addressee"] for r in chapter["implementation"]} == set(now)
        for row in chapter["implementation"]:
            counts = now[row["addressee"]]
            assert row["total"] == sum(counts.values())
            assert row["counts"] == {g: counts[g] for g in row["counts"]}
            old = earlier.get(row["addressee"], Counter())
            assert row["shares_before"]["implemented"] == percent(
                old["implemented"], sum(old.values())
            )
            implementation_seen += row["total"]
    assert implementation_seen > 0, "last year's recommendations are followed up"
    # Obstacles and the places never visited.
    with translation.override("ru"):
        obstacles = Counter(
            str(f.get_obstacle_display()) for v in this_year for f in v.findings.all() if f.obstacle
        )
    assert {row[0]: row[1] for row in data["obstacles"]["rows"] if row[1]} == dict(obstacles)
    reached = {v.institution_id for v in Visit.objects.all() if v.status in LOCKED}
    never = Institution.objects.filter(status="active").exclude(pk__in=reached)
    assert data["never_visited"]["count"] == never.count()
    assert sum(row[1] for row in data["never_visited"]["by_department"]) == never.count()
    assert len(data["never_visited"]["listed"]) == min(100, never.count())
    # Allegations stay out of the chapters: no circumstance of any is quoted.
    text = str(data["chapters"])
    for allegation in Allegation.objects.all():
        if allegation.circumstances.strip():
            assert allegation.circumstances.strip() not in text
