"""Small helpers for report text: narrative with its language, dates, canonical JSON.

Narrative (what the team wrote) goes into a report as written. When it is not in the
report's language it is marked, so that a Kazakh reader knows a paragraph is Russian and
why. The language of a free text is guessed from its letters: the nine Kazakh letters
(ә ғ қ ң ө ұ ү һ і) do not occur in Russian; Cyrillic without them is taken as Russian.
"""

import hashlib
import json
import re
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
LANGUAGES = ("ru", "kk")


def language_of(text: str) -> str | None:
    """ "kk", "ru", or None (no Cyrillic: Latin text, numbers, empty)."""
    if any(ch in KAZAKH_LETTERS for ch in text):
        return "kk"
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "ru"
    return None


def language_note(language: str | None, report_language: str) -> str:
    """The mark put after narrative that is not in the report's language."""
    if language is None or language == report_language:
        return ""
    return {"ru": _("[text in Russian]"), "kk": _("[text in Kazakh]")}.get(language, "")


def narrative(text: str, report_language: str, language: str | None = None) -> dict[str, str]:
    """Narrative as written, with its language (``lang`` attribute) and the mark if foreign."""
    language = language or language_of(text) or report_language
    return {
        "text": text.strip(),
        "lang": language,
        "note": language_note(language, report_language),
    }


def bilingual(ru: str, kk: str, report_language: str) -> dict[str, str]:
    """A text kept in both languages (findings, recommendations): the report's, or the
    other, marked. The Russian field's language is read from its letters: texts written
    before the Kazakh fields existed may be Kazakh."""
    if report_language == "kk" and kk.strip():
        return narrative(kk, report_language, "kk")
    if ru.strip():
        return narrative(ru, report_language)
    return narrative(kk, report_language, "kk")


_EMPHASIS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|\*(?=\S)(.+?)(?<=\S)\*")


def emphasis_runs(line: str) -> list[list[str]]:
    """A narrative line as runs: [text, "b"] for **strong**, [text, "i"] for *emphasis*,
    [text, ""] otherwise (marks that open nothing stay as typed)."""
    runs: list[list[str]] = []
    at = 0
    for match in _EMPHASIS.finditer(line):
        if match.start() > at:
            runs.append([line[at : match.start()], ""])
        if match.group(1) is not None:
            runs.append([match.group(1), "b"])
        else:
            runs.append([match.group(2), "i"])
        at = match.end()
    if at < len(line):
        runs.append([line[at:], ""])
    return runs


def untranslated(text: dict[str, str]) -> bool:
    """Whether a narrative (``narrative``, ``bilingual``) carries the foreign-language mark."""
    return bool(text.get("note"))


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return date_format(value, "DATE_FORMAT")


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same data always gives the same bytes."""
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def data_sha256(data: Any) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()
