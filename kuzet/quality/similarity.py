"""Near copies: is a text the same paragraph as an earlier one, with a number, a name or a
few words changed? One definition for ``check_text(earlier=…)`` and for the database
(``copies.find_copies``), with rapidfuzz (a maintained C++ implementation of edit-distance
ratios: thousands of comparisons a second, where difflib manages tens)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz, process

from kuzet.quality import ruledata
from kuzet.quality.tokens import tokenize

_SPACES = " "


def normalised(text: str) -> str:
    """The words of ``text`` (as the rules tokenise it), in lower case, one space apart."""
    return _SPACES.join(t.word for t in tokenize(text)[0])


def similar(mine: str, other: str, limits: dict[str, Any]) -> float | None:
    """The similarity (0–100) of two normalised texts if one is a near copy of the other."""
    shorter, longer = sorted((len(mine), len(other)))
    if shorter < limits["min_chars"]:
        return None
    ratio = fuzz.ratio(mine, other, score_cutoff=limits["min_ratio"])
    if ratio:
        return float(ratio)
    if shorter / longer >= limits["min_length_share"]:
        partial = fuzz.partial_ratio(mine, other, score_cutoff=limits["min_partial_ratio"])
        if partial:
            return float(partial)
    return None


def near_copy(
    text: str, earlier: Sequence[str], limits: dict[str, Any] | None = None
) -> tuple[int, float] | None:
    """(index in ``earlier``, similarity) of the closest near copy, or None."""
    limits = limits or ruledata.current().settings["copied"]
    mine = normalised(text)
    if len(mine) < limits["min_chars"]:
        return None
    others = [normalised(other) for other in earlier]
    best = process.extractOne(mine, others, scorer=fuzz.ratio, score_cutoff=limits["min_ratio"])
    if best is not None:
        _match, score, index = best
        if len(others[index]) >= limits["min_chars"]:
            return index, float(score)
    found = [
        (index, score)
        for index, other in enumerate(others)
        if (score := similar(mine, other, limits)) is not None
    ]
    return max(found, key=lambda f: f[1]) if found else None
