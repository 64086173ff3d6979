"""manage.py visit_report and annual_report: files written, one-line errors on bad input."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kuzet.people.models import User
from kuzet.reports.models import GeneratedReport
from kuzet.visits.models import Visit

from .conftest import FULL_NAME, KAZAKH_LETTERS
from .helpers import docx_text, pdf_text

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_visit_report_writes_the_file_and_stores_the_report(
    approved_visit: Visit, tmp_path: Path
) -> None:
    out = tmp_path / "visit.pdf"
    call_command(
        "visit_report", str(approved_visit.pk), "--lang", "kk", "--edition", "external",
        "--format", "pdf", "--out", str(out),
    )  # fmt: skip
    text = pdf_text(out.read_bytes())
    assert all(letter in text for letter in KAZAKH_LETTERS)
    assert FULL_NAME not in text
    report = GeneratedReport.objects.get()
    assert report.status == "done" and report.requested_by is None
    out = tmp_path / "visit.docx"
    call_command(
        "visit_report", str(approved_visit.pk), "--lang", "ru", "--edition", "internal",
        "--format", "docx", "--out", str(out),
    )  # fmt: skip
    assert FULL_NAME in docx_text(out.read_bytes())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["999999"], "no visit number 999999"),
        (["abc"], "the visit is given by its number, not 'abc'"),
        (["{pk}", "--lang", "en"], "Unknown language “en”: use ru or kk."),
        (["{pk}", "--edition", "public"], "Unknown edition “public”: use internal or external."),
        (["{pk}", "--format", "odt"], "Unknown format “odt”: use pdf or docx."),
    ],
)
def test_visit_report_refuses_bad_input_in_one_line(
    approved_visit: Visit, tmp_path: Path, arguments: list[str], message: str
) -> None:
    options = {"--lang": "ru", "--edition": "external", "--format": "pdf"}
    given = [a.format(pk=approved_visit.pk) for a in arguments]
    for name, value in options.items():
        if name not in given:
            given += [name, value]
    with pytest.raises(CommandError) as refused:
        call_command("visit_report", *given, "--out", str(tmp_path / "x"))
    assert str(refused.value) == message and "\n" not in str(refused.value)
    assert not (tmp_path / "x").exists()


def test_annual_report_writes_an_empty_year_and_refuses_a_bad_one(tmp_path: Path) -> None:
    out = tmp_path / "2031.docx"
    call_command(
        "annual_report", "--year", "2031", "--lang", "ru", "--format", "docx", "--out", str(out)
    )
    assert "2031" in docx_text(out.read_bytes())
    with pytest.raises(
        CommandError, match="the year is four digits between 2000 and 2100, not '31'"
    ):
        call_command(
            "annual_report", "--year", "31", "--lang", "ru", "--format", "pdf", "--out", str(out)
        )
    with pytest.raises(CommandError, match="Unknown language"):
        call_command(
            "annual_report", "--year", "2026", "--lang", "de", "--format", "pdf", "--out", str(out)
        )


def test_expire_reports_removes_old_files_and_the_download_says_so(
    approved_visit: Visit, leader: User, english_client_for: Callable[[User], Client]
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    client = english_client_for(leader)
    url = f"/reports/visit/{approved_visit.pk}/generate/"
    client.post(url, {"lang": "ru", "edition": "external", "format": "docx"})
    client.post(url, {"lang": "kk", "edition": "external", "format": "docx"})
    old, recent = GeneratedReport.objects.order_by("pk")
    path = Path(old.file.path)
    GeneratedReport.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - timedelta(days=31)
    )
    call_command("expire_reports")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and not path.exists() and recent.file
    answer = client.get(f"/reports/generated/{old.uuid}/download/")
    assert answer.status_code == 410
    assert "This report expired" in answer.content.decode()
    assert client.get(f"/reports/generated/{recent.uuid}/download/").status_code == 200
