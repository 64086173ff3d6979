"""Tests of knowledge (kind "test"): right answers in the choices sheet (``kuzet_correct``),
a pass mark in the settings (``kuzet_pass_mark``), server-side scoring, and a test is never
an instrument of a visit."""

import io
from typing import Any

import pytest
from openpyxl import Workbook

from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.scoring import right_answers, score_test
from kuzet.instruments.services import LIBRARY_DIR, instrument_version_import
from kuzet.instruments.validation import validate_response
from kuzet.instruments.xlsform import read_xlsform, write_xlsform

RU, KK = "label::Русский (ru)", "label::Қазақша (kk)"
SURVEY = [
    ["select_one one", "one", "Вопрос 1", "Сұрақ 1"],
    ["select_multiple many", "many", "Вопрос 2", "Сұрақ 2"],
    ["text", "comment", "Комментарий", "Түсініктеме"],
]
CHOICES = [
    ["one", "a", "А", "А", "yes"],
    ["one", "b", "Б", "Б", "no"],
    ["many", "x", "Икс", "Икс", "yes"],
    ["many", "y", "Игрек", "Игрек", "yes"],
    ["many", "z", "Зет", "Зет", ""],
]
SETTINGS = {"form_title": "Тест", "form_id": "quiz", "version": "1", "kuzet_title_kk": "Тест",
            "kuzet_kind": "test", "kuzet_pass_mark": "50"}  # fmt: skip


def workbook(
    survey: list[list[Any]] = SURVEY,
    choices: list[list[Any]] = CHOICES,
    **settings: str | None,
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(["type", "name", RU, KK])
    for row in survey:
        sheet.append(row)
    sheet_choices = book.create_sheet("choices")
    sheet_choices.append(["list_name", "name", RU, KK, "kuzet_correct"])
    for row in choices:
        sheet_choices.append(row)
    values = {k: v for k, v in {**SETTINGS, **settings}.items() if v is not None}
    sheet_settings = book.create_sheet("settings")
    sheet_settings.append(list(values))
    sheet_settings.append(list(values.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def problems(data: bytes) -> list[tuple[str, int | None, str, str]]:
    read = read_xlsform(data)
    assert read.document is None
    return [(e.sheet, e.row, e.column, e.message) for e in read.errors]


def test_a_test_reads_with_its_right_answers_and_pass_mark_and_writes_back() -> None:
    read = read_xlsform(workbook())
    assert read.errors == []
    document = read.document
    assert document is not None
    assert document["kind"] == "test" and document["pass_mark"] == 50
    assert right_answers(document) == {"one": {"a"}, "many": {"x", "y"}}
    again = read_xlsform(write_xlsform(document))
    assert again.document == document


def test_scoring_counts_select_questions_only_and_a_multiple_answer_must_be_the_exact_set() -> None:
    document = read_xlsform(workbook()).document
    assert document is not None

    def score(answers: dict[str, Any]) -> tuple[int, int, bool]:
        validated = validate_response(document, answers)
        assert validated.ok, validated.errors
        scored = score_test(document, validated.answers)
        return scored.correct, scored.total, scored.passed

    assert score({"one": "a", "many": ["y", "x"], "comment": "—"}) == (2, 2, True)
    assert score({"one": "a", "many": ["x"]}) == (1, 2, True)  # 50 % is the pass mark
    assert score({"one": "b", "many": ["x", "y", "z"]}) == (0, 2, False)
    assert score({}) == (0, 2, False)


@pytest.mark.parametrize(
    "data, where, message",
    [
        (workbook(kuzet_pass_mark=None), ("settings", 2, "kuzet_pass_mark"), "needs a pass mark"),
        (workbook(kuzet_pass_mark="0"), ("settings", 2, "kuzet_pass_mark"), "from 1 to 100"),
        (workbook(kuzet_pass_mark="80%"), ("settings", 2, "kuzet_pass_mark"), "from 1 to 100"),
        (
            workbook(choices=[[*row[:4], "yes"] for row in CHOICES]),
            ("survey", 2, "choices"),
            "exactly one right answer",
        ),
        (
            workbook(choices=[[*row[:4], "no"] if row[0] == "many" else row for row in CHOICES]),
            ("survey", 3, "choices"),
            "mark the right answer",
        ),
        (
            workbook(choices=[[*row[:4], "maybe"] if row[1] == "b" else row for row in CHOICES]),
            ("choices", None, "list_name"),
            "must be yes or no",
        ),
        (workbook(kuzet_kind="checklist"), ("settings", 2, "kuzet_pass_mark"), "only a test"),
        (workbook(survey=[SURVEY[2]], choices=[]), ("survey", None, ""), "at least one select"),
        (
            workbook(
                survey=[["begin repeat", "r", "П", "П"], SURVEY[0], ["end repeat"]],
                choices=CHOICES[:2],
            ),
            ("survey", 2, ""),
            "cannot have repeats",
        ),
    ],
)
def test_a_malformed_test_is_refused_at_its_place(
    data: bytes, where: tuple[str, int | None, str], message: str
) -> None:
    found = problems(data)
    assert any((s, r, c) == where and message in m for s, r, c, m in found), found


def test_a_checklist_cannot_mark_right_answers() -> None:
    data = workbook(kuzet_kind="checklist", kuzet_pass_mark=None)
    assert any("only a test" in m for *_, m in problems(data))


@pytest.mark.django_db
def test_a_test_is_never_an_instrument_of_a_visit(secretariat: Any) -> None:
    outcome = instrument_version_import(
        data=(LIBRARY_DIR / "onboarding-test.xlsx").read_bytes(), actor=secretariat
    )
    assert outcome.version is not None and outcome.version.instrument.kind == "test"
    assert not outcome.version.instrument.assignments.exists()  # "every type" otherwise
    assert not InstrumentVersion.objects.for_types([1, 2, 3]).exists()
    assert outcome.version.document["title"]["en"] == "Onboarding test for NPM participants"
