"""Validating a response (the answers to one instrument version) on the server.

Answers are a JSON object keyed by question name; a repeat's answers are a list of such
objects, one per instance. Walking the form in order, a question that is not relevant is
not required and its answer is dropped (later conditions see it as empty), exactly as the
field app does. Errors are keyed by path — ``name`` or ``repeat[2].name`` (instances
counted from 1) — with messages in the active language.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils.translation import gettext as _

from kuzet.instruments.conditions import Context, holds, is_empty
from kuzet.instruments.schema import COMPLIANCE_CHOICES, COMPLIANCE_LIST, MEDIA_TYPES, text_in

DATETIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


@dataclass
class Validated:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)


def validate_response(document: dict[str, Any], answers: Any) -> Validated:
    """The answers that stand (relevant ones only) and every error, keyed by question path."""
    result = Validated()
    if not isinstance(answers, dict):
        result.add("", _("The answers must be a JSON object keyed by question name."))
        return result
    lists = {
        name: {c["name"] for c in choices} for name, choices in document["choice_lists"].items()
    }
    known: set[str] = set()
    kept = result.answers
    # One context for the whole form: it reads ``kept`` as it grows (a frozen view of it).
    root = Context(kept)
    for section in document["sections"]:
        known.add(section["name"])
        section_shown = holds(section.get("relevant"), root)
        for item in section["items"]:
            known.add(item["name"])
            shown = section_shown and holds(item.get("relevant"), root)
            if item["kind"] == "repeat":
                known.update(q["name"] for q in item["items"])
                _repeat(item, answers.get(item["name"]), shown, kept, lists, result)
            elif shown:
                _question(
                    item,
                    answers.get(item["name"]),
                    item["name"],
                    root,
                    lists,
                    result,
                    kept,
                )
    for name in answers:
        if name not in known:
            result.add(name, _("This is not a question of this instrument."))
    return result


def _repeat(
    repeat: dict[str, Any],
    value: Any,
    shown: bool,
    kept: dict[str, Any],
    lists: dict[str, set[str]],
    result: Validated,
) -> None:
    if not shown or value is None:
        return
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        result.add(repeat["name"], _("A repeat's answers must be a list of objects."))
        return
    instances: list[dict[str, Any]] = []
    kept[repeat["name"]] = instances
    inner = {q["name"] for q in repeat["items"]}
    for number, raw in enumerate(value, start=1):
        instance: dict[str, Any] = {}
        instances.append(instance)
        for question in repeat["items"]:
            path = f"{repeat['name']}[{number}].{question['name']}"
            context = Context(kept, instance)
            if holds(question.get("relevant"), context):
                _question(
                    question, raw.get(question["name"]), path, context, lists, result, instance
                )
        for name in raw:
            if name not in inner:
                result.add(
                    f"{repeat['name']}[{number}].{name}",
                    _("This is not a question of this repeat."),
                )


def _question(
    question: dict[str, Any],
    value: Any,
    path: str,
    context: Context,
    lists: dict[str, set[str]],
    result: Validated,
    target: dict[str, Any],
) -> None:
    qtype = question["type"]
    if qtype == "note":
        return
    if qtype == "calculate":
        # Computed by the ODK client (Kuzet does not evaluate XPath): kept as it came.
        if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "":
            target[question["name"]] = value
        elif not is_empty(value):
            result.add(path, _("Give text."))
        return
    if is_empty(value):
        if question.get("required"):
            result.add(path, _("This question is required."))
        return
    problem = _type_problem(question, value, lists)
    if problem:
        result.add(path, problem)
        return
    if "pattern" in question and not re.fullmatch(question["pattern"], str(value)):
        result.add(path, _("The answer does not have the expected form."))
        return
    constraint = question.get("constraint")
    if constraint is not None and not holds(
        constraint, Context(context.answers, context.instance, value)
    ):
        messages = question.get("constraint_message") or {}
        result.add(path, _pick(messages) or _("The answer is outside the allowed values."))
        return
    target[question["name"]] = value


def _type_problem(question: dict[str, Any], value: Any, lists: dict[str, set[str]]) -> str | None:
    qtype = question["type"]
    if qtype in ("text", "long_text") or qtype in MEDIA_TYPES:
        return None if isinstance(value, str) else _("Give text.")
    if qtype == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else _("Give a whole number.")
    if qtype == "decimal":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else _("Give a number.")
    if qtype == "date":
        try:
            date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "")
        except ValueError:
            return _("Give a date as YYYY-MM-DD.")
        return None
    if qtype == "datetime":
        try:
            moment = datetime.fromisoformat(value if isinstance(value, str) else "")
        except ValueError:
            moment = None
        if moment is None or not DATETIME_PATTERN.match(value):
            return _("Give a date and time as YYYY-MM-DDTHH:MM.")
        return None
    if qtype == "time":
        if isinstance(value, str) and TIME_PATTERN.match(value):
            time.fromisoformat(value)
            return None
        return _("Give a time as HH:MM.")
    if qtype == "geopoint":
        ok = (
            isinstance(value, list)
            and 2 <= len(value) <= 4
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and -90 <= value[0] <= 90
            and -180 <= value[1] <= 180
        )
        return None if ok else _("Give a location as [latitude, longitude].")
    allowed = (
        lists.get(COMPLIANCE_LIST, set(COMPLIANCE_CHOICES))
        if qtype == "compliance"
        else lists.get(question.get("choices", ""), set())
    )
    if qtype in ("select_one", "compliance"):
        return (
            None
            if isinstance(value, str) and value in allowed
            else _("Choose one of the offered answers.")
        )
    if qtype == "select_multiple":
        ok = (
            isinstance(value, list)
            and all(isinstance(v, str) and v in allowed for v in value)
            and len(set(value)) == len(value)
        )
        return None if ok else _("Choose among the offered answers, each once.")
    return None


def _pick(texts: dict[str, str]) -> str:
    from django.utils.translation import get_language

    return text_in(texts, (get_language() or "ru").split("-")[0])
