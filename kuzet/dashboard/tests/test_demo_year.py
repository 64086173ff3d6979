"""The demo year loaded by ``make run``: every stage, content for the dashboard and the
annual report, deterministic and idempotent, and never outside the demo configuration."""

import io
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from kuzet.core.audit import verify_chain
from kuzet.people.models import User
from kuzet.quality.texts import check_text
from kuzet.recommendations.models import Recommendation
from kuzet.reports.annual_data import annual_report_data
from kuzet.visits.models import Allegation, Appeal, Finding, Interview, MediaEvidence, Visit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
TODAY = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def storage(settings: object, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined]


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Visit, Interview, Finding, Allegation, MediaEvidence, Appeal, Recommendation)
    }


@override_settings(DEMO=True)
def test_the_demo_year_fills_every_stage_the_dashboard_and_the_annual_report(
    client_for: Callable[[User], Client],
) -> None:
    call_command("load_library", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo_data", "--today", TODAY.isoformat(), "--no-reports", stdout=out)
    assert "82 visit(s)" in out.getvalue()  # 60 this year, 22 the year before (issue 16)
    counts = _counts()
    stages = Counter(Visit.objects.values_list("status", flat=True))
    for stage in (
        "planned",
        "in_progress",
        "under_review",
        "returned",
        "approved",
        "sent",
        "closed",
    ):
        assert stages[stage] > 0, stage
    assert counts["Finding"] > 100 and counts["Recommendation"] > 100
    assert counts["Appeal"] > 3 and counts["Allegation"] > 3
    # Consent given and refused; recommendations at every stage of their follow-up, some overdue.
    assert {True, False} <= set(Interview.objects.values_list("consent_interview", flat=True))
    statuses = set(Recommendation.objects.values_list("status", flat=True))
    assert {"issued", "accepted", "implemented"} <= statuses
    assert Recommendation.objects.overdue(TODAY).exists()
    assert Appeal.objects.exclude(forwarded_to="").exists()
    # No text of the year is a copy of another: the quality rules find nothing.
    # Some teams write in Kazakh first (issue 16): their findings and recommendations have
    # only the Kazakh text until the secretariat translates what the report quotes.
    descriptions = [
        ru or kk for ru, kk in Finding.objects.values_list("description", "description_kk")
    ]
    assert len(set(descriptions)) == len(descriptions)
    for text in descriptions:
        assert check_text("finding", text) == []
    assert Finding.objects.filter(title="", description="").exclude(description_kk="").exists()
    recommendations = [
        ru or kk for ru, kk in Recommendation.objects.values_list("text_ru", "text_kk")
    ]
    assert len(set(recommendations)) == len(recommendations)
    assert Recommendation.objects.exclude(text_kk="").count() == len(recommendations)
    assert Recommendation.objects.filter(text_ru="").exists()
    assert verify_chain()[1] == []

    # Twice: nothing more.
    call_command(
        "load_demo_data", "--today", TODAY.isoformat(), "--no-reports", stdout=io.StringIO()
    )
    assert _counts() == counts

    secretariat = User.objects.get(username="demo-secretariat")
    page = client_for(secretariat).get(reverse("dashboard:indicators"), {"year": str(TODAY.year)})
    headline = page.context["headline"]
    assert headline["carried_out"] > 30 and headline["recommendations"]["total"] > 50
    assert headline["recommendations"]["overdue"] > 0 and headline["implementation_rate"]
    assert headline["allegations"]["ill"] > 0 and headline["appeals"]["recorded"] > 0
    register = client_for(secretariat).get(reverse("visits:appeal_list"))
    assert (
        register.status_code == 200 and register.context["page"].paginator.count == counts["Appeal"]
    )

    data = annual_report_data(start=date(TODAY.year, 1, 1), end=TODAY, language="ru")
    assert not data["empty"]
    assert data["totals"]
    assert "Санитарная площадь" in str(data) or "санитарн" in str(data).lower()


def test_the_demo_year_is_refused_outside_the_demo_configuration() -> None:
    with pytest.raises(CommandError, match="KUZET_DEMO"):
        call_command("load_demo_data")
    assert not Visit.objects.exists() and not User.objects.exists()


@override_settings(DEMO=True)
def test_the_demo_publishes_the_years_annual_report_and_the_public_site_shows_it(
    client: Client,
) -> None:
    from kuzet.dashboard.demo import demo_annual_publish
    from kuzet.public.models import PublishedReport
    from kuzet.reports.models import AnnualEdition, GeneratedReport
    from kuzet.reports.services import report_content

    call_command("load_library", stdout=io.StringIO())
    call_command(
        "load_demo_data", "--today", TODAY.isoformat(), "--no-reports", stdout=io.StringIO()
    )
    files = demo_annual_publish(today=TODAY)
    edition = AnnualEdition.objects.get(year=TODAY.year)
    assert edition.status == AnnualEdition.Status.PUBLISHED and edition.content_sha256
    # Every section written in both languages and approved; the Council approved the whole.
    for section in edition.sections.all():
        assert section.status == "approved" and section.text_ru and section.text_kk, section.key
    assert edition.approved_by is not None and edition.approved_by.username == "demo-council"
    # The secretariat translated what the report quotes: titles, recommendations, the
    # Kazakh-first findings; the Russian edition has nothing left in Kazakh.
    assert edition.content["ru"]["untranslated"] == []
    assert len(edition.content["kk"]["untranslated"]) <= 30
    assert sorted((f.language, f.format) for f in files) == [
        ("kk", "docx"), ("kk", "pdf"), ("ru", "docx"), ("ru", "pdf"),
    ]  # fmt: skip
    # The PDFs built at load (the public site shows them), the DOCX left to the worker.
    for f in files:
        done = f.status == GeneratedReport.Status.DONE
        assert done if f.format == "pdf" else f.status == GeneratedReport.Status.QUEUED
    # Every department chapter has what a reader looks for, the visited ones their content.
    visited = [c for c in edition.content["ru"]["chapters"] if c["visits"]]
    for chapter in edition.content["ru"]["chapters"]:
        assert f"chapter:{chapter['code']}" in edition.content["ru"]["narrative"]
    assert len(visited) == len(edition.content["ru"]["chapters"])  # the NSC's too
    assert all(c["candidates"] for c in visited)
    # The follow-up of earlier years' recommendations (the NSC's place was first visited
    # this year: it has none).
    assert sum(bool(c["implementation"]) for c in visited) >= len(visited) - 1
    # Recommendations to the authorities where a visit found a serious problem (the two
    # guardhouse visits' are to their administration only).
    assert sum(bool(c["main_recommendations"]) for c in visited) >= len(visited) - 1
    # The public site lists both PDFs and serves them.
    published = PublishedReport.objects.select_related("report")
    assert sorted(p.report.language for p in published) == ["kk", "ru"]
    page = client.get("/public/ru/reports/").content.decode()
    for p in published:
        assert p.title in page or p.title.replace("«", "&laquo;") in page
        assert report_content(p.report)[:4] == b"%PDF"
    # Loading again publishes nothing more.
    assert demo_annual_publish(today=TODAY) == []
    assert AnnualEdition.objects.filter(year=TODAY.year).count() == 1
