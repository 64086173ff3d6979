"""Every text the field app shows is in its catalogue (strings.py), so it is translated."""

import re
from pathlib import Path

from kuzet.field.strings import TEXTS

STATIC = Path(__file__).resolve().parents[1] / "static" / "field"
LITERAL = r'"((?:[^"\\]|\\.)*)"'


def test_every_text_of_the_modules_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for module in STATIC.glob("*.js"):
        source = module.read_text()
        used |= set(re.findall(r"\bt\(\s*" + LITERAL, source))
        used |= set(re.findall(r"\b(?:label|help):\s*" + LITERAL, source))
    assert len(used) > 100
    missing = sorted(used - set(TEXTS))
    assert missing == []
