"""Limits on XLSForm uploads, and texts a spreadsheet would run as formulas in the export."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import load_workbook
from pyxform import xls2json_backends

from kuzet.core.tests.workbooks import many_rows, zip_bomb
from kuzet.instruments import xlsform
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.tests.xlsforms import xlsform as build_xlsform
from kuzet.instruments.xlsform import read_xlsform, write_xlsform
from kuzet.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which parsers were asked to read a workbook."""
    calls: list[str] = []
    real_pyxform, real_openpyxl = xls2json_backends.xlsx_to_dict, xlsform.load_workbook

    def pyxform_reading(*args: Any, **kwargs: Any) -> Any:
        calls.append("pyxform")
        return real_pyxform(*args, **kwargs)

    def openpyxl_reading(*args: Any, **kwargs: Any) -> Any:
        calls.append("openpyxl")
        return real_openpyxl(*args, **kwargs)

    monkeypatch.setattr(xls2json_backends, "xlsx_to_dict", pyxform_reading)
    monkeypatch.setattr(xlsform, "load_workbook", openpyxl_reading)
    return calls


def upload(client: Client, data: bytes) -> Any:
    file = io.BytesIO(data)
    file.name = "form.xlsx"
    return client.post("/instruments/upload/", {"file": file}, HTTP_ACCEPT_LANGUAGE="en")


def test_a_zip_bomb_is_refused_before_any_parser_reads_it(
    secretariat: User, client_for: Callable[[User], Client], parsed: list[str]
) -> None:
    response = upload(client_for(secretariat), zip_bomb("survey"))
    assert response.status_code == 422
    assert b"the workbook unpacks to 200 MB; at most 20 MB are accepted" in response.content
    assert parsed == [] and not InstrumentVersion.objects.exists()


def test_the_command_refuses_a_zip_bomb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb("survey"))
    with pytest.raises(CommandError):
        call_command("import_xlsform", str(path))
    assert "bomb.xlsx: file: the workbook unpacks to 200 MB" in capsys.readouterr().out
    assert not InstrumentVersion.objects.exists()


def test_300000_rows_are_refused_at_the_row_limit_before_any_parser_reads_them(
    secretariat: User, client_for: Callable[[User], Client], parsed: list[str]
) -> None:
    # No declared dimension: the rows are counted while the archive is checked.
    data = many_rows("survey", 300_000, ["text"])
    response = upload(client_for(secretariat), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "the sheet survey has more than 5000 rows" in page
    assert "1 problem must be fixed first" in page
    assert parsed == [] and not InstrumentVersion.objects.exists()


def test_a_sheet_wider_than_the_limit_is_refused(secretariat: User, settings: Any) -> None:
    settings.KUZET_XLSFORM_MAX_COLUMNS = 20
    header = ["type", "name", "label", *[f"extra{n}" for n in range(30)]]
    result = read_xlsform(build_xlsform(survey_header=header))
    assert [str(e) for e in result.errors] == [
        "file: the sheet survey has 33 columns; at most 20 are accepted"
    ]


def test_a_file_over_the_upload_limit_is_refused(
    secretariat: User, client_for: Callable[[User], Client], settings: Any, parsed: list[str]
) -> None:
    settings.KUZET_IMPORT_MAX_BYTES = 512 * 1024
    response = upload(client_for(secretariat), bytes(600 * 1024))
    assert response.status_code == 200
    assert b"the file is larger than 0.5 MB" in response.content
    assert parsed == [] and not InstrumentVersion.objects.exists()


def test_the_page_lists_the_first_100_problems_and_counts_the_rest(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    survey = [["begin group", "s", "Раздел", "Бөлім"]]
    survey += [["no_such_type", f"q{n}", "Вопрос", "Сұрақ"] for n in range(150)]
    survey += [["end group"]]
    response = upload(client_for(secretariat), build_xlsform(survey=survey))
    assert response.status_code == 422
    page = response.content.decode()
    assert "150 problems must be fixed first" in page
    assert page.count("unsupported type") == 100
    assert "… and 50 more problems." in page


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2", "@SUM(A1)", "'=quoted"]


def test_labels_that_look_like_formulas_are_exported_as_text_and_read_back_unchanged(
    secretariat: User,
) -> None:
    original = read_xlsform(build_xlsform()).document
    assert original is not None
    document = dict(original)
    section = document["sections"][0]
    first = section["items"][0]
    for item, text in zip([section, *section["items"]], FORMULAS, strict=True):
        item["label"]["ru"] = text
    first["hint"] = {"ru": "=1+1", "kk": "обычная подсказка"}
    document["title"] = {**document["title"], "ru": "=cmd|' /C calc'!A0"}

    exported = write_xlsform(document)
    book = load_workbook(io.BytesIO(exported))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells}
    assert "'" + FORMULAS[0] in texts and "''=quoted" in texts and "'=1+1" in texts

    assert read_xlsform(exported).document == document
