"""Standard XLSForms (ODK's and KoboToolbox's shapes) import: top-level questions, ODK's
defaults for title, ID and version, XPath features passed on to ODK clients, language
columns however they are written, attached list files; what Kuzet cannot honour is
refused with its sheet, row and column."""

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.services import instrument_version_import
from kuzet.instruments.tests.odk_corpus import (
    FACILITIES,
    FACILITIES_CSV,
    FAMILY,
    HOUSEHOLD,
    UNSUPPORTED,
)
from kuzet.instruments.validation import validate_response
from kuzet.instruments.xlsform import read_xlsform, write_xlsform
from kuzet.people.models import User

pytestmark = pytest.mark.django_db


def test_top_level_questions_go_into_a_section_titled_as_the_form_named_as_the_file() -> None:
    outcome = instrument_version_import(
        data=HOUSEHOLD, actor=None, filename="Household_Survey.xlsx"
    )
    assert outcome.errors == []
    version = outcome.version
    assert version is not None
    document = version.document
    assert document["code"] == "household_survey"
    assert document["title"] == {"ru": "Household_Survey", "kk": "Household_Survey"}
    [section] = document["sections"]
    assert section["name"] == "survey"
    assert section["label"] == document["title"]
    names = [q["name"] for q in section["items"]]
    # start, end, today, deviceid: ODK's metadata, left out
    assert names == ["respondent", "age", "consent", "thanks", "visit_date", "location", "photo"]
    age = section["items"][1]
    assert age["type"] == "integer" and age["required"] is True
    assert age["constraint_message"]["ru"] == "От 18 до 120 лет"
    # one unmarked label column: the text stands for both languages
    assert section["items"][0]["label"] == {"ru": "Имя респондента", "kk": "Имя респондента"}
    assert section["items"][0]["hint"]["ru"] == "Как к нему обращаться"
    assert [q["type"] for q in section["items"][4:]] == ["date", "geopoint", "photo"]
    # The version defaults to the upload time; the same file again is recognised.
    assert version.label[:2] == "20"
    again = instrument_version_import(data=HOUSEHOLD, actor=None, filename="Household_Survey.xlsx")
    assert again.unchanged and again.version == version


def test_languages_calculation_repeat_count_choice_filter_default_read_only_are_read() -> None:
    result = read_xlsform(FAMILY, filename="family.xlsx")
    assert result.errors == []
    document = result.document
    assert document is not None
    assert document["code"] == "family_interview"
    assert document["title"]["en"] == "Family interview"
    household, rest = document["sections"]
    people, adults_max = household["items"]
    assert people["label"] == {
        "en": "How many people?",
        "ru": "Сколько человек?",
        "kk": "Неше адам?",
    }
    assert people["guidance_hint"] == {"ru": "Считайте детей тоже"}
    assert people["default"] == "1"
    assert adults_max == {"kind": "question", "name": "num_adults_max", "type": "calculate",
                          "label": {}, "calculation": "${num_people} * 2"}  # fmt: skip
    repeat = rest["items"][0]
    assert repeat["kind"] == "repeat" and repeat["repeat_count"] == "${num_people}"
    by_name = {q["name"]: q for q in rest["items"][1:]}
    assert by_name["city"]["choice_filter"] == "region=${region}"
    assert document["choice_lists"]["city"][0]["properties"] == {"region": "almaty"}
    assert by_name["interviewer"]["read_only"] is True
    assert by_name["interviewed_at"]["type"] == "datetime"
    assert [by_name[n]["type"] for n in ("arrival", "voice", "clip", "document")] == [
        "time", "audio", "video", "file",
    ]  # fmt: skip
    # What an ODK client computed or filled is accepted as an answer.
    answers = {"num_people": 2, "num_adults_max": "4", "interviewed_at": "2026-03-01T10:15:00.000+05:00",
               "person": [{"person_name": "А"}, {"person_name": "Б", "weight": 70.5}]}  # fmt: skip
    assert validate_response(document, answers).errors == {}
    bad = validate_response(document, {**answers, "interviewed_at": "вчера"})
    assert "interviewed_at" in bad.errors
    # Exported and imported again: the same document.
    assert read_xlsform(write_xlsform(document)).document == document


def test_a_list_file_attached_to_the_form_becomes_its_choice_list(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    refused = read_xlsform(FACILITIES, filename="f.xlsx")
    assert [(e.sheet, e.row, e.column) for e in refused.errors] == [
        ("survey", 2, "type"), ("survey", 3, "type"),
    ]  # fmt: skip
    assert "facilities.csv" in str(refused.errors[0])
    answer = client_for(secretariat).post(
        reverse("instruments:version_upload"),
        {"file": _named(FACILITIES, "Учреждения.xlsx"), "lists": [_named(FACILITIES_CSV, "facilities.csv")]},
    )  # fmt: skip
    assert answer.status_code == 302
    version = InstrumentVersion.objects.get()
    assert version.instrument.code == "uchrezhdeniya"
    assert version.label == "3"
    document = version.document
    [section] = document["sections"]
    assert [q["type"] for q in section["items"]] == ["select_one", "select_multiple"]
    assert document["choice_lists"]["facilities"] == [
        {"name": "ivs_1", "label": {"ru": "ИВС № 1", "kk": "№ 1 УҰИ"}},
        {"name": "sizo_2", "label": {"ru": "СИЗО № 2", "kk": "№ 2 ТИ"}},
    ]


def test_the_command_reads_list_files(tmp_path: Path) -> None:
    form, listed = tmp_path / "facilities-form.xlsx", tmp_path / "facilities.csv"
    form.write_bytes(FACILITIES)
    listed.write_bytes(FACILITIES_CSV)
    out = io.StringIO()
    call_command("import_xlsform", str(form), "--list-file", str(listed), stdout=out)
    assert "facilities-form: draft version 1 (2 questions)" in out.getvalue()


def test_what_cannot_be_honoured_is_refused_with_sheet_row_and_column() -> None:
    result = read_xlsform(UNSUPPORTED, filename="bad.xlsx")
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [
        ("survey", 2, "parameters"),
        ("survey", 2, "type"),
        ("survey", 3, "constraint"),
        ("survey", 5, "type"),
        ("survey", 8, "type"),
        ("survey", 9, "type"),
    ]
    text = " ".join(str(e) for e in result.errors)
    assert "'range'" in text and "regex" in text and "missing.csv" in text


def _named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer
