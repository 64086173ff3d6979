"""Template helpers for rendering instrument documents."""

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from kuzet.instruments.expressions import ExpressionError, render
from kuzet.instruments.schema import text_in

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
