"""Validating a response (the answers to one instrument version) on the server.

Answers are a JSON object keyed by question name; a repeat's answers are a list of such
objects, one per instance. Walking the form in order, a question that is not relevant is
not required and its answer is dropped (later conditions see it as empty), exactly as the
field app does. Errors are keyed by path — ``name`` or ``repeat[2].name`` (instances
counted from 1) — with messages in the active language.

A document is prepared once (``_Plan``: choice sets, a checker per question type, compiled
patterns and conditions) and the plan is reused for an equal document (``_plan_for``). The
results are those of the plain walk it replaced (kept as the reference in
tests/test_validation_plan.py); a condition or pattern that is not well-formed still raises
only when an answer reaches it. A document without the shape the schema gives (a section
without items, an item without a name, kind or type) raises as before, though perhaps
another of its faults first.
"""

import copy
import marshal
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kuzet.instruments.conditions import Compiled, compile_holds, is_empty
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
    _plan_for(document).run(answers, result)
    return result


# Plans of the documents validated last, most recent first, found by content: the sync
# server loads the version afresh for every record, so the same document comes as a new
# object each time (and a draft edited in place must not keep a stale plan). Why a plan
# found is the plan of this very document:
# - ``==`` says the two are equal (the cheapest deep check; bench/validation.py);
# - but ``==`` takes True for 1 and 1.0, so the parts where the type of an equal value
#   matters (``_TYPED_KEYS``: conditions, constraint messages, patterns) are compared
#   exactly as well, as marshal version 0 bytes (no sharing marks: equal content, equal
#   bytes);
# - a document with a name that is not text gets no cached plan.
# Published versions never change (InstrumentVersion.save refuses), so the versions in use
# fit in the cache.
PLANS_KEPT = 64
_plans: list[tuple[dict[str, Any], bytes, "_Plan"]] = []
_plans_lock = threading.Lock()


def _plan_for(document: dict[str, Any]) -> "_Plan":
    for entry in tuple(_plans):
        snapshot, exact, plan = entry
        if snapshot == document and _exact_parts(document, plan.typed) == exact:
            with _plans_lock:  # to the front (found by identity: == would compare documents)
                place = next((n for n, e in enumerate(_plans) if e is entry), None)
                if place:
                    _plans.insert(0, _plans.pop(place))
            return plan
    # Compiled from a copy: the plan must not change if the caller's document does.
    snapshot = _copy(document)
    plan = _Plan(snapshot)
    parts = _exact_parts(snapshot, plan.typed) if plan.cacheable else None
    if parts is not None:
        with _plans_lock:
            _plans.insert(0, (snapshot, parts, plan))
            del _plans[PLANS_KEPT:]
    return plan


def _copy(document: dict[str, Any]) -> dict[str, Any]:
    """A deep copy; through marshal (version 0) for plain JSON values, three times faster
    than copy.deepcopy, which is kept for anything else."""
    try:
        copied: dict[str, Any] = marshal.loads(marshal.dumps(document, 0))  # noqa: S302  (bytes made here)
    except ValueError:
        return copy.deepcopy(document)
    return copied


_TYPED_KEYS = ("relevant", "constraint", "constraint_message", "pattern")


def _exact_parts(document: dict[str, Any], typed: list[tuple[int, int, int]]) -> bytes | None:
    """Marshal bytes of the conditions, constraint messages and patterns (of the section,
    item and repeat question at each (section, item, question) index, -1 for none)."""
    sections = document["sections"]
    parts = []
    for s, i, q in typed:
        node = sections[s]
        if i >= 0:
            node = node["items"][i]
            if q >= 0:
                node = node["items"][q]
        parts.append(tuple(node.get(key) for key in _TYPED_KEYS))
    try:
        return marshal.dumps(parts, 0)
    except ValueError:  # not plain JSON values: no cached plan
        return None


# The type checks: the value, and the choices a select accepts (None for other types).
Check = Callable[[Any, frozenset[str] | None], str | None]


def _text(value: Any, allowed: Any) -> str | None:
    return None if isinstance(value, str) else _("Give text.")


def _integer(value: Any, allowed: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    return None if ok else _("Give a whole number.")


def _decimal(value: Any, allowed: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return None if ok else _("Give a number.")


def _date(value: Any, allowed: Any) -> str | None:
    try:
        date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "")
    except ValueError:
        return _("Give a date as YYYY-MM-DD.")
    return None


def _datetime(value: Any, allowed: Any) -> str | None:
    try:
        moment = datetime.fromisoformat(value if isinstance(value, str) else "")
    except ValueError:
        moment = None
    if moment is None or not DATETIME_PATTERN.match(value):
        return _("Give a date and time as YYYY-MM-DDTHH:MM.")
    return None


def _time(value: Any, allowed: Any) -> str | None:
    if isinstance(value, str) and TIME_PATTERN.match(value):
        time.fromisoformat(value)
        return None
    return _("Give a time as HH:MM.")


def _geopoint(value: Any, allowed: Any) -> str | None:
    ok = (
        isinstance(value, list)
        and 2 <= len(value) <= 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and -90 <= value[0] <= 90
        and -180 <= value[1] <= 180
    )
    return None if ok else _("Give a location as [latitude, longitude].")


def _select_one(value: Any, allowed: Any) -> str | None:
    ok = isinstance(value, str) and value in allowed
    return None if ok else _("Choose one of the offered answers.")


def _select_multiple(value: Any, allowed: Any) -> str | None:
    ok = (
        isinstance(value, list)
        and all(isinstance(v, str) and v in allowed for v in value)
        and len(set(value)) == len(value)
    )
    return None if ok else _("Choose among the offered answers, each once.")


def _any(value: Any, allowed: Any) -> str | None:
    return None


CHECKS: dict[str, Check] = {
    "text": _text,
    "long_text": _text,
    **dict.fromkeys(MEDIA_TYPES, _text),
    "integer": _integer,
    "decimal": _decimal,
    "date": _date,
    "datetime": _datetime,
    "time": _time,
    "geopoint": _geopoint,
    "select_one": _select_one,
    "compliance": _select_one,
    "select_multiple": _select_multiple,
}
NOTE, CALCULATE, ANSWER = 0, 1, 2
EMPTY: frozenset[str] = frozenset()


class _Question:
    """One question prepared: what ``validate_response`` checks of its answer, in order."""

    __slots__ = (
        "accepted",
        "allowed",
        "any_text",
        "check",
        "constraint",
        "kind",
        "messages",
        "name",
        "pattern",
        "required",
    )

    def __init__(self, question: dict[str, Any], lists: dict[str, set[str]]) -> None:
        qtype = question["type"]
        self.name = question["name"]
        self.kind = NOTE if qtype == "note" else CALCULATE if qtype == "calculate" else ANSWER
        self.required = bool(question.get("required"))
        self.check: Check = _any
        self.allowed: frozenset[str] | None = None
        if self.kind == ANSWER:
            if isinstance(qtype, str) and qtype in CHECKS:
                self.check = CHECKS[qtype]
            if self.check in (_any, _select_one, _select_multiple):
                key = COMPLIANCE_LIST if qtype == "compliance" else question.get("choices", "")
                default = set(COMPLIANCE_CHOICES) if qtype == "compliance" else set()
                self.allowed = frozenset(lists.get(key, default))
        self.pattern: re.Pattern[str] | Any = None
        if "pattern" in question:
            try:
                self.pattern = re.compile(question["pattern"])
            except Exception:  # whatever re.compile raises is raised on use
                # Not a pattern: raised when an answer reaches it, as before.
                self.pattern = _Unusable(question["pattern"])
        constraint = question.get("constraint")
        self.constraint = None if constraint is None else compile_holds(constraint)
        self.messages = question.get("constraint_message") or {}
        # Answers kept at once, with nothing more to check (``Plan.run``): a non-empty text
        # when any text is accepted, or one of the choices of a single choice.
        plain = self.pattern is None and self.constraint is None
        self.any_text = plain and self.check is _text
        self.accepted = (
            self.allowed if plain and self.check is _select_one and self.allowed else EMPTY
        )

    def run(
        self,
        value: Any,
        path: str,
        answers: Mapping[str, Any],
        instance: Mapping[str, Any] | None,
        result: Validated,
        target: dict[str, Any],
    ) -> None:
        kind = self.kind
        if kind == NOTE:
            return
        if kind == CALCULATE:
            # Computed by the ODK client (Kuzet does not evaluate XPath): kept as it came.
            if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "":
                target[self.name] = value
            elif not is_empty(value):
                result.add(path, _("Give text."))
            return
        if value is None or value == "" or (isinstance(value, list) and len(value) == 0):
            if self.required:
                result.add(path, _("This question is required."))
            return
        problem = self.check(value, self.allowed)
        if problem:
            result.add(path, problem)
            return
        if self.pattern is not None and not self.pattern.fullmatch(str(value)):
            result.add(path, _("The answer does not have the expected form."))
            return
        if self.constraint is not None and not self.constraint(answers, instance, value):
            message = text_in(self.messages, (get_language() or "ru").split("-")[0])
            result.add(path, message or _("The answer is outside the allowed values."))
            return
        target[self.name] = value


class _Unusable:
    """A question's pattern that is not a regular expression: ``re`` raises on use."""

    def __init__(self, pattern: Any) -> None:
        self.source = pattern

    def fullmatch(self, text: str) -> Any:
        return re.fullmatch(self.source, text)


class _Item:
    """An item of a section: a question, or a repeat and its questions."""

    __slots__ = ("inner", "name", "question", "relevant", "repeat")

    def __init__(self, item: dict[str, Any], lists: dict[str, set[str]]) -> None:
        self.name = item["name"]
        self.relevant = _condition(item)
        self.question = None
        self.repeat = None
        self.inner: set[str] = set()
        if item["kind"] == "repeat":
            self.repeat = [(q["name"], _condition(q), _Question(q, lists)) for q in item["items"]]
            self.inner = {name for name, _relevant, _question in self.repeat}
        else:
            self.question = _Question(item, lists)


def _condition(node: dict[str, Any]) -> Compiled | None:
    relevant = node.get("relevant")
    return None if relevant is None else compile_holds(relevant)


class _Plan:
    """A document prepared for validation, walked in the document's order by ``run``."""

    def __init__(self, document: dict[str, Any]) -> None:
        lists = {
            name: {c["name"] for c in choices} for name, choices in document["choice_lists"].items()
        }
        self.sections: list[tuple[Compiled | None, list[_Item]]] = []
        # (section, item, question) indexes of the nodes with conditions, messages or patterns.
        self.typed: list[tuple[int, int, int]] = []
        names = []
        for s, section in enumerate(document["sections"]):
            names.append(section["name"])
            self._note_typed(section, s, -1, -1)
            items = []
            for i, item in enumerate(section["items"]):
                names.append(item["name"])
                self._note_typed(item, s, i, -1)
                items.append(_Item(item, lists))
                if item["kind"] == "repeat":
                    for q, question in enumerate(item["items"]):
                        names.append(question["name"])
                        self._note_typed(question, s, i, q)
            self.sections.append((_condition(section), items))
        self.known = set(names)
        self.cacheable = all(type(name) is str for name in names)

    def _note_typed(self, node: dict[str, Any], s: int, i: int, q: int) -> None:
        if any(node.get(key) is not None for key in _TYPED_KEYS):
            self.typed.append((s, i, q))

    def run(self, answers: dict[str, Any], result: Validated) -> None:
        kept = result.answers
        for relevant, items in self.sections:
            section_shown = relevant is None or relevant(kept, None, None)
            for item in items:
                shown = section_shown and (item.relevant is None or item.relevant(kept, None, None))
                question = item.question
                if question is not None:
                    if shown:
                        name = item.name
                        value = answers.get(name)
                        if (
                            value.__class__ is str
                            and value
                            and (question.any_text or value in question.accepted)
                        ):
                            kept[name] = value
                        else:
                            question.run(value, name, kept, None, result, kept)
                elif shown:
                    _repeat(item, answers.get(item.name), kept, result)
        known = self.known
        for name in answers:
            if name not in known:
                result.add(name, _("This is not a question of this instrument."))


def _repeat(item: _Item, value: Any, kept: dict[str, Any], result: Validated) -> None:
    assert item.repeat is not None
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        result.add(item.name, _("A repeat's answers must be a list of objects."))
        return
    instances: list[dict[str, Any]] = []
    kept[item.name] = instances
    inner = item.inner
    for number, raw in enumerate(value, start=1):
        instance: dict[str, Any] = {}
        instances.append(instance)
        for name, relevant, question in item.repeat:
            if relevant is None or relevant(kept, instance, None):
                path = f"{item.name}[{number}].{name}"
                question.run(raw.get(name), path, kept, instance, result, instance)
        for name in raw:
            if name not in inner:
                result.add(
                    f"{item.name}[{number}].{name}", _("This is not a question of this repeat.")
                )
