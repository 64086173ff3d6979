"""How the text rules split a text into tokens, here and in ``static/quality/texts.js``:
HTML tags and entities dropped, then runs of letters and digits and the sign "№", each
also in the form words are compared in (``ruledata.fold``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kuzet.quality import ruledata

TAGS = re.compile(r"<[^<>]{0,500}>")
ENTITIES = re.compile(r"&(?:[a-zA-Z]{2,8}|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


@dataclass
class Token:
    raw: str
    word: str
    start: int
    end: int


def tokenize(text: str) -> tuple[list[Token], str]:
    """The tokens of ``text`` and the text they index (NFC, without HTML tags)."""
    text = unicodedata.normalize("NFC", text)
    text = ENTITIES.sub(" ", TAGS.sub(" ", text))
    tokens = [
        Token(m.group(), ruledata.fold(m.group()), m.start(), m.end())
        for m in ruledata.TOKEN.finditer(text)
    ]
    return tokens, text
