"""The instrument version document: its JSON Schema and the checks a schema cannot say.

A version is one JSON document (``FORMAT``)::

    {"format": "kuzet-instrument/1", "code": "ivs-full", "version": "2026.1",
     "kind": "checklist", "title": {"ru": …, "kk": …}, "institution_types": ["ivs"],
     "choice_lists": {"compliance": [{"name": "compliant", "label": {"ru": …, "kk": …}}, …]},
     "sections": [{"name": "treatment", "label": {…}, "relevant": null,
                   "items": [QUESTION | REPEAT, …]}]}

QUESTION: ``{"kind": "question", "name", "type", "label", "hint"?, "required"?,
"relevant"?, "constraint"?, "constraint_message"?, "choices"?, "appearance"?, "pattern"?,
"norms"?, "finding_required"?, "guidance_hint"?, "calculation"?, "default"?, "read_only"?,
"choice_filter"?}``; REPEAT: ``{"kind": "repeat", "name", "label", "repeat_count"?,
"relevant"?, "items": [QUESTION, …]}``. Conditions are the language of ``conditions.py``.
``document_problems`` returns every problem with its JSON path; an empty list means valid.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from kuzet.instruments.conditions import ConditionError, check, references

FORMAT = "kuzet-instrument/1"
REQUIRED_LANGUAGES = ("ru", "kk")
LANGUAGES = ("ru", "kk", "en")
QUESTION_TYPES = (
    "text",
    "long_text",
    "integer",
    "decimal",
    "date",
    "time",
    "datetime",
    "select_one",
    "select_multiple",
    "compliance",
    "photo",
    "audio",
    "video",
    "file",
    "geopoint",
    "note",
    "calculate",
)
SELECT_TYPES = ("select_one", "select_multiple")
MEDIA_TYPES = ("photo", "audio", "video", "file")
COMPLIANCE_LIST = "compliance"
COMPLIANCE_CHOICES = ("compliant", "partly", "non_compliant", "not_checked")
# A test (kind "test") marks its right answers with this column of the choices sheet.
CORRECT_COLUMN = "kuzet_correct"
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"

_TEXT = {
    "type": "object",
    "properties": {lang: {"type": "string"} for lang in LANGUAGES},
    "additionalProperties": False,
}
_CONDITION: dict[str, Any] = {}  # any JSON; checked by conditions.check
_QUESTION = {
    "type": "object",
    "required": ["kind", "name", "type", "label"],
    "additionalProperties": False,
    "properties": {
        "kind": {"const": "question"},
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "type": {"enum": list(QUESTION_TYPES)},
        "label": _TEXT,
        "hint": _TEXT,
        "required": {"type": "boolean"},
        "relevant": _CONDITION,
        "constraint": _CONDITION,
        "constraint_message": _TEXT,
        "choices": {"type": "string", "pattern": NAME_PATTERN},
        "appearance": {"type": "string"},
        "pattern": {"type": "string"},
        "norms": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "uniqueItems": True,
        },
        "finding_required": {"type": "boolean"},
        # Read from standard XLSForms and passed on to ODK clients as written (XPath):
        # Kuzet's own forms show them but do not evaluate them (docs/xlsform.md).
        "guidance_hint": _TEXT,
        "calculation": {"type": "string", "minLength": 1},
        "default": {"type": "string"},
        "read_only": {"type": "boolean"},
        "choice_filter": {"type": "string"},
    },
}
_REPEAT = {
    "type": "object",
    "required": ["kind", "name", "label", "items"],
    "additionalProperties": False,
    "properties": {
        "kind": {"const": "repeat"},
        "name": {"type": "string", "pattern": NAME_PATTERN},
        "label": _TEXT,
        "relevant": _CONDITION,
        "repeat_count": {"type": "string", "minLength": 1},
        "items": {"type": "array", "items": _QUESTION},
    },
}
JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Kuzet instrument version",
    "type": "object",
    "required": ["format", "code", "version", "kind", "title", "choice_lists", "sections"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "code": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,63}$"},
        "version": {"type": "string", "minLength": 1, "maxLength": 40},
        "kind": {"enum": ["checklist", "interview", "test"]},
        # A test's pass mark: the share of its scored questions, in per cent, answered right.
        "pass_mark": {"type": "integer", "minimum": 1, "maximum": 100},
        "title": _TEXT,
        "institution_types": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "choice_lists": {
            "type": "object",
            "propertyNames": {"pattern": NAME_PATTERN},
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "label"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 64},
                        "label": _TEXT,
                        # Extra columns of the choices sheet, which choice_filter reads.
                        "properties": {
                            "type": "object",
                            "propertyNames": {"pattern": NAME_PATTERN},
                            "additionalProperties": {"type": "string"},
                        },
                    },
                },
            },
        },
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "label", "items"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "pattern": NAME_PATTERN},
                    "label": _TEXT,
                    "relevant": _CONDITION,
                    # if/then rather than oneOf, so that errors name the wrong field.
                    "items": {
                        "type": "array",
                        "items": {
                            "if": {
                                "properties": {"kind": {"const": "repeat"}},
                                "required": ["kind"],
                            },
                            "then": _REPEAT,
                            "else": _QUESTION,
                        },
                    },
                },
            },
        },
    },
}


def text_in(texts: Any, language: str) -> str:
    """The text in ``language`` of a {"ru": …, "kk": …} mapping, falling back to Russian,
    then Kazakh; "" when there is none."""
    if not isinstance(texts, dict):
        return ""
    return str(texts.get(language) or texts.get("ru") or texts.get("kk") or "")


def choice_label(document: dict[str, Any], list_name: str, value: str, language: str) -> str:
    """The label in ``language`` of choice ``value`` of a choice list (``value`` if unknown)."""
    for choice in document.get("choice_lists", {}).get(list_name, []):
        if choice.get("name") == value:
            return text_in(choice.get("label"), language) or value
    return value


def labels_of(document: dict[str, Any], language: str) -> dict[str, str]:
    """Question labels by name in ``language`` (falling back to Russian)."""
    labels = {}
    for section in document["sections"]:
        for item in section["items"]:
            for node in [item, *item.get("items", [])] if item["kind"] == "repeat" else [item]:
                labels[node["name"]] = text_in(node["label"], language)
    return labels


def path_label(labels: dict[str, str], path: str) -> str:
    """``repeat[2].name`` → "Label of name (Label of repeat, 2)"."""
    match = re.match(r"^(\w+)\[(\d+)\]\.(\w+)$", path)
    if not match:
        return labels.get(path, path)
    repeat, number, name = match.groups()
    return f"{labels.get(name, name)} ({labels.get(repeat, repeat)}, {number})"


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(JSON_SCHEMA)
    return Draft202012Validator(JSON_SCHEMA)


@dataclass(frozen=True)
class Node:
    """A section, repeat or question with its JSON path and enclosing repeat."""

    item: dict[str, Any]
    path: str
    repeat: str | None


def walk(document: dict[str, Any]) -> Iterator[Node]:
    """Every section, repeat and question, in form order."""
    for s, section in enumerate(document.get("sections", [])):
        yield Node(section, f"sections[{s}]", None)
        for i, item in enumerate(section.get("items", [])):
            path = f"sections[{s}].items[{i}]"
            yield Node(item, path, None)
            if item.get("kind") == "repeat":
                for j, question in enumerate(item.get("items", [])):
                    yield Node(question, f"{path}.items[{j}]", item["name"])


def questions(document: dict[str, Any]) -> Iterator[Node]:
    return (n for n in walk(document) if n.item.get("kind") == "question")


def document_problems(document: Any) -> list[Problem]:
    """Every problem of a version document; [] when it is valid."""
    if not isinstance(document, dict):
        return [Problem("", _("the document is not a JSON object"))]
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        return [Problem(_json_path(e.absolute_path), e.message) for e in errors[:50]]
    problems: list[Problem] = []
    for lang in REQUIRED_LANGUAGES:
        if not document["title"].get(lang):
            problems.append(
                Problem("title", _("the title in %(lang)s is missing") % {"lang": repr(lang)})
            )
    lists = document["choice_lists"]
    for list_name, choices in lists.items():
        names = [c["name"] for c in choices]
        if not choices:
            problems.append(Problem(f"choice_lists.{list_name}", _("the list has no choices")))
        for dup in sorted({n for n in names if names.count(n) > 1}):
            problems.append(
                Problem(
                    f"choice_lists.{list_name}",
                    _("choice %(choice)s appears twice") % {"choice": repr(dup)},
                )
            )
        for c, choice in enumerate(choices):
            problems += _label_problems(choice["label"], f"choice_lists.{list_name}[{c}].label")
    if (
        COMPLIANCE_LIST in lists
        and tuple(c["name"] for c in lists[COMPLIANCE_LIST]) != COMPLIANCE_CHOICES
    ):
        problems.append(
            Problem(
                f"choice_lists.{COMPLIANCE_LIST}",
                _("must be exactly %(choices)s") % {"choices": ", ".join(COMPLIANCE_CHOICES)},
            )
        )

    problems += _test_problems(document)

    seen: dict[str, str] = {}
    order: dict[str, int] = {}
    kinds: dict[str, str] = {}
    repeat_of: dict[str, str | None] = {}
    for index, node in enumerate(walk(document)):
        item, path = node.item, node.path
        name = item["name"]
        if name in seen:
            problems.append(
                Problem(
                    f"{path}.name",
                    _("name %(name)s is already used at %(path)s")
                    % {"name": repr(name), "path": seen[name]},
                )
            )
            continue
        seen[name], order[name] = path, index
        kinds[name] = item.get("kind", "section")
        repeat_of[name] = node.repeat
        if item.get("type") != "calculate":  # a calculation is not shown: no label needed
            problems += _label_problems(item["label"], f"{path}.label")
        if item.get("kind") != "question":
            continue
        qtype = item["type"]
        if (qtype == "calculate") != ("calculation" in item):
            problems.append(
                Problem(
                    f"{path}.calculation",
                    _("a calculate question needs a calculation, and only it has one"),
                )
            )
        if qtype in SELECT_TYPES:
            if "choices" not in item:
                problems.append(
                    Problem(f"{path}.choices", _("a select question needs a choice list"))
                )
            elif item["choices"] not in lists:
                problems.append(
                    Problem(
                        f"{path}.choices",
                        _("no choice list %(list)s") % {"list": repr(item["choices"])},
                    )
                )
        elif qtype == "compliance":
            if COMPLIANCE_LIST not in lists:
                problems.append(
                    Problem(
                        f"{path}.type", _("a compliance item needs the 'compliance' choice list")
                    )
                )
        elif "choices" in item:
            problems.append(
                Problem(
                    f"{path}.choices", _("a %(type)s question has no choices") % {"type": qtype}
                )
            )
        if item.get("finding_required") and qtype != "compliance":
            problems.append(
                Problem(
                    f"{path}.finding_required", _("only compliance items can require a finding")
                )
            )
        if qtype == "note" and item.get("required"):
            problems.append(Problem(f"{path}.required", _("a note cannot be required")))
        if "pattern" in item:
            try:
                re.compile(item["pattern"])
            except re.error as exc:
                problems.append(
                    Problem(
                        f"{path}.pattern", _("not a regular expression: %(error)s") % {"error": exc}
                    )
                )

    # Conditions: well-formed, referring to earlier questions only (so no cycles).
    for index, node in enumerate(walk(document)):
        item, path = node.item, node.path
        if seen.get(item["name"]) != path:
            continue
        for key in ("relevant", "constraint"):
            if item.get(key) is None:
                continue
            try:
                check(item[key])
            except ConditionError as exc:
                problems.append(Problem(f"{path}.{key}", str(exc)))
                continue
            for ref in sorted(references(item[key])):
                if ref not in seen:
                    problems.append(
                        Problem(
                            f"{path}.{key}",
                            _("refers to %(name)s, which is not in the instrument")
                            % {"name": repr(ref)},
                        )
                    )
                elif ref == item["name"] and key == "relevant":
                    problems.append(
                        Problem(
                            f"{path}.{key}", _("a question's relevance cannot depend on itself")
                        )
                    )
                elif order[ref] > index and key == "relevant":
                    problems.append(
                        Problem(
                            f"{path}.{key}",
                            _("refers to %(name)s, which comes later (conditions look back only)")
                            % {"name": repr(ref)},
                        )
                    )
                elif (
                    repeat_of[ref] is not None
                    and repeat_of[ref] != node.repeat
                    and kinds[ref] == "question"
                ):
                    problems.append(
                        Problem(
                            f"{path}.{key}",
                            _(
                                "refers to %(name)s inside repeat %(repeat)s; use any/all/count over the repeat"
                            )
                            % {"name": repr(ref), "repeat": repr(repeat_of[ref])},
                        )
                    )
    return problems


def is_correct(choice: dict[str, Any]) -> bool:
    """Whether a choice of a test is marked as a right answer (``kuzet_correct`` = yes)."""
    return str(choice.get("properties", {}).get(CORRECT_COLUMN, "")).strip().lower() == "yes"


def _test_problems(document: dict[str, Any]) -> list[Problem]:
    """A test (kind "test") has a pass mark, no repeats, and each of its select questions
    has its right answer(s) marked; other kinds have neither (docs/xlsform.md)."""
    problems: list[Problem] = []
    lists = document["choice_lists"]
    for list_name, choices in lists.items():
        for c, choice in enumerate(choices):
            value = str(choice.get("properties", {}).get(CORRECT_COLUMN, "")).strip().lower()
            if value not in ("", "yes", "no"):
                problems.append(
                    Problem(
                        f"choice_lists.{list_name}[{c}].{CORRECT_COLUMN}",
                        _("must be yes or no"),
                    )
                )
            elif value and document["kind"] != "test":
                problems.append(
                    Problem(
                        f"choice_lists.{list_name}[{c}].{CORRECT_COLUMN}",
                        _("only a test (kuzet_kind test) marks right answers"),
                    )
                )
    if document["kind"] != "test":
        if "pass_mark" in document:
            problems.append(
                Problem("pass_mark", _("only a test (kuzet_kind test) has a pass mark"))
            )
        return problems
    if "pass_mark" not in document:
        problems.append(Problem("pass_mark", _("a test needs a pass mark (1 to 100 per cent)")))
    scored = 0
    for node in walk(document):
        item = node.item
        if item.get("kind") == "repeat":
            problems.append(Problem(node.path, _("a test cannot have repeats")))
            continue
        if item.get("kind") != "question" or item.get("type") not in SELECT_TYPES:
            continue
        right = [c for c in lists.get(item.get("choices", ""), []) if is_correct(c)]
        if not right:
            problems.append(
                Problem(
                    f"{node.path}.choices",
                    _("mark the right answer in the choices sheet (column kuzet_correct)"),
                )
            )
        elif item["type"] == "select_one" and len(right) > 1:
            problems.append(
                Problem(
                    f"{node.path}.choices",
                    _("a select_one question of a test has exactly one right answer"),
                )
            )
        scored += 1
    if not scored:
        problems.append(Problem("sections", _("a test needs at least one select question")))
    return problems


def _label_problems(label: dict[str, str], path: str) -> list[Problem]:
    return [
        Problem(path, _("the label in %(lang)s is missing") % {"lang": repr(lang)})
        for lang in REQUIRED_LANGUAGES
        if not label.get(lang)
    ]


def _json_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
