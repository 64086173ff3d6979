"""Conditions in words, for people reading an instrument's preview: «ответ от 0 до
«Дети на момент посещения»» instead of ``. >= 0 and . <= ${children_today}``.

``describe`` returns None for a shape it does not know; the page then shows the raw
expression as code.
"""

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from kuzet.instruments.schema import text_in

LABEL_LENGTH = 70


class _Unknown(Exception):
    pass


class Names:
    """The questions and repeats of one instrument document, by name."""

    def __init__(self, document: dict[str, Any], language: str) -> None:
        self.language = language
        self.items: dict[str, dict[str, Any]] = {}
        self.choice_lists: dict[str, Any] = document.get("choice_lists") or {}
        for section in document.get("sections") or []:
            for item in section.get("items") or []:
                self.items[item.get("name", "")] = item
                for inner in item.get("items") or []:
                    self.items[inner.get("name", "")] = inner

    def label(self, name: str) -> str:
        item = self.items.get(name)
        if item is None:
            raise _Unknown
        text = " ".join(text_in(item.get("label"), self.language).split())
        if len(text) > LABEL_LENGTH:
            text = text[: LABEL_LENGTH - 1].rstrip() + "…"
        return f"«{text}»"

    def choice(self, name: str, value: Any) -> str | None:
        """The label of choice ``value`` of question ``name``, if it has choices."""
        item = self.items.get(name) or {}
        list_name = item.get("choices") or (
            "compliance" if item.get("type") == "compliance" else None
        )
        for choice in self.choice_lists.get(list_name, []) if list_name else []:
            if choice.get("name") == value:
                return f"«{text_in(choice.get('label'), self.language)}»"
        return None


def describe(condition: Any, names: Names) -> str | None:
    """``condition`` in words in ``names.language``, or None for a shape not described."""
    if condition is None:
        return None
    with translation.override(names.language):
        try:
            return _sentence(condition, names)
        except (_Unknown, IndexError, TypeError, KeyError):
            return None


def _op(condition: Any) -> str | None:
    return condition[0] if isinstance(condition, list) and condition else None


def _value(condition: Any, names: Names, about: Any = None) -> str:
    """An operand: a question, the answer itself, a number or a text (a choice's label when
    compared with a question that has choices)."""
    op = _op(condition)
    if op == "ref":
        return names.label(condition[1])
    if op == "self":
        return _("the answer")
    if op == "count-selected":
        return _("the number of choices in %(question)s") % {
            "question": _value(condition[1], names)
        }
    if op == "string-length":
        return _("the length of %(question)s") % {"question": _value(condition[1], names)}
    if op == "count":
        return _("the number of %(repeat)s") % {"repeat": names.label(condition[1])}
    if op is not None or isinstance(condition, list):
        raise _Unknown
    if isinstance(condition, bool):
        return _("yes") if condition else _("no")
    if isinstance(condition, (int, float)):
        return str(condition)
    if isinstance(condition, str):
        if _op(about) == "ref":
            label = names.choice(about[1], condition)
            if label is not None:
                return label
        return f"«{condition}»"
    raise _Unknown


COMPARISON_WORDS = {
    "=": lambda: _("%(left)s is %(right)s"),
    "!=": lambda: _("%(left)s is not %(right)s"),
    "<": lambda: _("%(left)s is less than %(right)s"),
    "<=": lambda: _("%(left)s is at most %(right)s"),
    ">": lambda: _("%(left)s is more than %(right)s"),
    ">=": lambda: _("%(left)s is at least %(right)s"),
}


def _range(condition: list[Any], names: Names) -> str | None:
    """``x >= a and x <= b`` (either order) as «x from a to b»."""
    if len(condition) != 3:
        return None
    parts = {_op(part): part for part in condition[1:]}
    low, high = parts.get(">="), parts.get("<=")
    if low is None or high is None or low[1] != high[1]:
        return None
    return _("%(value)s from %(low)s to %(high)s") % {
        "value": _value(low[1], names),
        "low": _value(low[2], names),
        "high": _value(high[2], names),
    }


def _sentence(condition: Any, names: Names) -> str:
    op = _op(condition)
    if op in COMPARISON_WORDS:
        left, right = condition[1], condition[2]
        if right == "" and op in ("=", "!="):
            template = (
                _("%(question)s is not answered") if op == "=" else _("%(question)s is answered")
            )
            return template % {"question": _value(left, names)}
        return COMPARISON_WORDS[op]() % {
            "left": _value(left, names),
            "right": _value(right, names, about=left),
        }
    if op == "answered":
        return _("%(question)s is answered") % {"question": _value(condition[1], names)}
    if op == "selected":
        question = condition[1]
        choice = _value(condition[2], names, about=question)
        return _("%(question)s: %(choice)s is chosen") % {
            "question": _value(question, names),
            "choice": choice,
        }
    if op == "not":
        inner = condition[1]
        if _op(inner) == "selected":
            return _("%(question)s: %(choice)s is not chosen") % {
                "question": _value(inner[1], names),
                "choice": _value(inner[2], names, about=inner[1]),
            }
        return _("not so: %(condition)s") % {"condition": _sentence(inner, names)}
    if op == "and":
        ranged = _range(condition, names)
        if ranged is not None:
            return ranged
        return _(", and ").join(_clause(part, names) for part in condition[1:])
    if op == "or":
        return _(", or ").join(_clause(part, names) for part in condition[1:])
    if op in ("any", "all"):
        template = (
            _("in at least one of %(repeat)s: %(condition)s")
            if op == "any"
            else _("in every one of %(repeat)s: %(condition)s")
        )
        return template % {
            "repeat": names.label(condition[1]),
            "condition": _sentence(condition[2], names),
        }
    if condition is True:
        return _("always")
    if condition is False:
        return _("never")
    raise _Unknown


def _clause(part: Any, names: Names) -> str:
    """A part of and/or: a nested and/or is put in parentheses."""
    text = _sentence(part, names)
    return f"({text})" if _op(part) in ("and", "or") else text
