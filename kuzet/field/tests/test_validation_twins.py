"""The tablet refuses what the server refuses, with the same messages.

The field app's ``validate.js`` is run in Node over the same documents and answers as the
server's ``validate_response``: the test instrument of the instruments tests and every
instrument of the standard library, with answers that are complete, empty, of the wrong
type, out of range, hidden by a condition, and in repeats — generated, not hand-picked.
"""

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from kuzet.instruments.tests.xlsforms import xlsform
from kuzet.instruments.validation import validate_response
from kuzet.instruments.xlsform import read_xlsform

LIBRARY = Path(__file__).resolve().parents[2] / "instruments" / "library"
RUNNER = Path(__file__).with_name("validate_cases.mjs")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("KUZET_REQUIRE_BROWSER") == "1":
            pytest.fail("node is missing: CI must compare the two validators")
        pytest.skip("node is not installed")
    return node


def _documents() -> list[dict[str, Any]]:
    documents = []
    for data in [xlsform(), *(path.read_bytes() for path in sorted(LIBRARY.glob("*.xlsx"))[:4])]:
        read = read_xlsform(data)
        assert read.document is not None
        documents.append(read.document)
    return documents


def _value(question: dict[str, Any], document: dict[str, Any], rng: random.Random) -> Any:
    """A plausible answer, or a wrong one now and then."""
    kind = question["type"]
    choices = [c["name"] for c in document["choice_lists"].get(
        "compliance" if kind == "compliance" else question.get("choices", ""), [])]  # fmt: skip
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.25:
        return rng.choice(["abc", 12.5, -3, ["x"], "2026-13-40", "25:99", True])
    if kind in ("select_one", "compliance"):
        return rng.choice(choices) if choices else "x"
    if kind == "select_multiple":
        return rng.sample(choices, k=min(len(choices), rng.randint(1, 2))) if choices else []
    if kind == "integer":
        return rng.randint(-5, 6000)
    if kind == "decimal":
        return round(rng.uniform(-5, 100), 2)
    if kind == "date":
        return "2026-11-20"
    if kind == "time":
        return "10:30"
    if kind == "geopoint":
        return [43.25, 76.95]
    return rng.choice(["да", "Проверено на месте", ""])


def _answers(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for section in document["sections"]:
        for item in section["items"]:
            if item["kind"] == "repeat":
                answers[item["name"]] = [
                    {q["name"]: _value(q, document, rng) for q in item["items"]}
                    for _ in range(rng.randint(0, 3))
                ]
            else:
                answers[item["name"]] = _value(item, document, rng)
    return {k: v for k, v in answers.items() if v is not None}


def test_the_tablet_and_the_server_find_the_same_problems(tmp_path: Path) -> None:
    node = _node()
    # The static files as the browser sees them, so that relative imports resolve.
    static = Path(__file__).resolve().parents[2]
    shutil.copytree(static / "field" / "static" / "field", tmp_path / "field")
    shutil.copytree(static / "instruments" / "static" / "instruments", tmp_path / "instruments")
    shutil.copytree(static / "quality" / "static" / "quality", tmp_path / "quality")
    rng = random.Random(20261123)
    cases = []
    for document in _documents():
        cases.append({"document": document, "answers": {}})
        cases += [{"document": document, "answers": _answers(document, rng)} for _ in range(12)]
    with translation.override("en"):
        expected = [validate_response(c["document"], c["answers"]).errors for c in cases]
    run = subprocess.run(
        [node, str(RUNNER), str(tmp_path)], input=json.dumps(cases), capture_output=True, text=True, check=True,
        timeout=120,
    )  # fmt: skip
    got = [result["errors"] for result in json.loads(run.stdout)]
    assert sum(len(e) for e in expected) > 50  # the cases do find problems
    for number, (server, tablet) in enumerate(zip(expected, got, strict=True)):
        assert tablet == server, f"case {number}"


RECOMMENDATION_TEXTS = [
    # (Russian, Kazakh): either language may be written first, one is needed.
    ("", ""),
    ("   ", "  "),
    ("Обеспечить ведение журнала применения силы во всех камерах ИВС", ""),
    ("", "Барлық камераларда күш қолдану журналын жүргізуді қамтамасыз ету қажет"),
    ("Обеспечить ведение журнала применения силы во всех камерах ИВС", "Журнал жүргізу"),
    ("Улучшить", ""),
    ("", "Жақсарту"),
    ("", "Жақсарту керек"),
]


@pytest.mark.django_db
def test_the_tablet_and_the_server_agree_on_a_recommendation_in_either_language(
    tmp_path: Path,
) -> None:
    """Russian or Kazakh first: the tablet finds the problems the model finds, on the same
    fields, with the same messages."""
    from django.core.exceptions import ValidationError

    from kuzet.field.package import _rules
    from kuzet.recommendations.models import Recommendation

    node = _node()
    static = Path(__file__).resolve().parents[2]
    for folder in ("field", "instruments", "quality"):
        shutil.copytree(static / folder / "static" / folder, tmp_path / folder)
    with translation.override("en"):
        rules = json.loads(json.dumps(_rules(), default=str))
        expected = []
        for ru, kk in RECOMMENDATION_TEXTS:
            try:
                Recommendation(text_ru=ru.strip(), text_kk=kk.strip()).clean()
            except ValidationError as error:
                expected.append(
                    {f: m for f, m in error.message_dict.items() if f in ("text_ru", "text_kk")}
                )
            else:
                expected.append({})
    cases = [
        {
            "type": "recommendation",
            "data": {
                "text_ru": ru,
                "text_kk": kk,
                "addressee": 1,
                "level": "institution",
                "theme": "safeguards",
                "priority": "high",
            },
            "rules": rules,
        }
        for ru, kk in RECOMMENDATION_TEXTS
    ]
    run = subprocess.run(
        [node, str(Path(__file__).with_name("record_cases.mjs")), str(tmp_path)],
        input=json.dumps(cases), capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    got = json.loads(run.stdout)
    assert expected[0] == {"text_ru": ["Write the recommendation in Russian or in Kazakh."]}
    assert expected[3] == {}  # Kazakh first is enough
    assert "text_kk" in expected[6]  # a Kazakh-only text is held to the length rule
    for number, (server, tablet) in enumerate(zip(expected, got, strict=True)):
        assert tablet == server, f"case {number}: {RECOMMENDATION_TEXTS[number]}"
