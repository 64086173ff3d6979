"""Scoring the answers to a test (an instrument of kind "test", docs/xlsform.md).

A test marks its right answers in the choices sheet (column ``kuzet_correct`` = ``yes``)
and has a pass mark in per cent (``kuzet_pass_mark`` in the settings sheet). Every
``select_one`` / ``select_multiple`` question is scored: a ``select_one`` answer is right
when it is the marked choice, a ``select_multiple`` answer when it is exactly the set of
marked choices. Other questions (notes, texts) are not scored. Scoring happens on the
server only, after ``validation.validate_response`` has accepted the answers; the right
answers are never sent to the browser.
"""

from dataclasses import dataclass
from typing import Any

from kuzet.instruments.schema import SELECT_TYPES, is_correct, questions


@dataclass(frozen=True)
class Scored:
    correct: int
    total: int
    pass_mark: int  # per cent

    @property
    def passed(self) -> bool:
        return self.total > 0 and self.correct * 100 >= self.pass_mark * self.total

    @property
    def percent(self) -> int:
        return self.correct * 100 // self.total if self.total else 0


def right_answers(document: dict[str, Any]) -> dict[str, set[str]]:
    """The right choice(s) of each scored question, by question name."""
    lists = document["choice_lists"]
    return {
        node.item["name"]: {
            c["name"] for c in lists.get(node.item.get("choices", ""), []) if is_correct(c)
        }
        for node in questions(document)
        if node.item["type"] in SELECT_TYPES
    }


def score_test(document: dict[str, Any], answers: dict[str, Any]) -> Scored:
    """How many scored questions ``answers`` (validated) got right, against the pass mark."""
    if document.get("kind") != "test":
        raise ValueError("not a test")
    right = right_answers(document)
    correct = 0
    for name, expected in right.items():
        given = answers.get(name)
        chosen = set(given) if isinstance(given, list) else {given}
        if chosen == expected:
            correct += 1
    return Scored(correct=correct, total=len(right), pass_mark=int(document["pass_mark"]))
