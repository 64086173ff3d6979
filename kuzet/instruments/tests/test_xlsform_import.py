"""Importing instruments from XLSForm: a good file becomes a draft; any problem is located
by sheet, row and column, and nothing is saved."""

import io
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from kuzet.instruments.models import ImmutableVersionError, Instrument, InstrumentVersion
from kuzet.instruments.services import instrument_version_import, instrument_version_publish
from kuzet.instruments.tests.xlsforms import GOOD_CHOICES, GOOD_SURVEY, xlsform
from kuzet.people.models import User
from kuzet.registry.models import Norm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def norm(db: object) -> Norm:
    return Norm.objects.create(
        code="UN-SMR-13", title_ru="Размещение", source_act_ru="Правила Нельсона Манделы"
    )


def located(data: bytes) -> list[tuple[str, int | None, str]]:
    outcome = instrument_version_import(data=data, actor=None)
    assert outcome.version is None
    assert not Instrument.objects.exists() and not InstrumentVersion.objects.exists()
    return [(e.sheet, e.row, e.column) for e in outcome.errors]


def messages_of(data: bytes) -> str:
    return " | ".join(str(e) for e in instrument_version_import(data=data, actor=None).errors)


def with_row(index: int, row: list[object]) -> list[list[object]]:
    survey = deepcopy(GOOD_SURVEY)
    survey[index] = row
    return survey


def test_a_good_file_becomes_a_draft_version_with_its_types(secretariat: User) -> None:
    outcome = instrument_version_import(data=xlsform(), actor=secretariat)
    assert outcome.errors == []
    version = outcome.version
    assert version is not None and version.number == 1 and not version.is_published
    assert version.question_count == 7  # the note is not a question
    document = version.document
    treatment = document["sections"][0]["items"]
    assert treatment[0] == {
        "kind": "question", "name": "force_register", "type": "compliance", "required": True,
        "label": {"ru": "Ведётся журнал применения силы", "kk": "Күш қолдану журналы жүргізіледі"},
        "norms": ["UN-SMR-13"], "finding_required": True,
    }  # fmt: skip
    assert treatment[1]["type"] == "long_text"
    assert treatment[1]["relevant"] == [
        "or",
        ["selected", ["ref", "force_register"], "non_compliant"],
        ["selected", ["ref", "force_register"], "partly"],
    ]
    assert treatment[2]["constraint"] == ["and", [">=", ["self"], 0], ["<=", ["self"], 5000]]
    assert document["sections"][1]["items"][0]["kind"] == "repeat"
    assert [a.institution_type.code for a in version.instrument.assignments.all()] == ["ivs"]


def test_the_same_file_again_is_the_same_version_and_a_changed_one_is_the_next(
    secretariat: User,
) -> None:
    first = instrument_version_import(data=xlsform(), actor=secretariat).version
    again = instrument_version_import(data=xlsform(), actor=secretariat)
    assert again.unchanged and again.version == first
    changed = instrument_version_import(
        data=xlsform(settings={"version": "2026.2"}), actor=secretariat
    ).version
    assert changed is not None and changed.number == 2


def test_a_published_version_cannot_change(secretariat: User) -> None:
    version = instrument_version_import(data=xlsform(), actor=secretariat).version
    assert version is not None
    instrument_version_publish(version=version, actor=secretariat)
    version.document["sections"] = []
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        version.delete()
    assert InstrumentVersion.objects.get().document["sections"]


@pytest.mark.parametrize(
    ("data", "expected", "words"),
    [
        (b"definitely not a zip", [("file", None, "")], "not a readable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, [("file", None, "")], "password-protected"),
        (xlsform(survey=[]), [("survey", None, "")], "missing or empty"),
        (xlsform(survey=with_row(2, ["integer", "force_register", "Дубль", "Қайталау"])), [("survey", 4, "name")], "already used"),
        (xlsform(survey=with_row(2, ["range", "total", "Итого", "Барлығы"])), [("survey", 4, "type")], "unsupported type 'range'"),
        (xlsform(survey=with_row(2, ["integer", "n", "Число", "Сан", "", "${nobody} = 1"])), [("survey", 4, "relevant")], "'nobody'"),
        (xlsform(survey=with_row(2, ["integer", "n", "Число", "Сан", "", "${methods} = 'x'"])), [("survey", 4, "relevant")], "comes later"),
        (xlsform(survey=with_row(2, ["integer", "n", "Число", "Сан", "", "${n} > 1"])), [("survey", 4, "relevant")], "itself"),
        (xlsform(survey=with_row(2, ["integer", "n", "Число", "Сан", "", "${force_register} + 1 > 2"])), [("survey", 4, "relevant")], "'+'"),
        (xlsform(survey=with_row(2, ["integer", "n", "Число", "Сан", "", "", "regex(., '[0-9]')"])), [("survey", 4, "constraint")], "unsupported construct"),
        (xlsform(survey=with_row(4, ["select_one nolist", "m", "Выбор", "Таңдау"])), [("survey", 6, "choices")], "no choice list 'nolist'"),
        (xlsform(survey=with_row(4, ["select_one", "m", "Выбор", "Таңдау"])), [("survey", 6, "type")], "needs one choice list"),
        (xlsform(survey=with_row(2, ["integer", "n", "Число", ""])), [("survey", 4, "label")], "'kk' is missing"),
        (xlsform(survey=with_row(1, ["select_one compliance", "force_register", "Журнал", "Журнал", "", "", "", "", "NO-SUCH-NORM"])), [("survey", 3, "kuzet_norms")], "NO-SUCH-NORM"),
        (xlsform(survey=with_row(2, ["integer", "n", "Число", "Сан", "maybe"])), [("survey", 4, "required")], "maybe"),
        (xlsform(survey=GOOD_SURVEY[:-1]), [("survey", None, "type")], "never closed"),
        (xlsform(survey=[["begin repeat", "r", "П", "Қ"], ["begin group", "g", "Г", "Т"]]), [("survey", 3, "type"), ("survey", None, "type")], "inside repeats"),
        (xlsform(choices=[*GOOD_CHOICES, ["methods", "threats", "Угрозы", "Қорқыту"]]), [("choices", 8, "name")], "appears twice"),
        (xlsform(settings={"form_id": "", "form_title": ""}), [("settings", 2, "form_id"), ("settings", 2, "form_title")], "required"),
        (xlsform(settings={"kuzet_institution_types": "ivs prison-on-mars"}), [("settings", 2, "kuzet_institution_types")], "prison-on-mars"),
    ],
    ids=[
        "corrupt", "password-protected", "empty survey", "duplicate name", "unknown type", "undefined reference",
        "forward reference", "circular (self)", "arithmetic", "regex", "unknown choice list", "select without list",
        "label missing in kk", "unknown norm", "bad required", "unclosed group", "group inside repeat",
        "duplicate choice", "missing form id", "unknown institution type",
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_the_place_of_each_problem(
    data: bytes, expected: list, words: str
) -> None:
    assert located(data) == expected
    assert words in messages_of(data)


def test_the_command_prints_problems_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsform(survey=with_row(2, ["range", "total", "Итого", "Барлығы"])))
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_xlsform", str(bad), stdout=out)
    assert failure.value.returncode == 1
    assert "survey, row 4, column type: unsupported type 'range'" in out.getvalue()


def test_the_command_imports_publishes_and_exports(
    tmp_path: Path, make_user: Callable[..., User]
) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsform())
    out = io.StringIO()
    call_command("import_xlsform", str(good), "--publish", stdout=out)
    assert "test-checklist: published version 1 (7 questions)" in out.getvalue()
    exported = tmp_path / "out.xlsx"
    call_command("export_xlsform", "test-checklist", "--out", str(exported), stdout=io.StringIO())
    again = instrument_version_import(data=exported.read_bytes(), actor=None)
    assert again.unchanged and again.version is not None and again.version.number == 1


def test_problems_are_reported_in_the_users_language() -> None:
    data = xlsform(survey=with_row(2, ["range", "total", "Итого", "Барлығы"]))
    with translation.override("ru"):
        assert "строка 4, столбец type: неподдерживаемый тип 'range'" in messages_of(data)
    with translation.override("kk"):
        assert "қолдау көрсетілмейтін түр 'range'" in messages_of(data)
