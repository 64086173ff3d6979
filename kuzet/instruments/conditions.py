"""The condition language: small, declarative, evaluated the same in Python and JavaScript.

A condition is JSON. Plain values (string, number, boolean, null) are literals; a list is
an operation whose first element names the operator:

    ["ref", "name"]                    the answer to question ``name`` (null if none)
    ["self"]                           the answer being checked (in constraints)
    ["=", a, b]  ["!=", a, b]  ["<", a, b]  ["<=", a, b]  [">", a, b]  [">=", a, b]
    ["and", a, b, …]  ["or", a, b, …]  ["not", a]
    ["selected", a, "choice"]          ``choice`` is among the answer's choices
    ["count-selected", a]              how many choices are selected
    ["string-length", a]               length of the answer as text (code points)
    ["answered", a]                    the answer is not empty
    ["count", "repeat"]                how many instances a repeat has
    ["any", "repeat", cond]            ``cond`` holds in at least one instance
    ["all", "repeat", cond]            ``cond`` holds in every instance (true when none)

Semantics, identical in ``static/instruments/conditions.js`` (the shared vectors in
``static/instruments/condition-vectors.json`` check both):

- Empty means null, "" or []. Two empties are equal; an empty and a non-empty value are
  not. Ordering comparisons with an empty side are false.
- Numbers compare as numbers; a string that is a plain decimal number (``"12"``,
  ``"-3.5"``) compares as a number with a number. Other values compare as strings,
  by code point; a select-multiple answer (a list) compares as its space-joined choices.
- Truth: null, false, 0, "" and [] are false; everything else true.
- ``ref`` inside a repeat instance finds the instance's own answers first, then the
  top-level ones.
"""

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
OPERATORS = frozenset(
    {
        "ref",
        "self",
        *COMPARISONS,
        "and",
        "or",
        "not",
        "selected",
        "count-selected",
        "string-length",
        "answered",
        "count",
        "any",
        "all",
    }
)


class ConditionError(ValueError):
    """A condition that is not well-formed."""


@dataclass(frozen=True)
class Context:
    answers: Mapping[str, Any]
    instance: Mapping[str, Any] | None = None
    self_value: Any = None
    repeats: frozenset[str] = field(default_factory=frozenset)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list) and len(value) == 0)


def truthy(value: Any) -> bool:
    if is_empty(value) or value is False:
        return False
    return not (isinstance(value, int | float) and not isinstance(value, bool) and value == 0)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and NUMERIC.match(value):
        return float(value)
    return None


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return " ".join(as_text(v) for v in value)
    return str(value)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("=", "!="):
        if is_empty(left) or is_empty(right):
            equal = is_empty(left) and is_empty(right)
        elif isinstance(left, bool) or isinstance(right, bool):
            equal = left is right
        else:
            a, b = _number(left), _number(right)
            numeric = (
                a is not None
                and b is not None
                and not (isinstance(left, str) and isinstance(right, str))
            )
            equal = a == b if numeric else as_text(left) == as_text(right)
        return equal if op == "=" else not equal
    if is_empty(left) or is_empty(right) or isinstance(left, bool) or isinstance(right, bool):
        return False
    a, b = _number(left), _number(right)
    if a is not None and b is not None and not (isinstance(left, str) and isinstance(right, str)):
        x: Any = a
        y: Any = b
    else:
        x, y = as_text(left), as_text(right)
    if op == "<":
        return bool(x < y)
    if op == "<=":
        return bool(x <= y)
    if op == ">":
        return bool(x > y)
    return bool(x >= y)


def _selected_values(value: Any) -> list[str]:
    if is_empty(value):
        return []
    if isinstance(value, list):
        return [as_text(v) for v in value]
    return as_text(value).split()


def evaluate(condition: Any, context: Context) -> Any:
    """The value of ``condition``; raises ``ConditionError`` if it is not well-formed."""
    if condition is None or isinstance(condition, str | bool | int | float):
        return condition
    if not isinstance(condition, list) or not condition or not isinstance(condition[0], str):
        raise ConditionError(f"not a condition: {condition!r}")
    op, args = condition[0], condition[1:]
    if op == "ref":
        _arity(op, args, 1)
        name = args[0]
        if context.instance is not None and name in context.instance:
            return context.instance[name]
        return context.answers.get(name)
    if op == "self":
        _arity(op, args, 0)
        return context.self_value
    if op in COMPARISONS:
        _arity(op, args, 2)
        return _compare(op, evaluate(args[0], context), evaluate(args[1], context))
    if op == "and":
        return all(truthy(evaluate(a, context)) for a in args)
    if op == "or":
        return any(truthy(evaluate(a, context)) for a in args)
    if op == "not":
        _arity(op, args, 1)
        return not truthy(evaluate(args[0], context))
    if op == "selected":
        _arity(op, args, 2)
        return as_text(evaluate(args[1], context)) in _selected_values(evaluate(args[0], context))
    if op == "count-selected":
        _arity(op, args, 1)
        return len(_selected_values(evaluate(args[0], context)))
    if op == "string-length":
        _arity(op, args, 1)
        return len(as_text(evaluate(args[0], context)))
    if op == "answered":
        _arity(op, args, 1)
        return not is_empty(evaluate(args[0], context))
    if op in ("count", "any", "all"):
        _arity(op, args, 1 if op == "count" else 2)
        instances = context.answers.get(args[0]) or []
        if not isinstance(instances, list):
            instances = []
        if op == "count":
            return len(instances)
        results = (
            truthy(
                evaluate(
                    args[1],
                    Context(context.answers, inst if isinstance(inst, Mapping) else {}, None),
                )
            )
            for inst in instances
        )
        return any(results) if op == "any" else all(results)
    raise ConditionError(f"unknown operator {op!r}")


def holds(condition: Any, context: Context) -> bool:
    """Whether ``condition`` is true; an absent condition (None) always holds."""
    return True if condition is None else truthy(evaluate(condition, context))


# A condition prepared once: called with (answers, instance, self value) as ``evaluate``
# reads them from a ``Context``.
Compiled = Callable[[Mapping[str, Any], Mapping[str, Any] | None, Any], Any]
# Operators whose value is always True or False: their truth needs no ``truthy``.
BOOLEAN_OPERATORS = frozenset(
    {*COMPARISONS, "and", "or", "not", "selected", "answered", "any", "all"}
)
ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
ARITY = {
    "ref": 1, "self": 0, **dict.fromkeys(COMPARISONS, 2), "not": 1, "selected": 2,
    "count-selected": 1, "string-length": 1, "answered": 1, "count": 1, "any": 2, "all": 2,
}  # fmt: skip


def compile_condition(condition: Any) -> Compiled:
    """``condition`` as a function giving what ``evaluate`` gives, for conditions evaluated
    many times (validation). It never raises: a part that is not well-formed raises the
    ``ConditionError`` (or other error) ``evaluate`` would, when and only if it is evaluated."""
    return _prepared(condition, truth=False)


def compile_holds(condition: Any) -> Compiled:
    """``holds`` prepared: as ``compile_condition``, giving ``truthy`` of the value (and
    True for an absent condition, None)."""
    if condition is None:
        return lambda answers, instance, value: True
    return _prepared(condition, truth=True)


def _prepared(condition: Any, *, truth: bool) -> Compiled:
    try:
        return _truth(condition) if truth else _compiled(condition)
    except RecursionError:  # too deep to prepare: evaluated as it is, failing as it would
        if truth:
            return lambda answers, instance, value: truthy(
                evaluate(condition, Context(answers, instance, value))
            )
        return lambda answers, instance, value: evaluate(
            condition, Context(answers, instance, value)
        )


def _raising(error: Exception) -> Compiled:
    def fail(answers: Mapping[str, Any], instance: Mapping[str, Any] | None, value: Any) -> Any:
        raise ConditionError(*error.args)

    return fail


def _well_formed_boolean(condition: Any) -> bool:
    return (
        isinstance(condition, list)
        and bool(condition)
        and isinstance(condition[0], str)
        and condition[0] in BOOLEAN_OPERATORS
        and (condition[0] in ("and", "or") or len(condition) - 1 == ARITY[condition[0]])
    )


def _truth(condition: Any) -> Compiled:
    """``truthy`` of the condition's value, skipped for operators that give True or False."""
    compiled = _compiled(condition)
    if _well_formed_boolean(condition):
        return compiled
    return lambda answers, instance, value: truthy(compiled(answers, instance, value))


def _number_literal(condition: Any) -> tuple[float, str] | None:
    """A literal number's value and text as ``_compare`` takes them (None if not one, or if
    that would raise: then it is left to evaluation time)."""
    if not isinstance(condition, int | float) or isinstance(condition, bool):
        return None
    try:
        return float(condition), as_text(condition)
    except (OverflowError, ValueError):
        return None


def _compiled(condition: Any) -> Compiled:
    if condition is None or isinstance(condition, str | bool | int | float):
        return lambda answers, instance, value: condition
    if not isinstance(condition, list) or not condition or not isinstance(condition[0], str):
        return _raising(ConditionError(f"not a condition: {condition!r}"))
    op, args = condition[0], condition[1:]
    if op in ARITY:
        try:
            _arity(op, args, ARITY[op])
        except ConditionError as exc:
            return _raising(exc)
    if op == "ref":
        name = args[0]

        def ref(answers: Mapping[str, Any], instance: Mapping[str, Any] | None, value: Any) -> Any:
            if instance is not None and name in instance:
                return instance[name]
            return answers.get(name)

        return ref
    if op == "self":
        return lambda answers, instance, value: value
    if op in COMPARISONS:
        left, right = _compiled(args[0]), _compiled(args[1])
        number = _number_literal(args[1])
        if number is not None:
            return _against_number(op, left, *number)
        return lambda answers, instance, value: _compare(
            op, left(answers, instance, value), right(answers, instance, value)
        )
    if op in ("and", "or"):
        parts = [_truth(a) for a in args]
        if op == "and":
            if len(parts) == 2:
                first, second = parts
                return lambda answers, instance, value: bool(
                    first(answers, instance, value) and second(answers, instance, value)
                )
            return lambda answers, instance, value: all(
                part(answers, instance, value) for part in parts
            )
        if len(parts) == 2:
            first, second = parts
            return lambda answers, instance, value: bool(
                first(answers, instance, value) or second(answers, instance, value)
            )
        return lambda answers, instance, value: any(
            part(answers, instance, value) for part in parts
        )
    if op in ("not", "count-selected", "string-length", "answered"):
        if op == "not":
            test = _truth(args[0])
            return lambda answers, instance, value: not test(answers, instance, value)
        inner = _compiled(args[0])
        if op == "count-selected":
            return lambda answers, instance, value: len(
                _selected_values(inner(answers, instance, value))
            )
        if op == "string-length":
            return lambda answers, instance, value: len(as_text(inner(answers, instance, value)))
        return lambda answers, instance, value: not is_empty(inner(answers, instance, value))
    if op == "selected":
        return _selected(_compiled(args[0]), args[1])
    if op in ("count", "any", "all"):
        repeat = args[0]

        def instances_of(answers: Mapping[str, Any]) -> list[Any]:
            found = answers.get(repeat) or []
            return found if isinstance(found, list) else []

        if op == "count":
            return lambda answers, instance, value: len(instances_of(answers))
        test = _truth(args[1])
        quantifier = any if op == "any" else all

        def over(answers: Mapping[str, Any], instance: Any, value: Any) -> bool:
            return quantifier(
                test(answers, inst if isinstance(inst, Mapping) else {}, None)
                for inst in instances_of(answers)
            )

        return over
    return _raising(ConditionError(f"unknown operator {op!r}"))


def _against_number(op: str, left: Compiled, number: float, text: str) -> Compiled:
    """``_compare(op, left, n)`` for a literal number n: never empty, never a boolean, never
    text, so only the left side is looked at."""
    if op in ("=", "!="):
        equal_wanted = op == "="

        def equality(answers: Mapping[str, Any], instance: Any, value: Any) -> bool:
            x = left(answers, instance, value)
            if is_empty(x) or isinstance(x, bool):
                return not equal_wanted
            a = _number(x)
            equal = a == number if a is not None else as_text(x) == text
            return equal if equal_wanted else not equal

        return equality
    ordered = ORDERINGS[op]

    def ordering(answers: Mapping[str, Any], instance: Any, value: Any) -> bool:
        x = left(answers, instance, value)
        if is_empty(x) or isinstance(x, bool):
            return False
        a = _number(x)
        return bool(ordered(a, number)) if a is not None else bool(ordered(as_text(x), text))

    return ordering


def _selected(values: Compiled, choice: Any) -> Compiled:
    if not isinstance(choice, str | int | float):
        wanted = _compiled(choice)
        # As evaluate: the choice first, then the answer.
        return lambda answers, instance, value: (
            as_text(wanted(answers, instance, value))
            in _selected_values(values(answers, instance, value))
        )
    try:
        text = as_text(choice)
    except ValueError:  # an integer too long to write: raised when evaluated
        return lambda answers, instance, value: (
            as_text(choice) in _selected_values(values(answers, instance, value))
        )

    def selected(answers: Mapping[str, Any], instance: Any, value: Any) -> bool:
        return text in _selected_values(values(answers, instance, value))

    return selected


def _arity(op: str, args: Sequence[Any], count: int) -> None:
    if len(args) != count:
        raise ConditionError(f"{op!r} takes {count} argument(s), got {len(args)}")


def references(condition: Any) -> set[str]:
    """Names of the questions and repeats a condition reads."""
    found: set[str] = set()
    if isinstance(condition, list) and condition and isinstance(condition[0], str):
        op = condition[0]
        if op == "ref" and len(condition) == 2:
            found.add(str(condition[1]))
        elif op in ("count", "any", "all") and len(condition) >= 2:
            found.add(str(condition[1]))
            for arg in condition[2:]:
                found |= references(arg)
        else:
            for arg in condition[1:]:
                found |= references(arg)
    return found


def check(condition: Any) -> None:
    """Raise ``ConditionError`` unless ``condition`` is well-formed (operators and arities)."""
    if condition is None or isinstance(condition, str | bool | int | float):
        return
    if not isinstance(condition, list) or not condition or not isinstance(condition[0], str):
        raise ConditionError(f"not a condition: {condition!r}")
    op, args = condition[0], condition[1:]
    if op not in OPERATORS:
        raise ConditionError(f"unknown operator {op!r}")
    if op in ARITY:
        _arity(op, args, ARITY[op])
    elif op in ("and", "or") and len(args) < 1:
        raise ConditionError(f"{op!r} needs at least one argument")
    if op in ("ref", "count", "any", "all") and not isinstance(args[0], str):
        raise ConditionError(f"{op!r} takes a question name")
    for arg in args[1:] if op in ("count", "any", "all") else args if op != "ref" else []:
        check(arg)
