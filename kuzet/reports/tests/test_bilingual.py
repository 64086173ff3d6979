"""Findings in Russian and Kazakh side by side, and the Kazakh annual report that either
has every passage in Kazakh or is published with the untranslated ones marked (issue 16)."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from kuzet.people.models import User
from kuzet.recommendations.services import visit_send
from kuzet.reports.models import GeneratedReport
from kuzet.reports.services import (
    Untranslated,
    annual_spec,
    annual_translation_check,
    report_data,
    report_document,
    visit_spec,
)
from kuzet.visits.models import Visit
from kuzet.visits.services.findings import finding_record

pytestmark = pytest.mark.django_db
KK_TITLE = "Серуендеу ауласында шатыр жоқ"
KK_TEXT = "Серуендеу ауласының үстінде шатыр жоқ, жаңбырда ұсталғандар серуенге шығарылмайды; журналда соңғы айда он екі серуен өткізілмеген."
RU_MARK, KK_MARK = "[текст на казахском языке]", "[мәтін орыс тілінде]"


def test_a_finding_may_be_written_in_kazakh_first_but_needs_one_language(
    drafted_visit: Visit, leader: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        finding_record(
            actor=leader,
            visit=drafted_visit,
            theme="regime",
            title=" ",
            description="",
            sources=["observation"],
            severity="medium",
            no_recommendation_reason="Будет рассмотрено",
        )
    assert {"title", "description"} <= set(refused.value.message_dict)
    finding = finding_record(
        actor=leader,
        visit=drafted_visit,
        theme="regime",
        title="",
        description="",
        title_kk=KK_TITLE,
        description_kk=KK_TEXT,
        sources=["observation"],
        severity="medium",
        no_recommendation_reason="Будет рассмотрено",
    )
    assert (finding.title, finding.title_kk) == ("", KK_TITLE)
    for language, marked in (("kk", False), ("ru", True)):
        spec = visit_spec(actor=leader, visit=drafted_visit, language=language, edition="external")
        with translation.override(language):
            data = report_data(spec)
        shown = _find(data, finding.pk)
        assert shown["title"]["text"] == KK_TITLE and shown["description"]["text"] == KK_TEXT
        assert bool(shown["title"]["note"]) is marked


def _find(data: object, pk: int) -> dict[str, Any]:
    """The finding ``pk`` wherever the visit report's data holds it."""
    if isinstance(data, dict):
        if data.get("id") == pk and "title" in data:
            return data
        values = list(data.values())
    elif isinstance(data, list):
        values = data
    else:
        return {}
    for value in values:
        found = _find(value, pk)
        if found:
            return found
    return {}


def test_the_kazakh_annual_report_is_refused_with_the_list_unless_marked(
    approved_visit: Visit,
    secretariat: User,
    english_client_for: Callable[[User], Client],
) -> None:
    visit_send(actor=secretariat, visit=approved_visit)
    client = english_client_for(secretariat)
    refused = client.post(
        "/reports/annual/generate/", {"year": "2026", "lang": "kk", "format": "docx"}
    )
    page = refused.content.decode()
    # The recommendation written only in Russian is listed as missing.
    assert refused.status_code == 400 and "not yet in Kazakh" in page
    assert "Оборудовать окна и вентиляцию в женской камере" in page
    assert not GeneratedReport.objects.exists()
    posted = client.post(
        "/reports/annual/generate/",
        {"year": "2026", "lang": "kk", "format": "docx", "untranslated": "marked"},
    )
    assert posted.status_code == 302
    report = GeneratedReport.objects.get()
    assert report.untranslated_marked and report.status == GeneratedReport.Status.DONE
    spec = annual_spec(
        actor=secretariat,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        language="kk",
        marked=True,
    )
    document = report_document(spec)
    first = document["blocks"][0]
    assert first["type"] == "para" and KK_MARK in first["text"]
    # Unmarked, the service refuses too (a worker never builds it).
    unmarked = annual_spec(
        actor=secretariat, start=date(2026, 1, 1), end=date(2026, 12, 31), language="kk"
    )
    with pytest.raises(Untranslated) as missing:
        annual_translation_check(unmarked, report_data(unmarked))
    assert any("Оборудовать окна" in p for p in missing.value.passages)
    # The Russian one the same way: the finding written only in Kazakh lacks its Russian.
    russian = annual_spec(
        actor=secretariat, start=date(2026, 1, 1), end=date(2026, 12, 31), language="ru"
    )
    with translation.override("en"), pytest.raises(Untranslated) as missing:
        annual_translation_check(russian, report_data(russian))
    assert "not yet in Russian" in str(missing.value.messages[0])
    assert any("Әйелдер камерасында терезе жоқ" in p for p in missing.value.passages)
    marked_ru = annual_spec(
        actor=secretariat,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        language="ru",
        marked=True,
    )
    with translation.override("ru"):
        first = report_document(marked_ru)["blocks"][0]
    assert first["type"] == "para" and RU_MARK in first["text"]
    assert "на русский" in first["text"]
