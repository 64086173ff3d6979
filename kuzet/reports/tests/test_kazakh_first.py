"""A recommendation written in Kazakh first (issue 16): the Russian editions mark it, the
Russian translation queue lists it, the annex keeps it, and its translation clears it."""

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.recommendations.services import recommendation_record, visit_send
from kuzet.reports.annual_data import annual_report_data
from kuzet.reports.services import report_data, visit_spec
from kuzet.reports.tests.conftest import approve
from kuzet.visits.models import Finding, Visit

pytestmark = pytest.mark.django_db
YEAR = 2026
KK = "Серуендеу ауласының үстіне 2027 жылғы 1 мамырға дейін шатыр орнатып, жаңбырда да күнделікті серуенді қамтамасыз ету."
RU = "Установить навес над прогулочным двором до 1 мая 2027 года и обеспечивать ежедневную прогулку и в дождь."
RU_MARK = "[текст на казахском языке]"


@pytest.fixture
def kazakh_first(
    drafted_visit: Visit,
    leader: User,
    coordinator: User,
    secretariat: User,
    addressee: Addressee,
) -> Recommendation:
    cells = Finding.objects.filter(visit=drafted_visit, good_practice=False).first()
    recommendation = recommendation_record(
        actor=leader,
        visit=drafted_visit,
        text_ru="",
        text_kk=KK,
        addressee=addressee,
        theme="regime",
        level=Recommendation.Level.DEPARTMENT,
        priority="high",
        findings=[cells] if cells else [],
    )
    visit_send(actor=secretariat, visit=approve(drafted_visit, leader, coordinator))
    recommendation.refresh_from_db()
    return recommendation


def _texts(data: object) -> list[dict[str, str]]:
    """Every narrative ({text, lang, note}) in a report's data."""
    if isinstance(data, dict):
        if {"text", "note", "lang"} <= set(data):
            return [data]
        return [t for v in data.values() for t in _texts(v)]
    if isinstance(data, list):
        return [t for v in data for t in _texts(v)]
    return []


def test_the_russian_editions_mark_it_and_the_kazakh_ones_do_not(
    kazakh_first: Recommendation, secretariat: User
) -> None:
    visit = kazakh_first.visit
    for language, marked in (("ru", True), ("kk", False)):
        spec = visit_spec(actor=secretariat, visit=visit, language=language, edition="external")
        shown = [t for t in _texts(report_data(spec)) if t["text"] == KK]
        assert shown and all(bool(t["note"]) is marked for t in shown), language
        assert all(t["lang"] == "kk" for t in shown)
    with translation.override("ru"):
        russian = annual_report_data(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), language="ru")
    shown = [t for t in _texts(russian) if t["text"] == KK]
    assert shown and all(t["note"] == RU_MARK for t in shown)
    assert any(KK[:40] in p for p in russian["untranslated"])
    kazakh = annual_report_data(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), language="kk")
    assert not any(KK[:40] in p for p in kazakh["untranslated"])


def test_the_russian_queue_lists_it_and_its_translation_clears_the_mark(
    kazakh_first: Recommendation,
    secretariat: User,
    english_client_for: Callable[[User], Client],
) -> None:
    client = english_client_for(secretariat)
    queue = reverse("reports:annual_translations", args=[YEAR])
    page = client.get(queue + "?language=ru").content.decode()
    assert KK[:60] in page
    source = f"recommendation:{kazakh_first.pk}:text"
    claim = reverse("reports:annual_translation_claim", args=[YEAR])
    client.post(claim, {"queue": "ru", "source": source, "language": "ru", "action": "claim"})
    saved = client.post(
        reverse("reports:annual_translation_save", args=[YEAR]),
        {"queue": "ru", "source": source, "language": "ru", "text": RU},
        follow=True,
    )
    assert "The translation is saved." in saved.content.decode()
    kazakh_first.refresh_from_db()
    assert (kazakh_first.text_ru, kazakh_first.text_kk) == (RU, KK)
    with translation.override("ru"):
        russian = annual_report_data(start=date(YEAR, 1, 1), end=date(YEAR, 12, 31), language="ru")
    assert not any(KK[:40] in p for p in russian["untranslated"])
    assert any(t["text"] == RU and not t["note"] for t in _texts(russian))


def test_the_annex_keeps_the_kazakh_text_beside_an_empty_russian_cell(
    kazakh_first: Recommendation,
    secretariat: User,
    english_client_for: Callable[[User], Client],
) -> None:
    import io

    response = english_client_for(secretariat).get(
        reverse("reports:annual_recommendations_annex", args=[YEAR]) + "?lang=ru"
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    mine = [r for r in rows if KK in r]
    # The Russian column empty, the Kazakh one holding the text.
    assert len(mine) == 1 and mine[0][11] in (None, "") and mine[0][12] == KK
