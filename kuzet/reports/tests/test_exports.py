"""Exports: CSV and XLSX tables filtered like their lists, anonymised; the media ZIP."""

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.instruments.models import InstrumentVersion
from kuzet.people.models import User
from kuzet.visits.models import CustodyEvent, MediaEvidence, Visit
from kuzet.visits.services.media import media_add

from .conftest import CELL, FULL_NAME, SECRET_QUOTE

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"photo of the cell" * 40


def csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def xlsx_rows(response: Any) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_visits_are_exported_as_the_list_shows_them(
    approved_visit: Visit,
    leader: User,
    english_client_for: Callable[[User], Client],
    make_user: Callable[..., User],
) -> None:
    client = english_client_for(leader)
    rows = csv_rows(client.get("/reports/export/visits.csv?lang=ru"))
    assert len(rows[0]) == 14
    ids = {row[0] for row in rows[1:]}
    assert str(approved_visit.pk) in ids and len(ids) == 2  # and the earlier visit
    approved = csv_rows(client.get("/reports/export/visits.csv?status=approved"))
    assert [row[0] for row in approved[1:]] == [str(approved_visit.pk)]
    assert approved[1][2] == "ИВС Алмалинского района"
    stranger = make_user(Role.PARTICIPANT, username="stranger")
    assert len(xlsx_rows(english_client_for(stranger).get("/reports/export/visits.xlsx"))) == 1
    event = (
        AuditEvent.objects.filter(object_type="reports.export", object_id="visits.csv")
        .order_by("id")
        .last()
    )
    assert event is not None and event.actor_username == leader.username
    assert event.values["filters"][1] == '{"status": "approved"}'
    assert event.values["rows"][1] == "1"


def test_allegations_are_exported_by_code_without_identities_or_circumstances(
    approved_visit: Visit, leader: User, english_client_for: Callable[[User], Client]
) -> None:
    for fmt in ("csv", "xlsx"):
        response = english_client_for(leader).get(f"/reports/export/allegations.{fmt}?lang=kk")
        assert response.status_code == 200
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        flat = " ".join(str(c) for row in rows for c in row)
        assert {row[3] for row in rows[1:]} == {"A-01", "B-02"}
        for secret in (FULL_NAME, CELL, SECRET_QUOTE, "Коридор у душевой"):
            assert secret not in flat
        assert AuditEvent.objects.filter(object_id=f"allegations.{fmt}").exists()


def test_findings_and_recommendations_follow_their_list_filters(
    approved_visit: Visit, leader: User, english_client_for: Callable[[User], Client]
) -> None:
    client = english_client_for(leader)
    findings = xlsx_rows(client.get(f"/reports/export/findings.xlsx?visit={approved_visit.pk}"))
    assert len(findings) == 5
    assert {row[4] for row in findings[1:]} >= {"Журнал применения силы не ведётся"}
    everything = csv_rows(client.get("/reports/export/recommendations.csv?lang=ru"))
    assert len(everything) == 4  # header, two on the visit, one on the earlier visit
    issued = csv_rows(client.get("/reports/export/recommendations.csv?status=implemented"))
    assert len(issued) == 1


def test_responses_have_a_column_per_question_labelled_in_the_chosen_language(
    approved_visit: Visit,
    leader: User,
    checklist: InstrumentVersion,
    english_client_for: Callable[[User], Client],
) -> None:
    response = english_client_for(leader).get(
        f"/reports/export/responses.xlsx?version={checklist.pk}&lang=kk"
    )
    rows = xlsx_rows(response)
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    column = header.index("Күш қолдану журналы жүргізіледі")
    assert row[column] == "Сәйкес келмейді"
    assert row[header.index("Қазір ұсталуда")] == 4
    ru = xlsx_rows(
        english_client_for(leader).get(
            f"/reports/export/responses.xlsx?version={checklist.pk}&lang=ru"
        )
    )
    assert ru[1][ru[0].index("Ведётся журнал применения силы")] == "Не соответствует"


def test_interview_questionnaires_are_exported_only_to_who_may_see_identities(
    drafted_visit: Visit,
    leader: User,
    coordinator: User,
    secretariat: User,
    english_client_for: Callable[[User], Client],
) -> None:
    from kuzet.instruments.services import instrument_version_import, instrument_version_publish
    from kuzet.instruments.tests.xlsforms import xlsform
    from kuzet.visits.services.responses import response_start

    outcome = instrument_version_import(
        data=xlsform(settings={"form_id": "test-interview", "kuzet_kind": "interview"}),
        actor=secretariat,
    )
    assert outcome.version is not None
    questionnaire = instrument_version_publish(version=outcome.version, actor=secretariat)
    interview = drafted_visit.interviews.get(person__code="A-01")
    response_start(actor=leader, visit=drafted_visit, version=questionnaire, interview=interview)
    url = f"/reports/export/responses.csv?version={questionnaire.pk}"
    team = csv_rows(english_client_for(leader).get(url))
    assert len(team) == 2 and team[1][4] == "A-01"
    assert len(csv_rows(english_client_for(coordinator).get(url))) == 1


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/reports/export/people.csv", "Unknown export “people”"),
        ("/reports/export/visits.pdf", "Unknown format “pdf”: use csv or xlsx."),
        ("/reports/export/visits.csv?lang=en", "Unknown language “en”"),
        ("/reports/export/responses.csv?version=x", "Choose a published version"),
    ],
)
def test_bad_export_requests_get_a_clear_message(
    leader: User, english_client_for: Callable[[User], Client], path: str, message: str
) -> None:
    response = english_client_for(leader).get(path)
    assert response.status_code == 400 and message in response.content.decode()


def test_the_media_zip_has_a_manifest_of_hashes_and_custody_events(
    drafted_visit: Visit,
    leader: User,
    coordinator: User,
    english_client_for: Callable[[User], Client],
    make_user: Callable[..., User],
) -> None:
    finding = drafted_visit.findings.get(theme="safeguards")
    interview = drafted_visit.interviews.get(person__code="A-01")
    of_finding = media_add(
        actor=leader,
        visit=drafted_visit,
        upload=SimpleUploadedFile("cell 7.jpg", JPEG),
        finding=finding,
    )
    of_person = media_add(
        actor=leader,
        visit=drafted_visit,
        upload=SimpleUploadedFile(f"{FULL_NAME}.jpg", JPEG + b"face"),
        interview=interview,
    )

    def archive(user: User) -> zipfile.ZipFile:
        response = english_client_for(user).get(f"/reports/visit/{drafted_visit.pk}/media.zip")
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]

    team_zip = archive(leader)
    names = set(team_zip.namelist())
    assert names == {
        f"photo-{of_finding.uuid}.jpg",
        f"photo-{of_person.uuid}.jpg",
        "manifest.csv",
        "SHA256SUMS",
    }
    assert not any(FULL_NAME in n for n in names)
    sums = dict(
        reversed(line.split("  ")) for line in team_zip.read("SHA256SUMS").decode().splitlines()
    )
    for item in (of_finding, of_person):
        name = f"photo-{item.uuid}.jpg"
        assert hashlib.sha256(team_zip.read(name)).hexdigest() == item.sha256 == sums[name]
    manifest = list(csv.DictReader(io.StringIO(team_zip.read("manifest.csv").decode())))
    assert {row["verified"] for row in manifest} == {"yes"}
    assert CustodyEvent.objects.filter(kind="exported", actor=leader).count() == 2

    # The coordinator is not on the team: no evidence linked to an interview.
    assert set(archive(coordinator).namelist()) == {
        f"photo-{of_finding.uuid}.jpg",
        "manifest.csv",
        "SHA256SUMS",
    }
    assert not CustodyEvent.objects.filter(media=of_person, actor=coordinator).exists()
    assert (
        AuditEvent.objects.filter(
            object_type="reports.export", object_id=f"media.zip:{drafted_visit.pk}"
        ).count()
        == 2
    )
    stranger = make_user(Role.PARTICIPANT, username="stranger")
    assert (
        english_client_for(stranger).get(f"/reports/visit/{drafted_visit.pk}/media.zip").status_code
        == 404
    )
    assert MediaEvidence.objects.count() == 2
