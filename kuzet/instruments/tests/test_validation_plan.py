"""Validation through a prepared plan gives exactly what the plain walk gave: the same kept
answers, the same errors in the same order, the same exception at the same moment, for
documents and answers hypothesis makes up (malformed conditions and patterns included).

The plain walk is kept below as the reference, as ``validation.py`` had it before plans.
"""

import copy
import re
from datetime import date, datetime, time
from typing import Any

import pytest
from django.utils.translation import gettext as _
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuzet.instruments.conditions import (
    ConditionError,
    Context,
    compile_condition,
    compile_holds,
    evaluate,
    holds,
    is_empty,
)
from kuzet.instruments.schema import COMPLIANCE_CHOICES, COMPLIANCE_LIST, MEDIA_TYPES, text_in
from kuzet.instruments.validation import Validated, validate_response

# ---------------------------------------------------------------------------------------
# REFERENCE: validate_response as it was before plans (kuzet/instruments/validation.py at
# 9d716bc), copied as-is but for its name. Do not optimise: it is the specification.
# ---------------------------------------------------------------------------------------

DATETIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


def reference_validate_response(document: dict[str, Any], answers: Any) -> Validated:
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


# ---------------------------------------------------------------------------------------
# End of the reference.
# ---------------------------------------------------------------------------------------

NAMES = ["a", "b", "c", "d", "e", "f", "g", "rep", "rep2", "s1", "s2"]
CHOICES = ["x", "y", "z", "compliant", "partly", "non_compliant", "not_checked", "12", ""]
TYPES = [
    "text", "long_text", "integer", "decimal", "date", "time", "datetime", "select_one",
    "select_multiple", "compliance", "photo", "file", "geopoint", "note", "calculate", "mystery",
]  # fmt: skip
names = st.sampled_from(NAMES)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 20),
    st.sampled_from([0.0, -0.0, 1.0, 2.5, 1e20, -7.25]),
    st.sampled_from(
        [*CHOICES, "x y", "2026-03-01", "2026-3-1", "2026-03-01T10:30", "10:30", "25:00", "abc"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(NAMES), inner, max_size=3)
    ),
    max_leaves=6,
)
MALFORMED = [[], ["nope", 1], ["=", 1], ["ref"], ["ref", "a", "b"], [1, 2], {"ref": "a"},
             ["and"], ["any", "rep"], ["count"], ["ref", ["a"]], ("ref", "a")]  # fmt: skip


def conditions() -> st.SearchStrategy[Any]:
    refs = st.builds(lambda n: ["ref", n], names)
    leaves = st.one_of(
        refs,
        refs,
        st.just(["self"]),
        st.just(["self"]),
        scalars,
        scalars,
        st.builds(lambda n: ["count", n], names),
        st.one_of(st.sampled_from(MALFORMED), scalars),  # malformed one time in twelve or so
    )

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.builds(
                lambda op, a, b: [op, a, b],
                st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
                inner,
                inner,
            ),
            st.builds(
                lambda op, xs: [op, *xs],
                st.sampled_from(["and", "or"]),
                st.lists(inner, max_size=3),
            ),
            st.builds(
                lambda op, a: [op, a],
                st.sampled_from(["not", "count-selected", "string-length", "answered"]),
                inner,
            ),
            st.builds(lambda a, b: ["selected", a, b], inner, inner),
            st.builds(lambda op, n, c: [op, n, c], st.sampled_from(["any", "all"]), names, inner),
        )

    return st.recursive(leaves, extend, max_leaves=6)


maybe_condition = st.one_of(st.none(), st.none(), conditions())
on_self = st.builds(
    lambda op, side, literal: [op, side, literal],
    st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "selected"]),
    st.sampled_from([["self"], ["string-length", ["self"]], ["count-selected", ["self"]]]),
    scalars,
)
messages = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"ru": st.sampled_from(["Не так", ""])}, optional={"en": st.just("Off")}),
    st.just({"kk": 7}),
)
patterns = st.sampled_from([r"[a-z]+", r"\d{2}", r"x|y", "(", r"[0-9]+(\.5)?"])


@st.composite
def questions(draw: st.DrawFn) -> dict[str, Any]:
    qtype = draw(st.sampled_from(TYPES))
    question: dict[str, Any] = {"kind": "question", "name": draw(names), "type": qtype}
    # Each key with its odds of being there (one in n).
    optional = {
        "required": (2, st.one_of(st.booleans(), st.sampled_from([0, 1, ""]))),
        "relevant": (4, conditions()),
        "constraint": (2, st.one_of(on_self, on_self, conditions())),
        "constraint_message": (3, messages),
        "pattern": (6, patterns),
        "choices": (1, st.sampled_from(["l1", "l1", "l2", "missing"])),
    }
    for key, (odds, strategy) in optional.items():
        if draw(st.integers(1, odds)) == 1:
            question[key] = draw(st.one_of(st.none(), strategy) if key != "choices" else strategy)
    return question


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    lists = draw(
        st.dictionaries(
            st.sampled_from(["l1", "l2", "compliance"]),
            st.lists(st.sampled_from(CHOICES), min_size=1, max_size=5).map(
                lambda cs: [{"name": c, "label": {"ru": c}} for c in cs]
            ),
            max_size=3,
        )
    )
    sections = []
    for _s in range(draw(st.integers(0, 3) if draw(st.integers(0, 9)) == 0 else st.integers(1, 3))):
        items: list[dict[str, Any]] = []
        for _i in range(draw(st.integers(0, 4))):
            if draw(st.integers(0, 4)) == 0:
                repeat: dict[str, Any] = {
                    "kind": "repeat",
                    "name": draw(st.sampled_from(["rep", "rep2", "a"])),
                    "items": draw(st.lists(questions(), max_size=3)),
                }
                if draw(st.booleans()):
                    repeat["relevant"] = draw(maybe_condition)
                items.append(repeat)
            else:
                items.append(draw(questions()))
        section: dict[str, Any] = {"kind": "section", "name": draw(names), "items": items}
        if draw(st.booleans()):
            section["relevant"] = draw(maybe_condition)
        sections.append(section)
    return {"format": 1, "code": "t", "choice_lists": lists, "sections": sections}


def valid(qtype: str) -> st.SearchStrategy[Any]:
    """Answers a question of ``qtype`` may accept (choices may still be missing)."""
    return {
        "integer": st.integers(-3, 20),
        "decimal": st.sampled_from([0, 2.5, -1.0, 7]),
        "date": st.sampled_from(["2026-03-01", "2026-02-30"]),
        "time": st.sampled_from(["10:30", "23:59:59"]),
        "datetime": st.sampled_from(["2026-03-01T10:30", "2026-03-01T10:30:00+05:00"]),
        "select_one": st.sampled_from(CHOICES),
        "compliance": st.sampled_from(CHOICES),
        "select_multiple": st.lists(st.sampled_from(CHOICES), max_size=3),
        "geopoint": st.lists(st.sampled_from([43.2, 76.9, 0, -91, 12]), min_size=2, max_size=3),
        "calculate": st.sampled_from(["5", 5, 2.5, True]),
    }.get(qtype, st.sampled_from(["abc", "12", "x", "x y", "1.5"]))


@st.composite
def answers_to(draw: st.DrawFn, questions: list[dict[str, Any]]) -> dict[str, Any]:
    answers = {}
    for question in questions:
        if draw(st.integers(0, 4)):
            kind = draw(st.integers(0, 2))
            answers[question["name"]] = draw(valid(question["type"]) if kind else values)
    return answers


@st.composite
def answer_sets(draw: st.DrawFn, document: dict[str, Any]) -> Any:
    if draw(st.integers(0, 30)) == 0:
        return draw(values)
    questions = []
    answers: dict[str, Any] = {}
    for section in document["sections"]:
        for item in section["items"]:
            if item["kind"] == "question":
                questions.append(item)
            elif draw(st.integers(0, 5)):
                answers[item["name"]] = draw(
                    st.lists(answers_to(item["items"]), max_size=3)
                    if draw(st.integers(0, 8))
                    else values
                )
    answers.update(draw(answers_to(questions)))
    answers.update(draw(st.dictionaries(names, values, max_size=1)))  # perhaps unknown
    return answers


def outcome(validate: Any, document: Any, answers: Any) -> tuple[str, str]:
    """Everything a caller can see, exactly: types, order and messages (repr keeps them)."""
    try:
        result = validate(document, answers)
    except Exception as exc:  # the exception is part of the outcome
        return ("raised", f"{type(exc).__name__}: {exc}")
    return (repr(result.answers), repr(result.errors))


def swapped(value: Any) -> Any:
    """``value`` with True and 1 (and False and 0) exchanged: equal by ``==``, not the same."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, list):
        return [swapped(v) for v in value]
    if isinstance(value, dict):
        return {k: swapped(v) for k, v in value.items()}
    return value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_plan_validates_as_the_plain_walk_did(data: st.DataObject) -> None:
    document = data.draw(documents())
    answers = data.draw(answer_sets(document))
    expected = outcome(reference_validate_response, document, answers)
    assert outcome(validate_response, document, answers) == expected
    # Again, from the plan kept for it, and for an equal copy (as the server loads it).
    assert outcome(validate_response, document, answers) == expected
    assert outcome(validate_response, copy.deepcopy(document), answers) == expected
    # A document equal by == but with true for 1 gets its own answer, not the kept plan's.
    twin = swapped(document)
    assert outcome(validate_response, twin, answers) == outcome(
        reference_validate_response, twin, answers
    )


def attempt(function: Any, *args: Any) -> tuple[str, str]:
    try:
        return ("value", repr(function(*args)))
    except Exception as exc:  # the exception is part of the outcome
        return ("raised", f"{type(exc).__name__}: {exc}")


@settings(max_examples=1000, deadline=None)
@given(
    condition=conditions(),
    answers=st.dictionaries(names, values, max_size=6),
    instance=st.one_of(st.none(), st.dictionaries(names, values, max_size=4)),
    value=values,
)
def test_a_compiled_condition_gives_what_evaluate_gives(
    condition: Any, answers: dict[str, Any], instance: dict[str, Any] | None, value: Any
) -> None:
    context = Context(answers, instance, value)
    assert attempt(compile_condition(condition), answers, instance, value) == attempt(
        evaluate, condition, context
    )
    assert attempt(compile_holds(condition), answers, instance, value) == attempt(
        holds, condition, context
    )


few = st.sampled_from([0, 1, "1", 2.5, "2.5", "x", True])  # often equal across sides
plain = st.one_of(
    scalars, few, st.lists(scalars, max_size=3), st.lists(few, min_size=1, max_size=2)
)


@settings(max_examples=1000, deadline=None)
@given(
    op=st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "selected"]),
    side=st.sampled_from([["self"], ["ref", "a"], ["string-length", ["self"]]]),
    literal=st.one_of(scalars, few),
    flip=st.booleans(),
    value=plain,
    answer=plain,
)
def test_a_comparison_with_a_literal_gives_what_evaluate_gives(
    op: str, side: Any, literal: Any, flip: bool, value: Any, answer: Any
) -> None:
    """Comparisons and ``selected`` with a literal are prepared apart: every pairing of
    types (booleans, numbers, numeric text, lists, empties) on either side."""
    condition = [op, literal, side] if flip else [op, side, literal]
    answers = {"a": answer}
    context = Context(answers, None, value)
    assert attempt(compile_condition(condition), answers, None, value) == attempt(
        evaluate, condition, context
    )
    assert attempt(compile_holds(condition), answers, None, value) == attempt(
        holds, condition, context
    )


def test_a_document_changed_in_place_is_validated_as_it_is_now() -> None:
    document = {
        "choice_lists": {},
        "sections": [
            {
                "kind": "section",
                "name": "s",
                "items": [{"kind": "question", "name": "q", "type": "integer"}],
            }
        ],
    }
    assert validate_response(document, {}).errors == {}
    document["sections"][0]["items"][0]["required"] = True
    assert validate_response(document, {}).errors == {"q": ["This question is required."]}
    document["sections"][0]["items"][0]["constraint"] = [">", ["self"], 10]
    assert validate_response(document, {"q": 3}).errors == {
        "q": ["The answer is outside the allowed values."]
    }


def test_a_malformed_condition_raises_only_when_it_is_reached() -> None:
    question = {"kind": "question", "name": "r", "type": "text", "relevant": ["q"]}
    section = {"kind": "section", "name": "s", "items": [question], "relevant": ["=", 1, 2]}
    document = {"choice_lists": {}, "sections": [section]}
    assert validate_response(document, {"r": "x"}).errors == {}  # the section is not shown
    del section["relevant"]
    with pytest.raises(ConditionError, match="unknown operator 'q'"):
        validate_response(document, {"r": "x"})


@pytest.mark.parametrize(
    "condition",
    [
        ["selected", ["nope"], ["ref"]],
        ["=", ["nope"], ["ref"]],
        ["and", ["nope"], ["ref"]],
        ["or", ["nope"], ["ref"]],
        ["and", False, ["ref"]],
        ["or", True, ["ref"]],
        ["any", "rep", ["ref"]],
        ["all", "rep", ["ref"]],
    ],
)
def test_of_two_malformed_parts_the_one_evaluated_first_is_reported(condition: Any) -> None:
    question = {"kind": "question", "name": "q", "type": "text", "constraint": condition}
    repeat = {"kind": "repeat", "name": "rep", "items": []}
    document = {"choice_lists": {}, "sections": [{"kind": "section", "name": "s", "items": [repeat, question]}]}  # fmt: skip
    for answers in ({"q": "x"}, {"q": "x", "rep": [{}, {}]}):
        expected = outcome(reference_validate_response, document, answers)
        assert outcome(validate_response, document, answers) == expected
