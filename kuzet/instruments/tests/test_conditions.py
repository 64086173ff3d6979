"""The condition language in Python, on the vectors shared with the JavaScript evaluator."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kuzet.instruments.conditions import (
    OPERATORS,
    ConditionError,
    Context,
    check,
    evaluate,
    references,
)

STATIC = Path(__file__).resolve().parents[1] / "static" / "instruments"
VECTORS = json.loads((STATIC / "condition-vectors.json").read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_python_evaluator_on_shared_vector(vector: dict) -> None:
    context = Context(vector["answers"], vector.get("instance"), vector.get("self"))
    if vector.get("error"):
        with pytest.raises(ConditionError):
            check(vector["condition"])
        with pytest.raises(ConditionError):
            evaluate(vector["condition"], context)
    else:
        check(vector["condition"])
        result = evaluate(vector["condition"], context)
        assert result == vector["expected"] and type(result) is type(vector["expected"])


def _operators(condition: object) -> set[str]:
    if isinstance(condition, list) and condition and isinstance(condition[0], str):
        return {condition[0]}.union(*(_operators(arg) for arg in condition[1:]))
    return set()


def test_the_vectors_cover_every_operator_missing_answers_and_repeats() -> None:
    used = set().union(*(_operators(v["condition"]) for v in VECTORS if not v.get("error")))
    assert used == set(OPERATORS)
    assert any(v.get("instance") for v in VECTORS)
    assert any("missing" in v["name"] for v in VECTORS)
    assert any(isinstance(a, list) for v in VECTORS for a in v["answers"].values())


def test_javascript_evaluator_on_shared_vectors() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") or os.environ.get("KUZET_REQUIRE_BROWSER") == "1":
            pytest.fail("node is missing: CI must run the vectors against the JavaScript evaluator")
        pytest.skip("node is not installed; CI runs these vectors in Node")
    result = subprocess.run(
        [node, "--test", str(STATIC / "conditions.test.mjs")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"# pass {len(VECTORS)}" in result.stdout


def test_references_lists_every_question_read() -> None:
    condition = [
        "and",
        ["=", ["ref", "a"], "x"],
        ["any", "cells", [">", ["ref", "people"], ["ref", "beds"]]],
    ]
    assert references(condition) == {"a", "cells", "people", "beds"}
