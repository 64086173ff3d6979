"""Importing institutions from CSV and XLSX: all rows or none, every problem located."""

import io
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation
from openpyxl import Workbook

from kuzet.conftest import InstitutionFactory
from kuzet.core.models import AuditEvent
from kuzet.people.models import User
from kuzet.registry.models import Institution
from kuzet.registry.services import institutions_import
from kuzet.registry.tabular import MAX_COLUMNS, read_table

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Messages are checked in English here; the Russian test below checks the catalogue is used."""
    with translation.override("en"):
        yield


HEADER = "name_ru,name_kk,type,region,department,address,capacity,population,population_date"
GOOD_ROWS = [
    "ИВС г. Алматы,Алматы УҰИ,ivs,750000000,,ул. Абая 1,40,35,01.10.2026",
    "СИЗО-1,ТИ-1,sizo,город Алматы,mia-penal,,900,870,2026-09-30",
    'Дом ребенка "Солнышко",,Дом ребенка,Almaty city,,,"120",,',
]


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def do_import(actor: User, data: bytes, name: str = "institutions.csv"):  # type: ignore[no-untyped-def]
    return institutions_import(file_name=name, data=data, actor=actor)


def problems(result) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(e.row, e.column) for e in result.errors]


def test_a_good_csv_imports_every_row_with_resolved_codes_and_names(secretariat: User) -> None:
    result = do_import(secretariat, csv_bytes(HEADER, *GOOD_ROWS))
    assert result.ok and result.created == 3
    ivs = Institution.objects.get(name_ru="ИВС г. Алматы")
    assert (
        ivs.type.code == "ivs" and ivs.department.code == "mia-police"
    )  # department from the type
    assert ivs.region.kato == "750000000"
    assert ivs.population_date == date(2026, 10, 1)
    assert Institution.objects.get(name_ru='Дом ребенка "Солнышко"').type.code == "infant-home"
    assert (
        AuditEvent.objects.filter(object_type="registry.institution", action="create").count() == 3
    )


def test_semicolons_and_a_byte_order_mark_are_understood(secretariat: User) -> None:
    data = "\ufeff" + HEADER.replace(",", ";") + "\n" + GOOD_ROWS[0].replace(",", ";") + "\n"
    result = do_import(secretariat, data.encode("utf-8"))
    assert result.ok and result.created == 1


def test_a_good_xlsx_imports(secretariat: User) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "name_ru",
            "type",
            "region",
            "capacity",
            "population",
            "population_date",
            "latitude",
            "longitude",
        ]
    )
    sheet.append(
        [
            "Гауптвахта гарнизона",
            "guardhouse",
            "710000000",
            30.0,
            12,
            datetime(2026, 5, 1),
            51.1694,
            71.4491,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    result = do_import(secretariat, buffer.getvalue(), "inventory.xlsx")
    assert result.ok, result.errors
    guardhouse = Institution.objects.get(name_ru="Гауптвахта гарнизона")
    assert guardhouse.capacity == 30 and str(guardhouse.latitude) == "51.169400"


def test_coordinates_with_many_decimals_are_rounded_not_refused(secretariat: User) -> None:
    data = csv_bytes(
        "name_ru,type,region,latitude,longitude", "ИВС-7,ivs,750000000,43.2567891234,76.9285671234"
    )
    result = do_import(secretariat, data)
    assert result.ok, [str(e) for e in result.errors]
    assert str(Institution.objects.get().latitude) == "43.256789"


def test_a_workbook_declaring_thousands_of_columns_is_read_within_bounds(secretariat: User) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name_ru", "type", "region"])
    sheet.append(["ИВС-8", "ivs", "750000000"])
    sheet.cell(row=2000, column=16384, value="far away")  # makes the declared size A1:XFD2000
    buffer = io.BytesIO()
    book.save(buffer)
    header, rows = read_table("wide.xlsx", buffer.getvalue())
    assert len(header) <= MAX_COLUMNS and all(len(cells) <= MAX_COLUMNS for _, cells in rows)
    assert do_import(secretariat, buffer.getvalue(), "wide.xlsx").ok


def test_every_bad_row_is_reported_and_nothing_is_imported(secretariat: User) -> None:
    data = csv_bytes(
        HEADER,
        GOOD_ROWS[0],
        "Учреждение X,,no-such-type,750000000,,,10,5,",
        "Учреждение Y,,ivs,999999999,,,10,5,",
        "Учреждение Z,,ivs,750000000,,,ten,5,",
        "Учреждение W,,ivs,750000000,,,10,5,31.02.2026",
        ",,ivs,750000000,,,,,",
        GOOD_ROWS[0],
    )
    result = do_import(secretariat, data)
    assert not result.ok
    assert problems(result) == [
        (3, "type"),
        (4, "region"),
        (5, "capacity"),
        (6, "population_date"),
        (7, "name_ru"),
        (8, "name_ru"),
    ]
    assert "no-such-type" in result.errors[0].message
    assert "duplicates row 2" in result.errors[-1].message
    assert not Institution.objects.exists()
    assert not AuditEvent.objects.filter(object_type="registry.institution").exists()


def test_an_institution_already_in_the_inventory_is_a_duplicate(secretariat: User) -> None:
    InstitutionFactory(name_ru="ИВС г. Алматы")
    result = do_import(
        secretariat, csv_bytes(HEADER, GOOD_ROWS[0].replace("ИВС г. Алматы", "ивс Г. алматы"))
    )
    assert problems(result) == [(2, "name_ru")]
    assert "already exists" in result.errors[0].message
    assert Institution.objects.count() == 1


def test_a_file_in_windows_1251_is_refused_with_the_byte_offset(secretariat: User) -> None:
    row = "ИВС г. Алматы,,ivs,750000000,,ул. Абая 1,40,35,01.10.2026"
    result = do_import(secretariat, csv_bytes(HEADER, row, encoding="cp1251"))
    assert not result.ok and not Institution.objects.exists()
    assert result.errors[0].row == 2
    assert (
        "not UTF-8" in result.errors[0].message
        and f"byte {len(HEADER) + 1}" in result.errors[0].message
    )


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.csv", b"", "empty"),
        ("a.csv", b"name_ru,type\nX,ivs\n", "region"),
        ("a.csv", b"name_ru,type,region,colour\nX,ivs,750000000,red\n", "unknown column"),
        ("a.csv", b"name_ru,type,region\n", "no data rows"),
        ("a.csv", b'name_ru,type,region\n"X,ivs,750000000\n', "malformed"),
        ("a.xlsx", b"PK\x03\x04 definitely not a workbook", "not a valid XLSX"),
        ("a.pdf", b"%PDF-1.7", "unsupported file type"),
        ("a.csv", b"name_ru,type,region\nX,ivs,750000000,extra\n", "more cells"),
        ("a.csv", b"name_ru,type,region\n" + b"X,ivs,750000000\n" * 50_001, "more than 50000 rows"),
        ("a.xlsx", b"", "not a valid XLSX"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_message(
    secretariat: User, name: str, data: bytes, expected: str
) -> None:
    result = do_import(secretariat, data, name)
    assert not result.ok
    assert any(expected in str(e) for e in result.errors), [str(e) for e in result.errors]
    assert not Institution.objects.exists()


def test_a_coordinator_imports_only_into_their_own_region(coordinator: User) -> None:
    own = do_import(coordinator, csv_bytes(HEADER, GOOD_ROWS[0]))
    assert own.ok
    other = do_import(
        coordinator, csv_bytes(HEADER, GOOD_ROWS[0].replace("750000000", "710000000"))
    )
    assert problems(other) == [(2, "region")]


def test_the_upload_page_lists_problems_and_keeps_the_inventory(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    upload = io.BytesIO(csv_bytes(HEADER, "Учреждение X,,no-such-type,750000000,,,10,5,"))
    upload.name = "bad.csv"
    response = client.post("/inventory/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert b"no-such-type" in response.content and b"<td>type</td>" in response.content
    assert not Institution.objects.exists()

    upload = io.BytesIO(csv_bytes(HEADER, *GOOD_ROWS))
    upload.name = "good.csv"
    response = client.post("/inventory/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and b"3 institutions imported" in response.content
    assert Institution.objects.count() == 3


def test_a_participant_cannot_open_the_import_page(participant: User) -> None:
    client = Client()
    client.force_login(participant)
    assert client.get("/inventory/import/").status_code == 403


def test_the_command_imports_or_explains(tmp_path: Path, secretariat: User) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(HEADER, "Учреждение Y,,ivs,999999999,,,10,5,"))
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_institutions", str(bad), "--as-user", "saule")
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(HEADER, *GOOD_ROWS))
    out = io.StringIO()
    call_command("import_institutions", str(good), "--as-user", "saule", stdout=out)
    assert "3 institution(s) imported" in out.getvalue()
    assert (
        AuditEvent.objects.filter(
            object_type="registry.institution", actor_username="saule"
        ).count()
        == 3
    )


def test_the_command_refuses_an_unknown_user(
    tmp_path: Path, make_user: Callable[..., User]
) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(HEADER, GOOD_ROWS[0]))
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_institutions", str(good), "--as-user", "nobody")


def test_problems_are_reported_in_the_users_language(secretariat: User) -> None:
    with translation.override("ru"):
        result = do_import(secretariat, csv_bytes(HEADER, "Учреждение Y,,ivs,999999999,,,10,5,"))
        assert str(result.errors[0]).startswith("строка 2, столбец region: ")
    with translation.override("kk"):
        result = do_import(secretariat, csv_bytes(HEADER, "Учреждение Y,,ivs,999999999,,,10,5,"))
        assert "999999999" in str(result.errors[0]) and "жол" in str(result.errors[0])


def test_the_template_imports_as_it_is(
    secretariat: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(secretariat).get("/inventory/import/template.csv")
    assert response.status_code == 200
    result = do_import(secretariat, response.content, "kuzet-institutions.csv")
    assert result.ok and result.created == 1
    assert Institution.objects.get().region.name_en == "Akmola Region"
