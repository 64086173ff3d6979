"""The text rules in Python and in JavaScript (the tablet) on the same vectors and the
same rule data, as the condition language does (instruments/tests/test_conditions.py)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kuzet.quality.texts import analyse, check_text, rule_package

STATIC = Path(__file__).resolve().parents[1] / "static" / "quality"
VECTORS = json.loads((STATIC / "text-vectors.json").read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_python_rules_on_shared_vector(vector: dict) -> None:
    seen = analyse(vector["kind"], vector["text"])
    codes = [r.code for r in check_text(vector["kind"], vector["text"])]
    assert {
        "words": seen.words,
        "points": seen.points,
        "stock": seen.stock,
        "need": seen.need,
        "codes": codes,
    } == vector["expected"]


def test_the_vectors_cover_every_code_both_kinds_and_both_languages() -> None:
    codes = {c for v in VECTORS for c in v["expected"]["codes"]}
    assert codes == {
        "too_short",
        "standard_answer",
        "no_facts",
        "vague_recommendation",
        "not_concrete",
    }
    assert any("қ" in v["text"] or "ә" in v["text"] for v in VECTORS)
    assert any(v["expected"]["codes"] == [] for v in VECTORS)
    points = {p for v in VECTORS for p in v["expected"]["points"]}
    assert {"number", "year", "place_id", "person_id", "cite_id", "action", "measure"} <= points


def test_javascript_rules_on_shared_vectors(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") or os.environ.get("KUZET_REQUIRE_BROWSER") == "1":
            pytest.fail("node is missing: CI must run the vectors against the JavaScript rules")
        pytest.skip("node is not installed; CI runs these vectors in Node")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(rule_package(), ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [node, "--test", str(STATIC / "texts.test.mjs")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "KUZET_TEXT_RULES": str(rules)},
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"# pass {len(VECTORS)}" in result.stdout
