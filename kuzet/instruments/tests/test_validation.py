"""Validating answers against a version: relevance, required, types, constraints, repeats."""

from typing import Any

import pytest
from django.utils import translation

from kuzet.instruments.tests.xlsforms import xlsform
from kuzet.instruments.validation import validate_response
from kuzet.instruments.xlsform import read_xlsform


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    result = read_xlsform(xlsform())
    assert result.document is not None
    return result.document


def test_complete_answers_pass_and_are_kept(document: dict[str, Any]) -> None:
    answers = {
        "force_register": "partly",
        "force_details": "Записи без времени",
        "population": 12,
        "methods": ["threats"],
        "cells": [{"cell_no": "4", "people": 3, "beds": 4}],
    }
    result = validate_response(document, answers)
    assert result.errors == {}
    assert result.answers == answers


def test_required_questions_are_reported_by_path(document: dict[str, Any]) -> None:
    result = validate_response(document, {"cells": [{"people": 2, "beds": 2}, {"cell_no": "7"}]})
    assert result.errors == {
        "force_register": ["This question is required."],
        "population": ["This question is required."],
        "cells[1].cell_no": ["This question is required."],
    }


def test_a_hidden_question_is_not_required_and_its_answer_is_dropped(
    document: dict[str, Any],
) -> None:
    answers = {
        "force_register": "compliant",
        "force_details": "лишнее",
        "population": 0,
        "methods": ["beating"],
    }
    result = validate_response(document, answers)
    assert result.errors == {}
    assert "force_details" not in result.answers and "methods" not in result.answers


def test_a_hidden_question_in_a_repeat_is_dropped_per_instance(document: dict[str, Any]) -> None:
    answers = {"force_register": "compliant", "population": 5,
               "cells": [{"cell_no": "1", "people": 0, "beds": 2}, {"cell_no": "2", "people": 3, "beds": 2}]}  # fmt: skip
    result = validate_response(document, answers)
    assert result.answers["cells"] == [
        {"cell_no": "1", "people": 0},
        {"cell_no": "2", "people": 3, "beds": 2},
    ]


@pytest.mark.parametrize(
    ("answers", "path", "message"),
    [
        ({"population": "twelve"}, "population", "Give a whole number."),
        ({"population": 12.5}, "population", "Give a whole number."),
        ({"population": True}, "population", "Give a whole number."),
        ({"population": 6000}, "population", "От 0 до 5000"),
        ({"force_register": "maybe"}, "force_register", "Choose one of the offered answers."),
        (
            {"population": 1, "methods": ["beating", "beating"]},
            "methods",
            "Choose among the offered answers, each once.",
        ),
        (
            {"population": 1, "methods": "beating"},
            "methods",
            "Choose among the offered answers, each once.",
        ),
        (
            {"cells": [{"cell_no": "1", "people": -1}]},
            "cells[1].people",
            "The answer is outside the allowed values.",
        ),
        (
            {"cells": [{"cell_no": "1", "colour": "red"}]},
            "cells[1].colour",
            "This is not a question of this repeat.",
        ),
        ({"cells": {"cell_no": "1"}}, "cells", "A repeat's answers must be a list of objects."),
        ({"shoe_size": 42}, "shoe_size", "This is not a question of this instrument."),
    ],
)
def test_wrong_answers_are_reported_by_path(
    document: dict[str, Any], answers: dict[str, Any], path: str, message: str
) -> None:
    base = {"force_register": "compliant", "population": 1}
    result = validate_response(document, {**base, **answers})
    assert message in result.errors.get(path, []), result.errors


def test_constraint_messages_follow_the_users_language(document: dict[str, Any]) -> None:
    with translation.override("kk"):
        result = validate_response(document, {"force_register": "compliant", "population": 9999})
    assert result.errors["population"] == ["0-ден 5000-ға дейін"]
    with translation.override("ru"):
        result = validate_response(document, {"population": 1})
    assert result.errors["force_register"] == ["Это обязательный вопрос."]


def test_answers_that_are_not_an_object_are_refused(document: dict[str, Any]) -> None:
    assert validate_response(document, ["a"]).errors == {
        "": ["The answers must be a JSON object keyed by question name."]
    }


def test_types_of_every_kind(document: dict[str, Any]) -> None:
    question = {"kind": "question", "name": "q", "label": {"ru": "в", "kk": "с"}}
    cases = [("date", "2026-02-30", False), ("date", "2026-02-28", True), ("time", "24:00", False), ("time", "09:30", True),
             ("decimal", 7.5, True), ("decimal", "7.5", False), ("geopoint", [43.2, 76.9], True), ("geopoint", [91, 0], False),
             ("photo", "b1d5c2e0-media-uuid", True), ("text", 12, False)]  # fmt: skip
    for qtype, value, ok in cases:
        doc = {
            **document,
            "sections": [
                {
                    "name": "s",
                    "label": {"ru": "р", "kk": "к"},
                    "items": [{**question, "type": qtype}],
                }
            ],
        }
        assert validate_response(doc, {"q": value}).ok is ok, (qtype, value)
