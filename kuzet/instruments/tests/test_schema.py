"""The version document's own JSON Schema and the checks beyond it."""

from copy import deepcopy
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator

from kuzet.instruments.models import Instrument, InstrumentVersion
from kuzet.instruments.schema import JSON_SCHEMA, document_problems
from kuzet.instruments.tests.xlsforms import xlsform
from kuzet.instruments.xlsform import read_xlsform


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    result = read_xlsform(xlsform())
    assert result.document is not None
    return result.document


def test_the_json_schema_is_itself_valid() -> None:
    Draft202012Validator.check_schema(JSON_SCHEMA)


def test_a_good_document_has_no_problems(document: dict[str, Any]) -> None:
    assert document_problems(document) == []


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d.pop("sections"), "", "'sections' is a required property"),
        (lambda d: d["sections"][0]["items"][0].update(type="slider"), "sections[0].items[0].type", "is not one of"),
        (lambda d: d["sections"][0]["items"][0].update(relevant=["eval", "x"]), "sections[0].items[0].relevant", "unknown operator"),
        (lambda d: d["sections"][0]["items"][0].update(finding_required="yes"), "sections[0].items[0].finding_required", "is not of type 'boolean'"),
        (lambda d: d["choice_lists"]["compliance"].pop(), "choice_lists.compliance", "must be exactly"),
        (lambda d: d["sections"][0]["items"][2].update(finding_required=True), "sections[0].items[2].finding_required", "only compliance items"),
        (lambda d: d["sections"][0]["items"][0]["label"].pop("kk"), "sections[0].items[0].label", "'kk' is missing"),
        (lambda d: d["sections"][0]["items"][2].update(pattern="(unclosed"), "sections[0].items[2].pattern", "not a regular expression"),
        (lambda d: d["sections"][1]["items"][1].update(relevant=["=", ["ref", "people"], 1]), "sections[1].items[1].relevant", "inside repeat 'cells'"),
    ],
)  # fmt: skip
def test_problems_are_found_with_their_path(
    document: dict[str, Any], change: Any, path: str, words: str
) -> None:
    broken = deepcopy(document)
    change(broken)
    problems = document_problems(broken)
    assert any(p.path == path and words in p.message for p in problems), [str(p) for p in problems]


@pytest.mark.django_db
def test_a_version_is_validated_on_save(document: dict[str, Any]) -> None:
    instrument = Instrument.objects.create(code="x", title_ru="X")
    broken = deepcopy(document)
    broken["sections"][0]["items"][0]["type"] = "slider"
    version = InstrumentVersion(
        instrument=instrument, number=1, label="1", document=broken, content_hash="0" * 64
    )
    with pytest.raises(ValidationError, match="slider"):
        version.full_clean()
