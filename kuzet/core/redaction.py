"""Likely personal names in free text (ru/kk/en) and their removal before a quote goes
into an external edition (the seed of the planned ``quality`` app's text checks; in core
because both the review tab and the reports use it)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

WITHHELD = {"ru": "[имя скрыто]", "kk": "[аты жасырылған]", "en": "[name withheld]"}

_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
_LOWER = "a-zа-яёәғқңөұүһі'’-"
_WORD = rf"[{_UPPER}][{_LOWER}]+"
_INITIAL = rf"[{_UPPER}]\.\s?"

# Endings that make a capitalised word look like a surname or a patronymic.
_PATRONYMIC = re.compile(r"(ович|евич|ьич|овна|евна|ична|инична|улы|ұлы|кызы|қызы)$", re.I)
_SURNAME = re.compile(
    r"(ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|ская|цкий|цкая|енко|бай|бек|бекова|беков"
    r"|баев|баева|улы|ұлы|son|sen|ski|sky|ova|eva|enko)$",
    re.I,
)
_INITIALS_AFTER = re.compile(rf"\b{_WORD}\s+(?:{_INITIAL})?[{_UPPER}]\.")
_INITIALS_BEFORE = re.compile(rf"(?<![{_UPPER}{_LOWER}])(?:{_INITIAL}){{1,2}}{_WORD}")
_SEQUENCE = re.compile(rf"\b{_WORD}(?:\s+{_WORD}){{1,3}}\b")


@dataclass(frozen=True)
class Redacted:
    """A text with likely names replaced, and whether anything was replaced."""

    text: str
    changed: bool


def _looks_like_name(words: list[str]) -> bool:
    """Two or three capitalised words are a name when one has a patronymic ending or one
    has a surname ending (institution names such as "ИВС № 1" do not pass: numbers and
    abbreviations are not name words)."""
    return any(_PATRONYMIC.search(w) or _SURNAME.search(w) for w in words)


def _known_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    words = {w for name in names for w in re.findall(rf"[{_UPPER}{_LOWER}]{{3,}}", name or "")}
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![{_UPPER}{_LOWER}])(?:{alternatives})\w*", re.I)


def find_names(text: str, *, known_names: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Spans of likely personal names: initials with a surname, Surname Name [Patronymic]
    sequences with name endings, and any word of the known names (the visit's coded
    people) in any case form."""
    spans: list[tuple[int, int]] = []
    for pattern in (_INITIALS_AFTER, _INITIALS_BEFORE):
        spans += [m.span() for m in pattern.finditer(text)]
    for match in _SEQUENCE.finditer(text):
        words = match.group().split()
        if not _looks_like_name(words):
            continue
        start = match.start()
        # A capitalised word before the name ("Дежурный", "Officer") is not part of it.
        while len(words) > 2 and not _looks_like_name(words[:1]):
            start = text.index(words[1], start + len(words[0]))
            words = words[1:]
        spans.append((start, match.end()))
    known = _known_pattern(known_names)
    if known is not None:
        spans += [m.span() for m in known.finditer(text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact_names(text: str, *, language: str, known_names: Iterable[str] = ()) -> Redacted:
    """The text with every likely name replaced by the report language's placeholder."""
    spans = find_names(text, known_names=known_names)
    if not spans:
        return Redacted(text=text, changed=False)
    placeholder = WITHHELD.get(language, WITHHELD["en"])
    parts, position = [], 0
    for start, end in spans:
        parts += [text[position:start], placeholder]
        position = end
    parts.append(text[position:])
    return Redacted(text="".join(parts).rstrip(), changed=True)
