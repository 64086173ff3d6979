"""The annual report's editorial workspace (issue 16): sanitised narrative, two editors on
one section, the status of sections, the Council's approval, publishing that freezes the
content with its SHA-256 and builds the files from it."""

import hashlib
import io
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from docx import Document

from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.recommendations.services import visit_send
from kuzet.reports.editorial import (
    EditConflict,
    annual_edition_open,
    edition_approve,
    section_save,
    section_set_status,
)
from kuzet.reports.models import AnnualEdition, AnnualSection, GeneratedReport
from kuzet.reports.services import Untranslated, report_content
from kuzet.reports.tasks import annual_edition_publish
from kuzet.reports.text import canonical_json
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db
ATTACK = (
    "Итоги года.<script>alert('x')</script> Проверено <b>38</b> учреждений "
    '<img src=x onerror="alert(1)">и &lt;script&gt;alert(2)&lt;/script&gt; всё.'
)


@pytest.fixture
def council(make_user: Callable[..., User]) -> User:
    return make_user(Role.COUNCIL, username="council")


def test_narrative_is_sanitised_and_a_second_editor_gets_a_conflict(
    secretariat: User, council: User
) -> None:
    edition = annual_edition_open(actor=secretariat, year=2026)
    foreword = edition.sections.get(key="foreword")
    saved = section_save(actor=secretariat, section=foreword, text_ru=ATTACK, text_kk="", version=0)
    for bad in ("<", ">", "script", "onerror", "alert"):
        assert bad not in saved.text_ru, bad
    assert saved.text_ru.startswith("Итоги года.") and "Проверено 38 учреждений" in saved.text_ru
    # The Council member opened version 0 too, and saves after the secretariat: refused.
    with pytest.raises(EditConflict) as conflict:
        section_save(actor=council, section=foreword, text_ru="Текст Совета", text_kk="", version=0)
    assert conflict.value.mine["text_ru"] == "Текст Совета"  # handed back, not lost
    assert conflict.value.current.text_ru == saved.text_ru
    foreword.refresh_from_db()
    assert foreword.version == 1 and foreword.text_ru == saved.text_ru
    again = section_save(
        actor=council, section=foreword, text_ru="Текст Совета", text_kk="", version=1
    )
    assert again.version == 2


def test_publishing_is_refused_until_every_section_and_the_whole_are_approved(
    approved_visit: Visit, secretariat: User, council: User, leader: User
) -> None:
    visit_send(actor=secretariat, visit=approved_visit)
    with pytest.raises(PermissionDenied):
        annual_edition_open(actor=leader, year=2026)
    edition = annual_edition_open(actor=secretariat, year=2026)
    sections = list(edition.sections.order_by("position"))
    assert [s.key for s in sections[:3]] == ["foreword", "figures", "methodology"]
    assert any(s.key == "chapter:mia-police" for s in sections)
    with pytest.raises(ValidationError) as refused:
        annual_edition_publish(actor=secretariat, edition=edition)
    assert "Foreword" in str(refused.value) and "Conclusions" in str(refused.value)
    # The secretariat may not approve; the Council approves ready sections only.
    with pytest.raises(PermissionDenied):
        section_set_status(actor=secretariat, section=sections[0], status="approved")
    with pytest.raises(ValidationError):
        section_set_status(actor=council, section=sections[0], status="approved")
    conclusions = edition.sections.get(key="conclusions")
    section_save(
        actor=secretariat,
        section=conclusions,
        text_ru="Совет считает главной проблемой года журналы применения силы.\n\n- Вести журналы\n- Проверять их",
        text_kk="Кеңес жылдың басты мәселесі күш қолдану журналдары деп санайды.\n\n- Журналдарды жүргізу\n- Оларды тексеру",
        version=0,
    )
    foreword = edition.sections.get(key="foreword")
    section_save(
        actor=secretariat,
        section=foreword,
        text_ru="Предисловие только на русском.",
        text_kk="",
        version=0,
    )
    for section in edition.sections.all():
        section_set_status(actor=secretariat, section=section, status="ready")
    last = edition.sections.order_by("position").last()
    with pytest.raises(ValidationError) as refused:
        edition_approve(actor=council, edition=edition)
    for section in edition.sections.all():
        section_set_status(actor=council, section=section, status="approved")
    edition = edition_approve(actor=council, edition=edition)
    assert edition.status == AnnualEdition.Status.APPROVED and last is not None
    # The Kazakh edition lacks translations (a recommendation): refused with the list.
    with pytest.raises(Untranslated) as missing:
        annual_edition_publish(actor=secretariat, edition=edition)
    assert any("Оборудовать окна" in p for p in missing.value.passages)
    assert AnnualEdition.objects.get(pk=edition.pk).status == AnnualEdition.Status.APPROVED
    files = annual_edition_publish(actor=secretariat, edition=edition, marked=True)
    edition.refresh_from_db()
    assert edition.status == AnnualEdition.Status.PUBLISHED
    assert edition.content_sha256 == hashlib.sha256(canonical_json(edition.content)).hexdigest()
    assert len(files) == 4 and all(f.status == GeneratedReport.Status.DONE for f in files)
    docx = next(f for f in files if f.language == "kk" and f.format == "docx")
    doc = Document(io.BytesIO(report_content(docx)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Кеңес жылдың басты мәселесі" in text and "Журналдарды жүргізу" in text
    assert "[мәтін орыс тілінде]" in text and "[текст на русском языке]" not in text
    # Published: never changes; a correction opens a new edition.
    with pytest.raises(ValidationError):
        section_save(actor=secretariat, section=conclusions, text_ru="Иначе", text_kk="", version=1)
    assert annual_edition_open(actor=secretariat, year=2026).number == 2
    assert AnnualSection.objects.filter(edition=edition, key="conclusions").get().version == 1


def test_two_editors_on_the_web_the_second_gets_a_conflict_and_keeps_their_text(
    secretariat: User,
    council: User,
    english_client_for: Callable[[User], Client],
) -> None:
    first, second = english_client_for(secretariat), english_client_for(council)
    assert first.post("/reports/annual/2026/workspace/open/").status_code == 302
    section = AnnualSection.objects.get(key="methodology")
    page = first.get("/reports/annual/2026/workspace/")
    assert page.status_code == 200 and 'name="version" value="0"' in page.content.decode()
    saved = first.post(
        f"/reports/annual/section/{section.pk}/save/",
        {"version": "0", "text_ru": "Методика <script>x()</script>года", "text_kk": "Әдістеме"},
    )
    assert saved.status_code == 302
    late = second.post(
        f"/reports/annual/section/{section.pk}/save/",
        {"version": "0", "text_ru": "Моя версия методики", "text_kk": ""},
    )
    body = late.content.decode()
    assert late.status_code == 409 and "Моя версия методики" in body and "Методика года" in body
    section.refresh_from_db()
    assert section.text_ru == "Методика года" and section.version == 1
    assert "<script>" not in body.replace("&lt;script&gt;", "")
