"""Picking the right language of a multilingual field (``name_ru``, ``name_kk``, ``name_en``)."""

from typing import Any

from django.utils.translation import get_language

FALLBACK_ORDER = ("ru", "kk", "en")


def localized(obj: Any, field: str, language: str | None = None) -> str:
    """``obj.<field>_<language>``, falling back to the other languages when it is empty."""
    lang = (language or get_language() or "ru").split("-")[0]
    for code in (lang, *FALLBACK_ORDER):
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return str(value)
    return ""
