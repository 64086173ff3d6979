"""Text checks for findings and recommendations: the public entry point of the rules.

``check_text`` judges one text and returns its reasons (an empty list: the text passes).
Every caller — model validation, web forms, review, ``check_texts``, the dashboard —
goes through it, so a rule changes in one place. ``static/quality/texts.js`` is its twin
on the tablet (everything here but *copied*, which needs other institutions' texts); the
vectors in ``static/quality/text-vectors.json`` run against both.

How a text is judged (the data is in ``rules/``; ``ruledata.py`` reads it):

1. HTML tags and entities are dropped; the text is split into tokens — runs of letters
   and digits, and "№" — compared in lower case with "ё" as "е".
2. Lexicon phrases are found: each word of a phrase a literal or a beginning
   (``мер*``), up to ``max_gap`` tokens skipped between two words. A fact phrase right
   after "не"/"ни"/"без" or right before "жоқ"/"емес" is negated and does not count.
3. Numbers: one that cites a legal act or names an institution ("ст. 46", "ИК-12",
   "колония № 12"), or opens the text (a list marker), is no fact; a four-digit year alone
   is a weak one; any other is a count, a measure or a date.
4. Points: every kind of fact (finding) or concrete element (recommendation) present
   earns its weight once (``caps`` lets a few kinds count per distinct phrase); a place
   or a person with a number or a capital letter next to it ("камера № 12", "блок Б",
   "осуждённый К.") is a particular one and earns more.
5. The text is weak below ``min_score``; with stock formulae it needs
   ``min_score_with_stock`` plus ``stock_step`` for each formula after the first, so a
   paragraph of formulae is weak whatever its length.
6. *Copied* (here only): ``similarity.near_copy`` against ``earlier``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kuzet.quality import ruledata, similarity
from kuzet.quality.tokens import tokenize

Kind = Literal["finding", "recommendation"]

DIGIT = re.compile(r"[0-9]")
SPACES = re.compile(r"\s+")
YEAR = re.compile(r"[0-9]{4}")
PHRASE_CHARS = 60
# The stock formulae a message quotes, at most.
QUOTED = 3

# The stable codes of the reasons, for every kind of text.
CODES: dict[str, tuple[str, ...]] = {
    "finding": ("too_short", "standard_answer", "no_facts", "copied"),
    "recommendation": ("too_short", "vague_recommendation", "not_concrete", "copied"),
}
# The weak-text code by kind: with a stock formula, without one.
WEAK_CODE = {
    "finding": ("standard_answer", "no_facts"),
    "recommendation": ("vague_recommendation", "not_concrete"),
}
MESSAGES: dict[tuple[str, str], Promise] = {
    ("finding", "too_short"): _("Too short: say what was seen, where and how many."),
    ("finding", "standard_answer"): _(
        "A standard answer (“%(phrase)s”) says nothing that was seen. Add the facts: which "
        "cell or room, how many people, the date or time, the register or document checked, "
        "who said it (a coded person) or a photo."
    ),
    ("finding", "no_facts"): _(
        "No observed fact. Add what was seen or heard: a number, a date or time, the place "
        "(cell, block, room), the register or document checked, who said it (a coded person) "
        "or a photo."
    ),
    ("recommendation", "too_short"): _("Too short: say what must be done, to what, and by when."),
    ("recommendation", "vague_recommendation"): _(
        "Stock wording (“%(phrase)s”) names no action anyone can check. Say what exactly must "
        "be done to what (which cell, item, document or procedure), what result counts as "
        "done, and by when."
    ),
    ("recommendation", "not_concrete"): _(
        "Not concrete. Name the action and its object (install, repair, replace, appoint… in "
        "cell No. …), a measurable result (how many, how often) and a deadline."
    ),
    ("finding", "copied"): _(
        "Nearly the same text is in another institution's report. Describe what this visit "
        "found in this institution."
    ),
    ("recommendation", "copied"): _(
        "Nearly the same recommendation was made to another institution. Say what this "
        "institution must do about what this visit found (if it repeats an earlier "
        "recommendation, link it as a repeat)."
    ),
}


@dataclass(frozen=True)
class Reason:
    """Why a text is weak: a stable ``code`` and a message in the user's language."""

    code: str
    message: str


@dataclass
class Analysis:
    """What the rules saw in a text: the word count, the points by kind of fact, the stock
    formulae, the points needed — what ``check_text`` decides on, and the vectors check."""

    words: int
    points: dict[str, int] = field(default_factory=dict)
    stock: list[str] = field(default_factory=list)
    need: int = 0

    @property
    def score(self) -> int:
        return sum(self.points.values())


def _hits(rules: ruledata.Rules, words: list[str]) -> dict[tuple[str, int, int], list[int]]:
    """(lexicon, phrase, word of the phrase) → the token positions it matches, ascending."""
    hits: defaultdict[tuple[str, int, int], list[int]] = defaultdict(list)
    for i, word in enumerate(words):
        keys = list(rules.exact.get(word, ()))
        for k in range(rules.shortest_prefix, len(word) + 1):
            keys.extend(rules.prefixes.get(word[:k], ()))
        for k in range(rules.shortest_suffix, len(word)):
            keys.extend(rules.suffixes.get(word[-k:], ()))
        for key in keys:
            positions = hits[key]
            if not positions or positions[-1] != i:
                positions.append(i)
    return hits


def _extend(
    hits: dict[tuple[str, int, int], list[int]],
    key: tuple[str, int],
    position: int,
    previous: int,
    length: int,
    gap: int,
) -> int | None:
    """The last token of the phrase's words from ``position`` on, after ``previous``."""
    if position == length:
        return previous
    candidates = hits.get((key[0], key[1], position), [])
    for index in range(bisect_right(candidates, previous), len(candidates)):
        here = candidates[index]
        if here > previous + gap + 1:
            break
        end = _extend(hits, key, position + 1, here, length, gap)
        if end is not None:
            return end
    return None


def find_phrases(rules: ruledata.Rules, words: list[str]) -> dict[str, list[tuple[int, int, int]]]:
    """lexicon → [(phrase, first token, last token)], in order of first token."""
    hits = _hits(rules, words)
    gap = rules.settings["max_gap"]
    found: defaultdict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for name, index, _position in sorted(k for k in hits if k[2] == 0):
        length = len(rules.lexicons[name][index])
        for start in hits[(name, index, 0)]:
            end = _extend(hits, (name, index), 1, start, length, gap)
            if end is not None:
                found[name].append((index, start, end))
    for matches in found.values():
        matches.sort(key=lambda m: (m[1], m[2], m[0]))
    return found


def _numbers(
    rules: ruledata.Rules, words: list[str], found: dict[str, list[tuple[int, int, int]]]
) -> list[bool]:
    """Which tokens are numbers that cite or name rather than state a fact."""
    s = rules.settings
    ends = {
        name: {e for _, _, e in found.get(name, [])} for name in ("cite", "institution", "place")
    }
    cite_starts = {b for _, b, _ in found.get("cite", [])}
    window, joiners = s["cite_window"], set(s["cite_joiners"])
    in_time = {p for _, b, e in found.get("time", []) for p in range(b, e + 1)}
    digits = [i for i, word in enumerate(words) if DIGIT.search(word)]
    cited = [False] * len(words)

    def names_something(i: int) -> bool:
        if i == 0:  # a list marker
            return True
        if any(e in ends["cite"] for e in range(i - window, i)) or any(
            b in cite_starts for b in range(i + 1, i + window + 1)
        ):
            return True
        if words[i - 1] == "№":
            for q in range(i - 2, max(-1, i - 2 - s["institution_window"]), -1):
                if q in ends["place"]:
                    return False
                if q in ends["institution"] or q in ends["cite"]:
                    return True
        return False

    for i in digits:
        cited[i] = names_something(i)
    # A number joined to a cited one (a date, a list of articles) is cited too.
    changed = True
    while changed:
        changed = False
        for i in digits:
            if cited[i]:
                continue
            for j in digits:
                if (
                    cited[j]
                    and 0 < abs(i - j) <= 4
                    and all(
                        words[q] in joiners or q in in_time for q in range(min(i, j) + 1, max(i, j))
                    )
                ):
                    cited[i] = changed = True
                    break
    return cited


def analyse(kind: Kind, text: str, rules: ruledata.Rules | None = None) -> Analysis:
    """What the rules see in ``text``; ``check_text`` decides on it."""
    rules = rules or ruledata.current()
    s = rules.settings
    k = s[kind]
    tokens, clean = tokenize(text)
    words = [t.word for t in tokens]
    found = find_phrases(rules, words)
    cited = _numbers(rules, words, found)
    last = len(tokens) - 1
    before, after = set(s["negators_before"]), set(s["negators_after"])
    analysis = Analysis(words=len(tokens))
    stock_spans: list[tuple[int, int]] = []
    for _index, start, end in found.get(k["stock"], []):
        if not stock_spans or start > stock_spans[-1][1]:
            stock_spans.append((start, end))
            phrase = clean[tokens[start].start : tokens[end].end]
            analysis.stock.append(SPACES.sub(" ", phrase))
    in_stock = {p for b, e in stock_spans for p in range(b, e + 1)}
    stock_starts = {b for b, _ in stock_spans}
    is_cited_number = [c and DIGIT.search(w) is not None for c, w in zip(cited, words, strict=True)]

    def positive(name: str) -> list[tuple[int, int, int]]:
        """The matches of a fact lexicon that state a fact: not negated, not inside a stock
        formula, and (a month) not the date of a cited act."""
        kept = []
        for index, start, end in found.get(name, []):
            if (start > 0 and words[start - 1] in before) or (
                end < last and words[end + 1] in after
            ):
                continue
            if any(p in in_stock for p in range(start, end + 1)):
                continue
            if name == "time" and any(
                0 <= q <= last and is_cited_number[q] for q in (start - 1, end + 1)
            ):
                continue
            # "побоев не обнаружено", "жарақаттары байқалған жоқ": a condition the stock
            # formula right after it denies.
            if name == "condition" and any(p in stock_starts for p in (end + 1, end + 2)):
                continue
            kept.append((index, start, end))
        return kept

    def identified(start: int, end: int, any_number: bool) -> bool:
        window = s["id_window"]
        near = [*range(max(0, start - window), start), *range(end + 1, min(last, end + window) + 1)]
        return any(
            (DIGIT.search(words[q]) is not None and (any_number or not cited[q]))
            or (len(tokens[q].raw) == 1 and tokens[q].raw != tokens[q].word)
            for q in near
        )

    numbers = [w for w, c in zip(words, cited, strict=True) if DIGIT.search(w) and not c]
    years = [w for w in numbers if YEAR.fullmatch(w) and s["year_min"] <= int(w) <= s["year_max"]]
    for name, weight in k["weights"].items():
        if name == "number":
            points = weight if len(numbers) > len(years) else 0
        elif name == "year":
            points = weight if years else 0
        elif name.endswith("_id"):
            base = name[:-3]
            points = (
                weight if any(identified(b, e, base == "cite") for _, b, e in positive(base)) else 0
            )
        else:
            distinct = {index for index, _, _ in positive(name)}
            points = weight * min(len(distinct), k.get("caps", {}).get(name, 1))
        if points:
            analysis.points[name] = points
    analysis.need = (
        k["min_score"]
        if not analysis.stock
        else k["min_score_with_stock"] + k["stock_step"] * (len(analysis.stock) - 1)
    )
    return analysis


def message(kind: str, code: str, **params: str) -> str:
    text = str(MESSAGES[(kind, code)])
    return text % params if params else text


def check_text(
    kind: Kind, text: str, *, lang: str = "ru", earlier: Sequence[str] = ()
) -> list[Reason]:
    """The reasons ``text`` (a finding's description or a recommendation) is weak.

    ``earlier`` are texts from other institutions' reports to compare with; a near copy of
    one of them is *copied*. ``lang`` is the text's language; the lexicons of every
    language apply whatever it says, because reports mix Russian and Kazakh. Messages are
    in the active language.
    """
    rules = ruledata.current()
    analysis = analyse(kind, text, rules)
    reasons: list[Reason] = []
    if analysis.words < rules.settings[kind]["min_words"]:
        reasons.append(Reason("too_short", message(kind, "too_short")))
    if analysis.score < analysis.need:
        with_stock, without = WEAK_CODE[kind]
        if analysis.stock:
            phrase = " … ".join(
                p if len(p) <= PHRASE_CHARS else p[: PHRASE_CHARS - 1] + "…"
                for p in analysis.stock[:QUOTED]
            )
            reasons.append(Reason(with_stock, message(kind, with_stock, phrase=phrase)))
        else:
            reasons.append(Reason(without, message(kind, without)))
    if earlier and similarity.near_copy(text, earlier, rules.settings["copied"]) is not None:
        reasons.append(Reason("copied", message(kind, "copied")))
    return reasons


def min_words(kind: Kind) -> int:
    """The fewest words a text of ``kind`` may have (the blocking rule)."""
    # The thresholds are the files' (only the lists are edited): read without a database,
    # at import time.
    return int(ruledata.thresholds()[kind]["min_words"])


def word_count(text: str) -> int:
    """Words as the rules count them (here and on the tablet)."""
    return len(tokenize(text)[0])


def rule_package() -> dict[str, Any]:
    """The rules for the tablet (``static/quality/texts.js``): the thresholds and lexicons
    as JSON, and the messages in the active language by kind and code."""
    return {
        **ruledata.current().data,
        "messages": {
            kind: {code: str(MESSAGES[(kind, code)]) for code in codes if code != "copied"}
            for kind, codes in CODES.items()
        },
    }
