"""Text checks for findings and recommendations: the public entry point of the rules.

``check_text`` judges one text and returns its reasons (an empty list: the text passes).
Every caller — model validation, web forms, review, ``check_texts``, the dashboard —
goes through it, so a rule changes in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _

Kind = Literal["finding", "recommendation"]

# Fewest words a text may have (the rule the platform began with).
MIN_WORDS: dict[str, int] = {"finding": 8, "recommendation": 6}


@dataclass(frozen=True)
class Reason:
    """Why a text is weak: a stable ``code`` and a message in the user's language."""

    code: str
    message: str


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def check_text(
    kind: Kind, text: str, *, lang: str = "ru", earlier: Sequence[str] = ()
) -> list[Reason]:
    """The reasons ``text`` (a finding's description or a recommendation) is weak.

    ``earlier`` are texts from other institutions' reports to compare with; a text equal
    to one of them is *copied*.
    """
    reasons: list[Reason] = []
    if len(text.split()) < MIN_WORDS[kind]:
        reasons.append(Reason("too_short", _("Too short: say what was seen, where and how many.")))
    mine = _normalised(text)
    if mine and any(_normalised(other) == mine for other in earlier):
        reasons.append(Reason("copied", _("The same text is in another institution's report.")))
    return reasons
