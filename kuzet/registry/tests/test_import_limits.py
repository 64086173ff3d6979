"""Limits on the institution import: a hostile file is refused before it is parsed, with a
message naming the limit, and nothing is stored."""

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import translation
from openpyxl import Workbook

from kuzet.core.tests.workbooks import with_lying_size, zip_bomb
from kuzet.people.models import User
from kuzet.registry.models import Institution
from kuzet.registry.services import institutions_import

pytestmark = pytest.mark.django_db

HEADER = "name_ru,type,region"


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every workbook openpyxl is asked to parse."""
    calls: list[Any] = []
    real = openpyxl.load_workbook

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", recording)
    return calls


def post(client: Client, data: bytes, name: str, language: str = "en") -> Any:
    upload = io.BytesIO(data)
    upload.name = name
    return client.post("/inventory/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE=language)


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_openpyxl_parses_it(
    secretariat: User, client_for: Callable[[User], Client], parsed: list[Any]
) -> None:
    response = post(client_for(secretariat), zip_bomb("Sheet1"), "bomb.xlsx")
    assert response.status_code == 422
    assert b"the workbook unpacks to 200 MB; at most 20 MB are accepted" in response.content
    assert parsed == [] and not Institution.objects.exists()


def test_the_refusal_is_in_the_users_language(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    response = post(client_for(secretariat), zip_bomb("Sheet1"), "bomb.xlsx", language="ru")
    assert response.status_code == 422
    assert "не более 20 МБ".encode() in response.content


def test_a_part_compressed_beyond_the_ratio_is_refused(
    secretariat: User, parsed: list[Any]
) -> None:
    # Under the size limit, but its shared strings are compressed about a thousand times.
    result = institutions_import(
        file_name="dense.xlsx", data=zip_bomb("Sheet1", megabytes=10), actor=secretariat
    )
    [error] = result.errors
    assert re.fullmatch(
        r"the part xl/sharedStrings.xml of the workbook is compressed \d{4} times; "
        r"at most 200 times is accepted",
        error.message,
    )
    assert parsed == []


def test_a_part_whose_header_understates_its_size_is_refused_before_parsing(
    secretariat: User, parsed: list[Any]
) -> None:
    data = xlsx([["name_ru", "type", "region"], *[["ИВС " * 20, "ivs", "750000000"]] * 200])
    lying = with_lying_size(data, "xl/worksheets/sheet1.xml", 100)
    result = institutions_import(file_name="lying.xlsx", data=lying, actor=secretariat)
    assert [e.message for e in result.errors] == ["the file is not a valid XLSX workbook"]
    assert parsed == []


def test_more_rows_than_the_limit_are_refused_before_openpyxl_reads_them(
    secretariat: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.KUZET_IMPORT_MAX_ROWS = 10
    data = xlsx([["name_ru", "type", "region"], *[["ИВС", "ivs", "750000000"]] * 20])
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("rows were read")

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", never)
    result = institutions_import(file_name="long.xlsx", data=data, actor=secretariat)
    assert [e.message for e in result.errors] == ["the sheet Sheet has more than 10 rows"]


def test_a_csv_line_longer_than_the_limit_is_refused(secretariat: User, settings: Any) -> None:
    settings.KUZET_CSV_MAX_ROW_CHARS = 2000
    line = ",".join(["x" * 900] * 3)
    data = f"{HEADER}\nИВС,ivs,750000000\n{line}\n".encode()
    result = institutions_import(file_name="long.csv", data=data, actor=secretariat)
    assert [(e.row, e.message) for e in result.errors] == [
        (1, "line 3 is longer than 2000 characters")
    ]
    assert not Institution.objects.exists()


def test_a_file_over_the_upload_limit_is_refused(
    secretariat: User, client_for: Callable[[User], Client], settings: Any
) -> None:
    settings.KUZET_IMPORT_MAX_BYTES = 1024 * 1024
    data = (HEADER + "\n" + "ИВС,ivs,750000000\n" * 60_000).encode()
    response = post(client_for(secretariat), data, "big.csv")
    assert response.status_code == 422 and b"the file is larger than 1 MB" in response.content


def test_the_page_lists_the_first_100_problems_and_counts_the_rest(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    data = (HEADER + "\n" + "ИВС,no-such-type,750000000\n" * 150).encode()
    response = post(client_for(secretariat), data, "bad.csv")
    assert response.status_code == 422
    page = response.content.decode()
    assert "150 problems must be fixed first" in page
    assert page.count("no-such-type") == 100
    assert "… and 50 more problems." in page
