"""A stored text judged whole: the text rules, copy detection against the database, and
which reasons block saving.

The apps that own the texts call ``judge_text`` from their validation (``Finding.clean``,
``Recommendation.clean``): a reason whose code is blocking is an error, any other a
warning shown after saving. Only the minimum length blocks by default (it is the models'
own rule); the secretariat makes other codes blocking in the report quality settings
(``QualitySettings.blocking``, the same list that blocks submission and approval).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from kuzet.quality.copies import find_copies
from kuzet.quality.models import QualitySettings
from kuzet.quality.texts import Kind, Reason, check_text, message


def blocking_codes() -> frozenset[str]:
    """The codes that stop a text from being saved, besides the minimum length (none by
    default)."""
    return frozenset(QualitySettings.current().blocking)


def blocking(reasons: Iterable[Reason]) -> list[Reason]:
    codes = blocking_codes()
    return [r for r in reasons if r.code in codes]


def warnings(reasons: Iterable[Reason]) -> list[Reason]:
    codes = blocking_codes()
    return [r for r in reasons if r.code not in codes and r.code != "too_short"]


def judge_text(
    kind: Kind,
    text: str,
    *,
    lang: str = "ru",
    institution_id: int | None = None,
    exclude_sources: Collection[str] = (),
) -> list[Reason]:
    """``check_text``'s reasons, and *copied* when another institution's stored text is a
    near copy (``institution_id``: the text's own institution; None: no copy check)."""
    reasons = check_text(kind, text, lang=lang)
    if institution_id is not None and find_copies(
        kind,
        text,
        exclude_institution_id=institution_id,
        limit=1,
        exclude_sources=exclude_sources,
    ):
        reasons.append(Reason("copied", message(kind, "copied")))
    return reasons
