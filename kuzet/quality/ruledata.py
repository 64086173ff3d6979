"""The rule data of the text checks: thresholds (``rules/rules.toml``) and lexicons
(``rules/lexicons/<lang>/<name>.txt``), read, checked and indexed once.

The same data, as JSON (``Rules.data``), goes into the field app's offline package, where
``static/quality/texts.js`` evaluates it; ``texts.py`` evaluates it here.

A lexicon line is one phrase: words separated by spaces, each word a literal (``меры``),
a beginning (``мер*``: any word beginning so), an ending (``*ить``: any longer word ending
so) or alternatives (``мер*|шаг*``). Words are
compared in lower case with "ё" read as "е". A line that breaks this is reported with its
file and line number: ``check_rule_files`` (the system check, ``check_texts``) refuses the
data; the web keeps working without the broken line and logs it once.

Why no lemmatiser (pymorphy3 for Russian): the tablet checks texts offline in JavaScript,
where no such library runs; a rule that matched a lemma on the server and not on the
tablet would give two answers. Word beginnings cover Russian endings and Kazakh suffixes
alike and evaluate the same in both languages; for Kazakh there is no maintained
lemmatiser on PyPI anyway.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.signals import request_started
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

RULES_DIR = Path(__file__).resolve().parent / "rules"
LANGUAGES = ("ru", "kk")
KINDS = ("finding", "recommendation")
# What a token is, here and in texts.js: a run of letters and digits, or the sign "№".
TOKEN = re.compile(r"[^\W_]+|№")
WORD = re.compile(r"\*?(?:[^\W_]+|№)\*?")
# Weights that are not lexicons: counted from the numbers of the text.
NUMBER_WEIGHTS = frozenset({"number", "year"})
MAX_LINE = 300


class RuleError(ValueError):
    """A rule file that cannot be used: ``where`` names the file (and line); ``line`` is
    the line number of a lexicon line, ``problem`` what is wrong with it in the active
    language (``message`` is the same in English, for logs and system checks)."""

    def __init__(
        self, where: str, message: str, *, line: int | None = None, problem: str = ""
    ) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
        self.line = line
        self.problem = problem or message


def _refuse(where: str, english: str, translated: Any, **params: Any) -> RuleError:
    """A RuleError worded in English for the logs and in the active language for a form."""
    return RuleError(where, english % params, problem=str(translated) % params)


def fold(text: str) -> str:
    """The form words are compared in: NFC, lower case, "ё" as "е"."""
    return unicodedata.normalize("NFC", text).lower().replace("ё", "е")


def parse_entry(line: str, where: str) -> list[list[str]]:
    """One lexicon line → its words, each a list of alternatives (``"мер*"`` a beginning)."""
    if len(line) > MAX_LINE:
        raise _refuse(
            where,
            "a phrase is at most %(max)s characters long",
            _("a phrase is at most %(max)s characters long"),
            max=MAX_LINE,
        )
    words = fold(line).split()
    entry: list[list[str]] = []
    for word in words:
        alternatives = word.split("|")
        for alternative in alternatives:
            if not alternative:
                raise _refuse(
                    where,
                    "“%(word)s”: an empty alternative (two “|” or one at an end)",
                    _("“%(word)s”: an empty alternative (two “|” or one at an end)"),
                    word=word,
                )
            if not WORD.fullmatch(alternative):
                raise _refuse(
                    where,
                    "“%(word)s”: a word is letters and digits, with “*” only at its "
                    "beginning or its end (write two words with a space, not a hyphen)",
                    _(
                        "“%(word)s”: a word is letters and digits, with “*” only at its "
                        "beginning or its end (write two words with a space, not a hyphen)"
                    ),
                    word=alternative,
                )
            if alternative.startswith("*") and alternative.endswith("*"):
                raise _refuse(
                    where,
                    "“%(word)s”: “*” at the beginning or the end, not both",
                    _("“%(word)s”: “*” at the beginning or the end, not both"),
                    word=alternative,
                )
            if "*" in alternative and len(alternative) < 3:
                raise _refuse(
                    where,
                    "“%(word)s”: a beginning or an ending needs at least two letters",
                    _("“%(word)s”: a beginning or an ending needs at least two letters"),
                    word=alternative,
                )
        entry.append(alternatives)
    if not entry:
        raise _refuse(where, "an empty phrase", _("an empty phrase"))
    return entry


def parse_lexicon(text: str, source: str) -> tuple[list[list[list[str]]], list[RuleError]]:
    """The phrases of a lexicon file and the errors of its broken lines (skipped)."""
    entries: list[list[list[str]]] = []
    errors: list[RuleError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            entries.append(parse_entry(line, f"{source}, line {number}"))
        except RuleError as exc:
            exc.line = number
            errors.append(exc)
    return entries, errors


def _check_settings(settings: dict[str, Any], lexicons: set[str], source: str) -> None:
    def need(container: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if key not in container:
            raise RuleError(source, f"“{where}{key}” is missing")
        value = container[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise RuleError(source, f"“{where}{key}” has the wrong type")
        return value

    for key in (
        "max_gap",
        "id_window",
        "cite_window",
        "institution_window",
        "year_min",
        "year_max",
    ):
        need(settings, key, int, "")
    for key in ("negators_before", "negators_after", "cite_joiners"):
        need(settings, key, list, "")
    for kind in KINDS:
        rules = need(settings, kind, dict, "")
        for key in ("min_words", "min_score", "min_score_with_stock", "stock_step"):
            need(rules, key, int, f"{kind}.")
        stock = need(rules, "stock", str, f"{kind}.")
        if stock not in lexicons:
            raise RuleError(source, f"“{kind}.stock”: no lexicon “{stock}”")
        for name, weight in need(rules, "weights", dict, f"{kind}.").items():
            base = name.removesuffix("_id")
            if name not in NUMBER_WEIGHTS and base not in lexicons:
                raise RuleError(source, f"“{kind}.weights.{name}”: no lexicon “{base}”")
            if not isinstance(weight, int) or isinstance(weight, bool):
                raise RuleError(source, f"“{kind}.weights.{name}” is not a whole number")
        for name, cap in rules.get("caps", {}).items():
            if not isinstance(cap, int) or cap < 1:
                raise RuleError(source, f"“{kind}.caps.{name}” is not a whole number ≥ 1")
    copied = need(settings, "copied", dict, "")
    for key in ("min_chars", "min_ratio", "min_partial_ratio"):
        need(copied, key, int, "copied.")
    need(copied, "min_length_share", (int, float), "copied.")


@dataclass
class Rules:
    """The rule data, its JSON form for the field app, and the word index of its lexicons."""

    data: dict[str, Any]
    problems: list[RuleError] = field(default_factory=list)
    # word → [(lexicon, entry, position in the phrase)], for literals and for beginnings
    exact: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    prefixes: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    suffixes: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    shortest_prefix: int = 2
    shortest_suffix: int = 2

    @property
    def settings(self) -> dict[str, Any]:
        return self.data["settings"]

    @property
    def lexicons(self) -> dict[str, list[list[list[str]]]]:
        return self.data["lexicons"]


def build(
    settings: dict[str, Any], sources: dict[str, dict[str, str]], settings_source: str
) -> Rules:
    """Rules from the thresholds and the lexicon texts (``sources[name][lang]``); broken
    lexicon lines are left out and listed in ``problems``; broken thresholds raise."""
    lexicons: dict[str, list[list[list[str]]]] = {}
    problems: list[RuleError] = []
    for name in sorted(sources):
        entries: list[list[list[str]]] = []
        for lang in sorted(sources[name]):
            found, errors = parse_lexicon(sources[name][lang], f"lexicons/{lang}/{name}.txt")
            entries.extend(found)
            problems.extend(errors)
        lexicons[name] = entries
    _check_settings(settings, set(lexicons), settings_source)
    data: dict[str, Any] = {"settings": settings, "lexicons": lexicons}
    serialised = json.dumps(data, ensure_ascii=False, sort_keys=True)
    data["version"] = hashlib.sha256(serialised.encode()).hexdigest()[:16]
    rules = Rules(data=data, problems=problems)
    exact: defaultdict[str, list[tuple[str, int, int]]] = defaultdict(list)
    prefixes: defaultdict[str, list[tuple[str, int, int]]] = defaultdict(list)
    suffixes: defaultdict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for name, entries in lexicons.items():
        for index, entry in enumerate(entries):
            for position, alternatives in enumerate(entry):
                for alternative in alternatives:
                    if alternative.endswith("*"):
                        prefixes[alternative[:-1]].append((name, index, position))
                    elif alternative.startswith("*"):
                        suffixes[alternative[1:]].append((name, index, position))
                    else:
                        exact[alternative].append((name, index, position))
    rules.exact = dict(exact)
    rules.prefixes = dict(prefixes)
    rules.suffixes = dict(suffixes)
    rules.shortest_prefix = min((len(p) for p in prefixes), default=2)
    rules.shortest_suffix = min((len(s) for s in suffixes), default=2)
    return rules


def read_files(directory: Path = RULES_DIR) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """The thresholds and the lexicon texts as stored in ``directory``."""
    path = directory / "rules.toml"
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError("rules.toml", f"cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError("rules.toml", str(exc)) from None
    sources: dict[str, dict[str, str]] = defaultdict(dict)
    for lang in LANGUAGES:
        for file in sorted((directory / "lexicons" / lang).glob("*.txt")):
            try:
                sources[file.stem][lang] = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise RuleError(f"lexicons/{lang}/{file.name}", f"cannot be read: {exc}") from None
    return settings, dict(sources)


def load(directory: Path = RULES_DIR) -> Rules:
    settings, sources = read_files(directory)
    return build(settings, sources, "rules.toml")


# The rules in force, built once per state of the secretariat's lexicon edits (the
# ``quality.LexiconOverride`` rows): ``_stamp`` is their count and latest update time, read
# in one query at most once per web request (and once per ``RECHECK_SECONDS`` outside
# requests), so that an edit saved by another process is seen by this one's next request.
RECHECK_SECONDS = 5.0
_lock = threading.Lock()
_built: dict[str, Any] = {"stamp": None, "rules": None, "checked_at": None}


# The reader of the stored edits: ``(stamp, texts)``, the texts only when the stamp is not
# ``known``; None where there is no database. Set by ``QualityConfig.ready`` (models.py
# reads them: this module is below the models, which the rules judge for).
StoredReader = Callable[[Any], tuple[Any, dict[tuple[str, str], str]] | None]
stored_edits: StoredReader = lambda known: None  # noqa: E731


def _overrides() -> tuple[Any, dict[tuple[str, str], str]] | None:
    return stored_edits(_built["stamp"] if _built["rules"] is not None else None)


def sources_with(
    overrides: dict[tuple[str, str], str], directory: Path | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """The thresholds and the lexicon texts of ``directory``, each edited list in place of
    its file (an edit of a list no longer shipped is ignored)."""
    settings, sources = read_files(directory or RULES_DIR)
    for (name, lang), text in overrides.items():
        if name in sources and lang in LANGUAGES:
            sources[name][lang] = text
    return settings, sources


def current() -> Rules:
    """The rules in force: the shipped files with the secretariat's edited lexicons. Broken
    lexicon lines are logged and skipped, so a typo in a list never turns a page into an
    error. Without a database, the shipped files alone."""
    with _lock:
        rules = _built["rules"]
        checked = _built["checked_at"]
        if (
            rules is not None
            and checked is not None
            and checked[0] == _generation[0]
            and time.monotonic() - checked[1] < RECHECK_SECONDS
        ):
            return rules
        found = _overrides()
        stamp, texts = ("no database", {}) if found is None else found
        if rules is None or stamp != _built["stamp"]:
            rules = build(*sources_with(texts), "rules.toml")
            for problem in rules.problems:
                logger.warning("quality rules: %s (the line is ignored)", problem)
            _built["rules"], _built["stamp"] = rules, stamp
        _built["checked_at"] = (_generation[0], time.monotonic())
        return rules


def recheck() -> None:
    """Make the next ``current()`` read the stamp of the edits again (after an edit here)."""
    with _lock:
        _built["checked_at"] = None


def clear_cache() -> None:
    """Forget the built rules: the next ``current()`` builds them again (the files changed)."""
    with _lock:
        _built.update(stamp=None, rules=None, checked_at=None)


# Bumped when a web request starts: the stamp is read again at most once per request.
_generation = [0]


def _request_started(**kwargs: Any) -> None:
    _generation[0] += 1


request_started.connect(_request_started, dispatch_uid="kuzet.quality.ruledata")


def thresholds() -> dict[str, Any]:
    """The thresholds of ``rules.toml`` (never edited on the site: no database needed)."""
    try:
        return tomllib.loads((RULES_DIR / "rules.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError("rules.toml", f"cannot be read: {exc}") from None


def check_rule_files() -> list[RuleError]:
    """Every problem of the rule files (an empty list: they are sound)."""
    try:
        return load(RULES_DIR).problems
    except RuleError as exc:
        return [exc]
