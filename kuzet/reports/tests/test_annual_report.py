"""The consolidated annual report: figures, chapters, systemic problems; an empty year."""

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from docx import Document

from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.recommendations.models import Recommendation
from kuzet.recommendations.services import recommendation_record, visit_send
from kuzet.reports.annual_data import annual_report_data
from kuzet.reports.render import render
from kuzet.reports.services import annual_spec, report_document
from kuzet.visits.models import Visit

from .conftest import CELL, FULL_NAME, SECRET_QUOTE, approve
from .helpers import pdf_text, squash

pytestmark = pytest.mark.django_db
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def made(actor: User, language: str, fmt: str, year: int = 2026) -> bytes:
    spec = annual_spec(
        actor=actor, start=date(year, 1, 1), end=date(year, 12, 31), language=language
    )
    return render(report_document(spec), fmt)


def test_the_figures_count_the_approved_visits_of_the_year(
    approved_visit: Visit, drafted_visit: Visit, secretariat: User
) -> None:
    with translation.override("ru"):
        data = annual_report_data(start=YEAR[0], end=YEAR[1], language="ru")
    # Approved, not sent yet: its recommendations are drafts, not issued ones.
    assert data["totals"]["visits"] == 1 and data["totals"]["recommendations"] == 0
    visit_send(actor=secretariat, visit=approved_visit)
    with translation.override("ru"):
        data = annual_report_data(start=YEAR[0], end=YEAR[1], language="ru")
    totals = data["totals"]
    assert totals["visits"] == 1 and not data["empty"]
    assert totals["interviews"] == 2
    assert (totals["allegations_ill"], totals["allegations_reprisal"]) == (1, 1)
    assert totals["recommendations"] == 2 and totals["findings"] == 3
    assert totals["institutions_visited"] == 1
    police = next(c for c in data["chapters"] if c["code"] == "mia-police")
    assert police["visits"] == 1 and police["recommendations"] == 2
    assert [c["code"] for c in data["chapters"]][:3] == ["mia-penal", "mia-police", "nsc"]
    assert data["systemic"][0]["label"] == "Ведётся журнал применения силы"
    assert data["systemic"][0]["visits"] == 1
    assert data["systemic"][0]["examples"] == ["ИВС Алмалинского района"]
    addressee = data["recommendations_by_addressee"][0]
    assert addressee[1:] == [2, 0, 0, 0, 0]
    # The earlier visit (2025) is not in this year's report.
    with translation.override("ru"):
        earlier = annual_report_data(start=date(2025, 1, 1), end=date(2025, 12, 31), language="ru")
    assert earlier["totals"]["visits"] == 0 and earlier["totals"]["pending"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_annual_pdf_has_chapters_charts_and_no_identity(
    approved_visit: Visit, secretariat: User, language: str
) -> None:
    content = made(secretariat, language, "pdf")
    text = squash(pdf_text(content))
    place = approved_visit.institution.name_kk if language == "kk" else "ИВС Алмалинского района"
    item = (
        "Күш қолдану журналы жүргізіледі" if language == "kk" else "Ведётся журнал применения силы"
    )
    for expected in (item, place, "Журнал применения силы не ведётся"):
        assert squash(expected) in text
    chapter = (
        "Ішкі істер министрлігінің ішкі істер органдары"
        if language == "kk"
        else "Органы внутренних дел"
    )
    assert squash(chapter) in text
    for secret in (FULL_NAME, CELL, SECRET_QUOTE, "A-01"):
        assert squash(secret) not in text


def test_the_annual_docx_has_a_contents_headings_tables_and_charts(
    approved_visit: Visit, secretariat: User
) -> None:
    doc = Document(io.BytesIO(made(secretariat, "kk", "docx")))
    headings = [p for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert len(headings) >= 6
    assert any(p.style is not None and p.style.name == "Heading 2" for p in doc.paragraphs)
    assert 'TOC \\o "1-2"' in doc.element.xml
    assert len(doc.tables) >= 8
    assert len(doc.inline_shapes) >= 3  # the charts


def test_an_empty_year_gives_a_valid_report_that_says_so(secretariat: User) -> None:
    with translation.override("ru"):
        message = translation.gettext(
            "No visit of the period %(period)s has an approved report: there is nothing to "
            "consolidate yet."
        ) % {"period": "2031"}
    assert squash(message) in squash(pdf_text(made(secretariat, "ru", "pdf", year=2031)))
    doc = Document(io.BytesIO(made(secretariat, "ru", "docx", year=2031)))
    assert any(message in p.text for p in doc.paragraphs)


def test_the_annual_report_page_is_for_the_secretariat_and_the_council(
    approved_visit: Visit,
    secretariat: User,
    leader: User,
    english_client_for: Callable[[User], Client],
    make_user: Callable[..., User],
) -> None:
    page = english_client_for(secretariat).get("/reports/annual/?year=2026&lang=kk")
    assert page.status_code == 200
    assert approved_visit.institution.name_kk in page.content.decode()
    council = make_user(Role.COUNCIL, username="council")
    assert english_client_for(council).get("/reports/annual/?year=2026").status_code == 200
    assert english_client_for(leader).get("/reports/annual/?year=2026").status_code == 403
    assert AuditEvent.objects.filter(
        action="access_denied", object_type="reports.annual", actor_username=leader.username
    ).exists()
    bad = english_client_for(secretariat).get("/reports/annual/?year=20x6")
    assert bad.status_code == 400 and "Unknown year “20x6”" in bad.content.decode()
    bad = english_client_for(secretariat).get("/reports/annual/?start=2026-12-31&end=2026-01-01")
    assert bad.status_code == 400 and "The period ends before it starts." in bad.content.decode()
    posted = english_client_for(secretariat).post(
        "/reports/annual/generate/",
        {"year": "2026", "lang": "kk", "format": "docx", "untranslated": "marked"},
    )
    assert posted.status_code == 302


def test_main_recommendations_come_highest_priority_first_grouped_and_once(
    drafted_visit: Visit, leader: User, coordinator: User, secretariat: User, addressee: Any
) -> None:
    """Issue 16: "-priority" on the stored words put medium before low before high."""
    same = "Оборудовать окна и вентиляцию в женской камере до начала отопительного сезона!"
    for text, priority in (
        ("Разместить в каждой камере памятку о правах задержанных на русском и казахском.", "low"),
        (same, "high"),  # the medium one's text again, now of high priority: listed once
    ):
        recommendation_record(
            actor=leader,
            visit=drafted_visit,
            text_ru=text,
            addressee=addressee,
            theme="safeguards",
            level=Recommendation.Level.DEPARTMENT,
            priority=priority,
        )
    visit_send(actor=secretariat, visit=approve(drafted_visit, leader, coordinator))
    with translation.override("ru"):
        data = annual_report_data(start=YEAR[0], end=YEAR[1], language="ru")
    listed = [r["priority_code"] for r in data["recommendations"]]
    assert listed == sorted(listed, key=["high", "medium", "low"].index)
    assert listed[0] == "high" and listed[-1] == "low"
    police = next(c for c in data["chapters"] if c["code"] == "mia-police")
    [group] = police["main_recommendations"]
    assert group["addressee"] == addressee.name_ru
    priorities = [r["priority_code"] for r in group["items"]]
    assert priorities == ["high", "high", "low"]
    texts = [r["text"]["text"] for r in group["items"]]
    assert len(texts) == 3 and sum("женской камере" in t for t in texts) == 1
