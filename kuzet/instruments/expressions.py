"""XLSForm expressions ↔ the condition language.

Only the common forms are understood (docs/xlsform.md): ``${name}``, ``.``, quoted
strings, numbers, ``= != < <= > >=``, ``and``, ``or``, ``not(…)``, parentheses,
``selected(a, b)``, ``count-selected(a)``, ``string-length(a)``, ``true()``, ``false()``.
Anything else raises ``ExpressionError`` naming the construct and its character offset.
"""

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{(?P<refname>[A-Za-z_][A-Za-z0-9_.-]*)\})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<func>count-selected|string-length|selected|not|true|false)\s*(?=\()
      | (?P<word>and|or)(?![\w-])
      | (?P<punct>[(),])
      | (?P<dot>\.(?![\w.]))
    )""",
    re.VERBOSE,
)
_FUNCTIONS = {
    "selected": 2,
    "count-selected": 1,
    "string-length": 1,
    "not": 1,
    "true": 0,
    "false": 0,
}


class ExpressionError(ValueError):
    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(
            message
            if offset is None
            else _("%(message)s (at character %(offset)s)")
            % {"message": message, "offset": offset + 1}
        )
        self.offset = offset


def _tokens(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            fragment = re.match(r"\S+", text[start:])
            construct = fragment.group(0) if fragment else text[start:]
            raise ExpressionError(
                _("unsupported construct %(construct)s") % {"construct": repr(construct)}, start
            )
        start = match.start(match.lastgroup or 0)
        kind = match.lastgroup
        if kind == "ref" or kind == "refname":
            tokens.append(("ref", match.group("refname"), start))
        elif kind == "string":
            tokens.append(("literal", match.group("string")[1:-1], start))
        elif kind == "number":
            raw = match.group("number")
            tokens.append(("literal", float(raw) if "." in raw else int(raw), start))
        else:
            assert kind is not None
            tokens.append((kind, match.group(kind), start))
        pos = match.end()
    tokens.append(("end", None, len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, Any, int]:
        return self.tokens[self.i]

    def take(self, kind: str, value: Any = None) -> tuple[str, Any, int]:
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            found = _("the end") if token[0] == "end" else repr(token[1])
            raise ExpressionError(
                _("expected %(expected)s, found %(found)s")
                % {"expected": value or kind, "found": found},
                token[2],
            )
        self.i += 1
        return token

    def parse(self) -> Any:
        result = self.or_expr()
        if self.peek()[0] != "end":
            raise ExpressionError(
                _("unexpected %(token)s") % {"token": repr(self.peek()[1])}, self.peek()[2]
            )
        return result

    def or_expr(self) -> Any:
        parts = [self.and_expr()]
        while self.peek()[:2] == ("word", "or"):
            self.i += 1
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else ["or", *parts]

    def and_expr(self) -> Any:
        parts = [self.comparison()]
        while self.peek()[:2] == ("word", "and"):
            self.i += 1
            parts.append(self.comparison())
        return parts[0] if len(parts) == 1 else ["and", *parts]

    def comparison(self) -> Any:
        left = self.primary()
        if self.peek()[0] == "op":
            op = self.take("op")[1]
            right = self.primary()
            if self.peek()[0] == "op":
                raise ExpressionError(_("chained comparisons need parentheses"), self.peek()[2])
            return [op, left, right]
        return left

    def primary(self) -> Any:
        kind, value, offset = self.peek()
        if kind == "literal":
            self.i += 1
            return value
        if kind == "ref":
            self.i += 1
            return ["ref", value]
        if kind == "dot":
            self.i += 1
            return ["self"]
        if kind == "func":
            self.i += 1
            self.take("punct", "(")
            args: list[Any] = []
            if self.peek()[:2] != ("punct", ")"):
                args.append(self.or_expr())
                while self.peek()[:2] == ("punct", ","):
                    self.i += 1
                    args.append(self.or_expr())
            self.take("punct", ")")
            if len(args) != _FUNCTIONS[value]:
                raise ExpressionError(
                    _("%(function)s() takes %(count)s argument(s)")
                    % {"function": value, "count": _FUNCTIONS[value]},
                    offset,
                )
            if value in ("true", "false"):
                return value == "true"
            return [value, *args]
        if (kind, value) == ("punct", "("):
            self.i += 1
            inner = self.or_expr()
            self.take("punct", ")")
            return inner
        if kind == "end":
            raise ExpressionError(_("the expression ends too early"), offset)
        raise ExpressionError(_("unexpected %(token)s") % {"token": repr(value)}, offset)


def parse(text: str) -> Any:
    """The condition for an XLSForm expression; raises ``ExpressionError``."""
    if not text.strip():
        raise ExpressionError(_("the expression is empty"))
    return _Parser(text).parse()


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true()" if value else "false()"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, str):
        if "'" not in value:
            return f"'{value}'"
        if '"' not in value:
            return f'"{value}"'
        raise ExpressionError(
            f"a text with both quote marks cannot be written in XLSForm: {value!r}"
        )
    raise ExpressionError(f"{value!r} cannot be written in XLSForm")


def render(condition: Any) -> str:
    """The XLSForm expression for a condition (the inverse of ``parse``)."""
    if not isinstance(condition, list):
        return _literal(condition)
    op, args = condition[0], condition[1:]
    if op == "ref":
        return f"${{{args[0]}}}"
    if op == "self":
        return "."
    if op in ("=", "!=", "<", "<=", ">", ">="):
        return f"{_operand(args[0])} {op} {_operand(args[1])}"
    if op in ("and", "or"):
        return f" {op} ".join(
            _operand(a) if _is_logic(a) or _is_comparison(a) is False else render(a) for a in args
        )
    if op in ("not", "selected", "count-selected", "string-length"):
        return f"{op}({', '.join(render(a) for a in args)})"
    if op == "answered":
        return f"{_operand(args[0])} != ''"
    raise ExpressionError(f"the operator {op!r} has no XLSForm form")


def _is_logic(condition: Any) -> bool:
    return isinstance(condition, list) and condition[0] in ("and", "or")


def _is_comparison(condition: Any) -> bool:
    return isinstance(condition, list) and condition[0] in (
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "answered",
    )


def _operand(condition: Any) -> str:
    """An operand of a comparison or of and/or: parenthesised unless it is atomic."""
    text = render(condition)
    return f"({text})" if _is_logic(condition) or _is_comparison(condition) else text
