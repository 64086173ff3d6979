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
    descriptions = list(Finding.objects.values_list("description", flat=True))
    assert len(set(descriptions)) == len(descriptions)
    for text in descriptions:
        assert check_text("finding", text) == []
    recommendations = list(Recommendation.objects.values_list("text_ru", flat=True))
    assert len(set(recommendations)) == len(recommendations)
    assert Recommendation.objects.exclude(text_kk="").count() == len(recommendations)
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
