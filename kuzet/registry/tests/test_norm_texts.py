"""Official texts of legal norms: loaded from CSV, XLSX or JSON, all rows or none, every
problem located; versions by effective date, the one in force on a day is the one shown."""

import io
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from kuzet.core.access import RoleMayNot
from kuzet.people.models import User
from kuzet.registry.models import Norm, NormVersion
from kuzet.registry.norm_texts import norm_texts_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def norms(db: object) -> list[Norm]:
    made = [
        Norm(
            code="KZ-CONST-17",
            title_ru="Достоинство человека",
            text_ru="Краткое изложение статьи 17.",
            source_act_ru="Конституция Республики Казахстан",
            article="17",
        ),
        Norm(
            code="KZ-PEC-97",
            title_ru="Свидания",
            text_ru="Краткое изложение о свиданиях.",
            source_act_ru="Уголовно-исполнительный кодекс РК",
            article="97",
        ),
    ]
    for norm in made:
        norm.save()
    return made


def csv_file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_a_csv_adds_versions_found_by_code_or_by_act_and_article(
    norms: list[Norm], secretariat: User
) -> None:
    data = csv_file(
        "code,act,article,effective_date,text_ru,text_kk",
        'KZ-CONST-17,,,1995-08-30,"1. Достоинство человека неприкосновенно.","1. Адамның қадір-қасиетіне қол сұғылмайды."',
        ',"Уголовно-исполнительный  кодекс РК",97,01.01.2015,Осуждённым предоставляются свидания.,',
        ",Уголовно-исполнительный кодекс РК,97,2023-07-01,Осуждённым предоставляются краткосрочные и длительные свидания.,",
    )
    result = norm_texts_import(file_name="texts.csv", data=data, actor=secretariat)

    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    pec = Norm.objects.get(code="KZ-PEC-97")
    assert [v.effective_date for v in pec.versions.all()] == [date(2015, 1, 1), date(2023, 7, 1)]
    # The version in force on a day: the latest that took effect by then.
    assert pec.version_on(date(2014, 12, 31)) is None
    assert "свидания." in pec.version_on(date(2020, 5, 1)).text_ru  # type: ignore[union-attr]
    assert "длительные" in pec.version_on(date(2026, 1, 1)).text_ru  # type: ignore[union-attr]
    # The library's own summary stays as it was.
    assert pec.text_ru == "Краткое изложение о свиданиях."


def test_loading_the_same_date_again_replaces_that_versions_text(
    norms: list[Norm], secretariat: User
) -> None:
    header = "code,effective_date,text_ru"
    norm_texts_import(
        file_name="a.csv",
        data=csv_file(header, "KZ-CONST-17,1995-08-30,Старый текст"),
        actor=secretariat,
    )
    result = norm_texts_import(
        file_name="b.csv",
        data=csv_file(header, "KZ-CONST-17,1995-08-30,Новый текст", "KZ-PEC-97,2015-01-01,Текст"),
        actor=secretariat,
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert NormVersion.objects.get(norm__code="KZ-CONST-17").text_ru == "Новый текст"
    again = norm_texts_import(
        file_name="b.csv",
        data=csv_file(header, "KZ-CONST-17,1995-08-30,Новый текст"),
        actor=secretariat,
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_every_problem_is_located_and_nothing_is_saved(
    norms: list[Norm], secretariat: User
) -> None:
    data = csv_file(
        "code,act,article,effective_date,text_ru",
        "KZ-CONST-17,,,1995-08-30,Хороший текст",  # row 2: fine, but not saved
        "KZ-NOPE-1,,,1995-08-30,Текст",  # row 3: unknown code, no title to add it
        "KZ-PEC-97,,,30/02/2015,Текст",  # row 4: a date in no accepted form
        ",Закон о чём-то,5,2015-01-01,Текст",  # row 5: no such act and article
        "KZ-PEC-97,,,2015-01-01,",  # row 6: no text
        "KZ-CONST-17,,,30.08.1995,Тот же день",  # row 7: same norm and date as row 2
    )
    result = norm_texts_import(file_name="bad.csv", data=data, actor=secretariat)

    assert [(e.row, e.column) for e in result.errors] == [
        (3, "code"),
        (4, "effective_date"),
        (5, "act"),
        (6, "text_ru"),
        (7, "effective_date"),
    ]
    assert "row 7, column effective_date: duplicates row 2" in str(result.errors[-1])
    assert NormVersion.objects.count() == 0


def test_a_missing_column_or_an_unknown_one_is_named(norms: list[Norm], secretariat: User) -> None:
    result = norm_texts_import(
        file_name="x.csv",
        data=csv_file("code,date,text_ru", "KZ-CONST-17,1995-08-30,Т"),
        actor=secretariat,
    )
    assert {(e.row, e.column) for e in result.errors} == {(1, "date"), (1, "effective_date")}


def test_a_new_code_with_title_and_act_adds_the_norm(norms: list[Norm], secretariat: User) -> None:
    data = csv_file(
        "code,act,article,title_ru,effective_date,text_ru",
        "KZ-PEC-98,Уголовно-исполнительный кодекс РК,98,Телефонные разговоры,2015-01-01,Осуждённым предоставляется право на телефонные разговоры.",
    )
    result = norm_texts_import(file_name="new.csv", data=data, actor=secretariat)
    assert result.ok and result.norms_added == 1
    added = Norm.objects.get(code="KZ-PEC-98")
    assert added.title_ru == "Телефонные разговоры" and added.text_is_summary is False
    assert added.version_on(date(2026, 1, 1)).text_ru.startswith("Осуждённым")  # type: ignore[union-attr]


def test_an_xlsx_with_real_dates_loads(norms: list[Norm], secretariat: User) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "effective_date", "text_ru", "text_kk"])
    sheet.append(["KZ-PEC-97", date(2015, 1, 1), "Текст статьи", "Бап мәтіні"])
    sheet.append(["KZ-PEC-97", "не дата", "Текст", ""])
    out = io.BytesIO()
    book.save(out)
    result = norm_texts_import(file_name="texts.xlsx", data=out.getvalue(), actor=secretariat)
    assert [(e.row, e.column) for e in result.errors] == [(3, "effective_date")]
    sheet.delete_rows(3)
    out = io.BytesIO()
    book.save(out)
    result = norm_texts_import(file_name="texts.xlsx", data=out.getvalue(), actor=secretariat)
    assert result.ok
    assert NormVersion.objects.get().text_kk == "Бап мәтіні"


def test_a_json_list_loads_and_its_problems_name_the_item(
    norms: list[Norm], secretariat: User
) -> None:
    items = [
        {
            "code": "KZ-CONST-17",
            "effective_date": "1995-08-30",
            "text_ru": "Текст",
            "text_kk": "Мәтін",
        },
        {"code": "KZ-PEC-97", "effective_date": "2015-01-01", "text_ru": ["не текст"]},
    ]
    result = norm_texts_import(
        file_name="t.json", data=json.dumps(items).encode(), actor=secretariat
    )
    assert [str(e) for e in result.errors] == ["item 2, field text_ru: give text"]
    assert NormVersion.objects.count() == 0
    items[1]["text_ru"] = "Текст"
    items[1]["clause"] = "2"
    result = norm_texts_import(
        file_name="t.json", data=json.dumps(items).encode(), actor=secretariat
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "clause")]
    del items[1]["clause"]
    assert norm_texts_import(
        file_name="t.json", data=json.dumps(items).encode(), actor=secretariat
    ).ok
    broken = norm_texts_import(file_name="t.json", data=b'[{"code": ', actor=secretariat)
    assert "the JSON is malformed" in str(broken.errors[0])


def test_only_the_secretariat_loads_texts(norms: list[Norm], coordinator: User) -> None:
    with pytest.raises(RoleMayNot):
        norm_texts_import(
            file_name="t.csv", data=csv_file("code,effective_date,text_ru"), actor=coordinator
        )


def test_the_page_loads_a_file_and_the_list_shows_the_text_in_force(
    norms: list[Norm], secretariat: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(secretariat)
    upload = io.BytesIO(
        csv_file(
            "code,effective_date,text_ru",
            "KZ-PEC-97,2015-01-01,Редакция 2015 года.",
            "KZ-PEC-97,2023-07-01,Редакция 2023 года.",
        )
    )
    upload.name = "texts.csv"
    page = client.post(
        reverse("registry:norm_texts_import"), {"file": upload}, headers={"accept-language": "en"}
    )
    assert page.status_code == 200
    assert "2 new texts" in page.content.decode()

    listed = client.get(reverse("registry:norm_list") + "?q=KZ-PEC&on=2020-01-01").content.decode()
    assert "Редакция 2015 года." in listed and "Редакция 2023 года." not in listed
    listed = client.get(reverse("registry:norm_list") + "?q=KZ-PEC").content.decode()
    assert "Редакция 2023 года." in listed

    bad = io.BytesIO(csv_file("code,effective_date,text_ru", "KZ-PEC-97,вчера,Т"))
    bad.name = "bad.csv"
    page = client.post(
        reverse("registry:norm_texts_import"), {"file": bad}, headers={"accept-language": "en"}
    )
    assert page.status_code == 422
    assert "effective_date" in page.content.decode()


def test_the_command_loads_or_lists_every_problem(
    norms: list[Norm], secretariat: User, tmp_path: Path
) -> None:
    good = tmp_path / "texts.csv"
    good.write_bytes(csv_file("code,effective_date,text_ru", "KZ-PEC-97,2015-01-01,Текст"))
    out = io.StringIO()
    call_command("import_norm_texts", str(good), "--as-user", secretariat.username, stdout=out)
    assert "1 new text(s)" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file("code,effective_date,text_ru", "KZ-NONE,2015-01-01,Текст"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing loaded: 1 problem"):
        call_command("import_norm_texts", str(bad), "--as-user", secretariat.username, stderr=err)
    assert "bad.csv: row 2, column code" in err.getvalue()
