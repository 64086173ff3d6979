"""Template helpers for rendering instrument documents."""

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from kuzet.instruments.expressions import ExpressionError, render
from kuzet.instruments.schema import text_in
from kuzet.instruments.wording import Names, describe

register = template.Library()


@register.filter
def lang(texts: Any, code: str) -> str:
    """The text in ``code`` from a {"ru": …, "kk": …} mapping, falling back to Russian."""
    return text_in(texts, code)


@register.filter
def expression(condition: Any) -> str:
    """A condition written as an XLSForm expression, for people to read."""
    try:
        return render(condition)
    except ExpressionError:
        return str(condition)


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


TYPE_LABELS = {
    "text": _("short text"),
    "long_text": _("text"),
    "integer": _("whole number"),
    "decimal": _("number"),
    "date": _("date"),
    "time": _("time"),
    "datetime": _("date and time"),
    "geopoint": _("location"),
    "photo": _("photo"),
    "audio": _("audio recording"),
    "video": _("video recording"),
    "file": _("file"),
}


@register.filter
def type_label(question_type: str) -> str:
    return str(TYPE_LABELS.get(question_type, question_type))


@register.simple_tag(takes_context=True)
def condition_words(context: Any, condition: Any) -> str | None:
    """The condition in words in the preview's language (None: show the expression)."""
    cache = context.render_context
    key = ("condition-names", id(context.get("document")), context.get("language"))
    names = cache.get(key)
    if names is None:
        document = context.get("document")
        names = Names(
            document if isinstance(document, dict) else {}, context.get("language") or "ru"
        )
        cache[key] = names
    return describe(condition, names)
