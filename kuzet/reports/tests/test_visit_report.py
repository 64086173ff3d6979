"""The visit report: editions, languages, PDF and DOCX, the page, who may have it."""

import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone, translation
from docx import Document

from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.reports.models import GeneratedReport
from kuzet.reports.render import render
from kuzet.reports.services import report_document, visit_spec
from kuzet.visits.models import Visit

from .conftest import (
    CELL,
    CONSENTED_QUOTE,
    FULL_NAME,
    KAZAKH_FINDING,
    KAZAKH_LETTERS,
    SECRET_QUOTE,
)
from .helpers import docx_text, pdf_fonts, pdf_text, squash

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def made(visit: Visit, actor: User, language: str, edition: str, fmt: str) -> bytes:
    spec = visit_spec(actor=actor, visit=visit, language=language, edition=edition)
    return render(report_document(spec), fmt)


def text_of(content: bytes, fmt: str) -> str:
    return pdf_text(content) if fmt == "pdf" else docx_text(content)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_external_edition_names_no_one_and_quotes_only_with_consent(
    approved_visit: Visit, leader: User, language: str, fmt: str
) -> None:
    external = squash(text_of(made(approved_visit, leader, language, "external", fmt), fmt))
    for secret in (FULL_NAME, CELL, SECRET_QUOTE, "A-01", "B-02", "1990-04-02"):
        assert squash(secret) not in external
    # What the report is for is still there: the findings, the consented quote, the
    # recommendations with their addressee.
    assert squash("Журнал применения силы не ведётся") in external
    assert squash(CONSENTED_QUOTE) in external
    assert (
        squash("Ішкі істер министрлігінің") in external
        or squash("Органы внутренних дел") in external
    )

    internal = squash(text_of(made(approved_visit, leader, language, "internal", fmt), fmt))
    for known in (FULL_NAME, CELL, SECRET_QUOTE, "A-01"):
        assert squash(known) in internal


def test_a_kazakh_pdf_embeds_a_font_with_every_kazakh_letter(
    approved_visit: Visit, leader: User
) -> None:
    content = made(approved_visit, leader, "kk", "external", "pdf")
    text = pdf_text(content)
    for letter in KAZAKH_LETTERS:
        assert letter in text, letter
    assert squash(KAZAKH_FINDING) in squash(text)
    assert any(name.startswith("DejaVu") for name in pdf_fonts(content)), pdf_fonts(content)


def test_the_kazakh_edition_uses_the_kazakh_text_and_marks_russian_narrative(
    approved_visit: Visit, leader: User
) -> None:
    with translation.override("kk"):
        russian_mark = translation.gettext("[text in Russian]")
    with translation.override("ru"):
        kazakh_mark = translation.gettext("[text in Kazakh]")
    kk = docx_text(made(approved_visit, leader, "kk", "external", "docx"))
    # The recommendation written in both languages is given in Kazakh, unmarked…
    assert "Күш қолдану журналын жүргізуді бастап" in kk
    assert "Начать вести журнал применения силы" not in kk
    # …one written only in Russian is given in Russian, marked.
    assert (
        f"Оборудовать окна и вентиляцию в женской камере до начала отопительного сезона. {russian_mark}"
        in kk
    )
    ru = docx_text(made(approved_visit, leader, "ru", "external", "docx"))
    assert "Начать вести журнал применения силы" in ru
    assert f"{KAZAKH_FINDING} {kazakh_mark}" in ru.replace("\n", " ") or kazakh_mark in ru


def test_the_docx_is_a_word_document_with_headings_and_tables(
    approved_visit: Visit, leader: User
) -> None:
    doc = Document(io.BytesIO(made(approved_visit, leader, "ru", "internal", "docx")))
    headings = [
        p.text for p in doc.paragraphs if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert (
        len([p for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"])
        >= 10
    )
    assert any("Журнал применения силы не ведётся" in h for h in headings)
    assert len(doc.tables) >= 5
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "01.03.2027" in cells  # the deadline of a recommendation
    assert any("Начать вести журнал применения силы" in c for c in cells)


def test_a_draft_carries_the_draft_mark_and_an_approved_report_does_not(
    drafted_visit: Visit, leader: User, coordinator: User
) -> None:
    with translation.override("ru"):
        draft = translation.gettext("DRAFT")
    assert draft in pdf_text(made(drafted_visit, leader, "ru", "external", "pdf"))
    header = Document(io.BytesIO(made(drafted_visit, leader, "ru", "external", "docx")))
    assert draft in header.sections[0].header.paragraphs[0].text

    from .conftest import approve

    approved = approve(drafted_visit, leader, coordinator)
    assert draft not in pdf_text(made(approved, leader, "ru", "external", "pdf"))


def test_the_report_page_shows_the_edition_the_user_may_see(
    approved_visit: Visit,
    leader: User,
    coordinator: User,
    english_client_for: Callable[[User], Client],
    make_user: Callable[..., User],
) -> None:
    url = f"/reports/visit/{approved_visit.pk}/"
    page = english_client_for(leader).get(url + "?lang=kk&edition=external")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Әйелдер камерасында терезе жоқ" in html and FULL_NAME not in html
    assert 'lang="ru"' in html  # Russian narrative in the Kazakh edition is marked up as such
    internal = english_client_for(leader).get(url + "?lang=ru&edition=internal").content.decode()
    assert FULL_NAME in internal

    # The region's coordinator reviews the visit but is not on its team: external only.
    coordinator_client = english_client_for(coordinator)
    assert coordinator_client.get(url + "?edition=external").status_code == 200
    assert FULL_NAME not in coordinator_client.get(url).content.decode()
    assert coordinator_client.get(url + "?edition=internal").status_code == 403
    assert AuditEvent.objects.filter(
        action="access_denied",
        object_id=str(approved_visit.pk),
        actor_username=coordinator.username,
    ).exists()

    stranger = make_user(Role.PARTICIPANT, username="stranger")
    assert english_client_for(stranger).get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action="access_denied", object_id=str(approved_visit.pk), actor_username="stranger"
    ).exists()
    # As elsewhere, a visit that does not exist is not told apart from one the user may not see.
    assert english_client_for(leader).get("/reports/visit/999999/").status_code == 404
    assert not AuditEvent.objects.filter(object_id="999999").exists()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lang=en", "Unknown language “en”: use ru or kk."),
        ("edition=public", "Unknown edition “public”: use internal or external."),
    ],
)
def test_bad_options_get_a_clear_message(
    approved_visit: Visit,
    leader: User,
    english_client_for: Callable[[User], Client],
    query: str,
    message: str,
) -> None:
    page = english_client_for(leader).get(f"/reports/visit/{approved_visit.pk}/?{query}")
    assert page.status_code == 400
    assert message in page.content.decode()
    posted = english_client_for(leader).post(
        f"/reports/visit/{approved_visit.pk}/generate/", {"lang": "ru", "format": "odt"}
    )
    assert posted.status_code == 400
    assert "Unknown format “odt”: use pdf or docx." in posted.content.decode()
    assert GeneratedReport.objects.count() == 0


def test_a_generated_report_is_stored_with_the_hash_of_its_data(
    approved_visit: Visit, leader: User, english_client_for: Callable[[User], Client]
) -> None:
    client = english_client_for(leader)
    url = f"/reports/visit/{approved_visit.pk}/generate/"
    posted = client.post(url, {"lang": "kk", "edition": "external", "format": "pdf"})
    assert posted.status_code == 302
    report = GeneratedReport.objects.get()
    assert posted["Location"] == f"/reports/generated/{report.uuid}/"
    assert report.status == "done" and report.progress == 100
    assert report.requested_by == leader and report.visit == approved_visit
    assert (report.language, report.edition, report.format) == ("kk", "external", "pdf")
    assert len(report.data_sha256) == 64 and report.duration_seconds is not None
    page = client.get(posted["Location"])
    assert report.data_sha256 in page.content.decode()
    assert "Refresh" not in page  # finished: the page no longer reloads itself
    download = client.get(f"/reports/generated/{report.uuid}/download/")
    content = b"".join(download.streaming_content)  # type: ignore[union-attr]
    assert content.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(content).hexdigest() == report.file_sha256

    # Built again from unchanged data: the same data hash, so the two can be compared.
    client.post(url, {"lang": "kk", "edition": "external", "format": "pdf"})
    first, second = GeneratedReport.objects.order_by("pk")
    assert first.data_sha256 == second.data_sha256
    assert (
        "1 earlier report was built from the same data"
        in client.get(f"/reports/generated/{second.uuid}/").content.decode()
    )
    # Another language is other data.
    client.post(url, {"lang": "ru", "edition": "external", "format": "docx"})
    assert GeneratedReport.objects.order_by("pk").last().data_sha256 != first.data_sha256  # type: ignore[union-attr]


def test_an_internal_report_is_downloaded_only_by_who_may_see_identities(
    approved_visit: Visit,
    leader: User,
    coordinator: User,
    english_client_for: Callable[[User], Client],
) -> None:
    english_client_for(leader).post(
        f"/reports/visit/{approved_visit.pk}/generate/",
        {"lang": "ru", "edition": "internal", "format": "docx"},
    )
    report = GeneratedReport.objects.get()
    assert (
        english_client_for(coordinator)
        .get(f"/reports/generated/{report.uuid}/download/")
        .status_code
        == 404
    )
    assert AuditEvent.objects.filter(
        action="access_denied", object_type="reports.generatedreport", object_id=str(report.pk)
    ).exists()
    assert (
        english_client_for(leader).get(f"/reports/generated/{report.uuid}/download/").status_code
        == 200
    )
    assert AuditEvent.objects.filter(
        object_type="reports.export", object_id=f"report:{report.pk}"
    ).exists()


def test_a_generated_internal_report_is_encrypted_at_rest_and_owner_only(
    approved_visit: Visit, leader: User, english_client_for: Callable[[User], Client]
) -> None:
    import os
    import stat
    import zipfile

    client = english_client_for(leader)
    url = f"/reports/visit/{approved_visit.pk}/generate/"
    client.post(url, {"lang": "ru", "edition": "internal", "format": "docx"})
    report = GeneratedReport.objects.get()
    assert report.status == "done"
    with report.file.open("rb") as stored:
        raw = stored.read()
    assert b"PK" not in raw[:4] and FULL_NAME.encode() not in raw
    assert stat.S_IMODE(os.stat(report.file.path).st_mode) == 0o600
    download = client.get(f"/reports/generated/{report.uuid}/download/")
    content = b"".join(download.streaming_content)  # type: ignore[union-attr]
    assert zipfile.is_zipfile(io.BytesIO(content))
    assert FULL_NAME in docx_text(content)


def test_rotating_field_keys_re_encrypts_stored_reports(
    approved_visit: Visit, leader: User, english_client_for: Callable[[User], Client]
) -> None:
    import base64
    import hashlib
    import os
    import stat

    from cryptography.fernet import Fernet
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    from kuzet.core import crypto

    # The visit was recorded under the key derived from the secret key (no KUZET_FIELD_KEYS).
    seed = b"kuzet-field-encryption:" + settings.SECRET_KEY.encode()
    old_key = base64.urlsafe_b64encode(hashlib.sha256(seed).digest()).decode()
    new_key = Fernet.generate_key().decode()
    client = english_client_for(leader)
    try:
        url = f"/reports/visit/{approved_visit.pk}/generate/"
        client.post(url, {"lang": "ru", "edition": "internal", "format": "docx"})
        report = GeneratedReport.objects.get()
        with report.file.open("rb") as stored:
            before = stored.read()
        with override_settings(FIELD_KEYS=[new_key, old_key]):
            crypto.reset_keys()
            out = io.StringIO()
            call_command("rotate_field_keys", stdout=out)
            assert "1 stored file(s)" in out.getvalue()
        with override_settings(FIELD_KEYS=[new_key]):
            crypto.reset_keys()
            with report.file.open("rb") as stored:
                after = stored.read()
            assert after != before
            assert stat.S_IMODE(os.stat(report.file.path).st_mode) == 0o600
            download = client.get(f"/reports/generated/{report.uuid}/download/")
            content = b"".join(download.streaming_content)  # type: ignore[union-attr]
            assert FULL_NAME in docx_text(content)  # the old key is gone: the new one opens it
    finally:
        crypto.reset_keys()


def test_the_visit_date_is_the_day_of_entry_severity_agrees_and_recommendations_are_numbered(
    approved_visit: Visit, leader: User
) -> None:
    """Issue 16: the team entered on another day than planned; «серьёзность: высокая»;
    a finding names the numbers of its recommendations, not their count."""
    entered = timezone.localtime(approved_visit.started_at).date()
    assert entered != approved_visit.planned_date  # the fixture's plan was two days earlier
    spec = visit_spec(actor=leader, visit=approved_visit, language="ru", edition="external")
    with translation.override("ru"):
        document = report_document(spec)
    facts = {
        label: value
        for block in document["blocks"]
        if block["type"] == "facts"
        for label, value in block["rows"]
    }
    assert facts["Дата"] == f"{entered:%d.%m.%Y}"
    assert facts["Планируемая дата"] == f"{approved_visit.planned_date:%d.%m.%Y}"
    headings = [b["text"] for b in document["blocks"] if b["type"] == "heading"]
    assert any("серьёзность: высокая" in h for h in headings), headings
    assert not any("серьёзность: высокий" in h or "серьёзность: средний" in h for h in headings)
    items = [i for b in document["blocks"] if b["type"] == "list" for i in b["items"]]
    assert "Рекомендации № 1" in items
