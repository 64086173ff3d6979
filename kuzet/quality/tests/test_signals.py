"""Visit-level signals judged from plain facts: each code fires on what it names, and a
properly conducted visit raises none."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from django.utils import translation

from kuzet.quality.models import QualitySettings
from kuzet.quality.signals import SIGNALS, VisitFacts, visit_signals

START = datetime(2026, 11, 3, 10, 0)
ANSWERS = {f"1:c{i}": "compliant" for i in range(1, 9)} | {"1:c9": "non_compliant"}
PROPER = VisitFacts(
    started_at=START,
    ended_at=START + timedelta(hours=4),
    interviews=6,
    private_interviews=4,
    interviews_with_consent=6,
    checked_items=9,
    problem_items=1,
    findings=2,
    findings_with_evidence=2,
    answers=ANSWERS,
)


def codes(facts: VisitFacts, settings: QualitySettings | None = None) -> list[str]:
    with translation.override("en"):
        return [r.code for r in visit_signals(facts, settings or QualitySettings())]


def test_a_properly_conducted_visit_raises_no_signal() -> None:
    assert codes(PROPER) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"started_at": None}, "no_times"),
        ({"ended_at": None}, "no_times"),
        ({"ended_at": START + timedelta(minutes=25)}, "short_stay"),
        ({"interviews": 0, "private_interviews": 0, "interviews_with_consent": 0}, "no_interview"),
        ({"private_interviews": 0}, "no_private_interview"),
        ({"interviews_with_consent": 0}, "interviews_without_consent"),
        ({"checked_items": 0, "problem_items": 0, "answers": {}}, "no_checklist"),
        ({"problem_items": 0, "findings": 0, "findings_with_evidence": 0}, "all_compliant"),
        ({"findings_with_evidence": 0}, "findings_unsupported"),
        ({"records_outside_stay": 2}, "records_outside_stay"),
        (
            {"previous_answers": dict(ANSWERS), "previous_date": date(2025, 10, 1)},
            "checklist_repeated",
        ),
    ],
)
def test_each_signal_fires_on_what_it_names_and_only_that(change: dict, code: str) -> None:
    assert codes(replace(PROPER, **change)) == [code]


def test_every_code_is_listed_with_its_meaning() -> None:
    tried = {"no_times", "short_stay", "no_interview", "no_private_interview",
             "interviews_without_consent", "no_checklist", "all_compliant", "findings_unsupported",
             "records_outside_stay", "checklist_repeated"}  # fmt: skip
    assert set(SIGNALS) == tried


def test_the_thresholds_come_from_the_settings() -> None:
    stay = replace(PROPER, ended_at=START + timedelta(minutes=45))
    assert codes(stay) == ["short_stay"]  # default minimum: 60 minutes
    assert codes(stay, QualitySettings(min_stay_minutes=30)) == []
    # 8 of 9 answers the same (88 %): below the default 95 %, above 80 %.
    previous = dict(ANSWERS) | {"1:c9": "compliant"}
    similar = replace(PROPER, previous_answers=previous, previous_date=date(2025, 10, 1))
    assert codes(similar) == []
    assert codes(similar, QualitySettings(checklist_repeat_percent=80)) == ["checklist_repeated"]
    # Too few items in common to compare.
    assert codes(similar, QualitySettings(checklist_repeat_percent=80,
                                          checklist_repeat_min_items=10)) == []  # fmt: skip


def test_the_messages_say_what_to_add_in_russian_and_kazakh() -> None:
    bare = VisitFacts()
    for language in ("ru", "kk"):
        with translation.override(language):
            messages = [r.message for r in visit_signals(bare, QualitySettings())]
        assert messages and all(messages)
    with translation.override("ru"):
        message = visit_signals(bare, QualitySettings())[0].message
    assert "время" in message.lower()
