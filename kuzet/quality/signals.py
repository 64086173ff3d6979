"""Visit-level signals: what suggests a visit was not conducted, or not reported, properly.

``visit_signals(facts, settings)`` judges one visit from a ``VisitFacts`` summary (plain
numbers and times the visits app gathers: ``kuzet.visits.services.quality``) and returns its
reasons, each with a stable code (``SIGNALS``) and a message saying what to add or check.
An empty list: nothing suspicious. The thresholds come from ``QualitySettings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuzet.quality.texts import Reason

# Every signal's code, with what it means (the settings page and the dashboard show these).
# The codes are stable: they are stored in the settings (which block) and in the facts.
SIGNALS: dict[str, object] = {
    "no_times": gettext_lazy("no time in or out"),
    "short_stay": gettext_lazy("stay shorter than the minimum"),
    "no_interview": gettext_lazy("no interview"),
    "no_private_interview": gettext_lazy("no private individual interview"),
    "interviews_without_consent": gettext_lazy("no interview with recorded consent"),
    "no_checklist": gettext_lazy("no checklist answered"),
    "all_compliant": gettext_lazy("every item compliant and no finding"),
    "checklist_repeated": gettext_lazy("checklist the same as on the previous visit"),
    "findings_unsupported": gettext_lazy("no finding rests on a source or media"),
    "records_outside_stay": gettext_lazy("interviews or media timed outside the stay"),
}
# An interview or photo this long before the time in or after the time out is "outside the
# stay": clocks and typing the times afterwards are not that far off.
OUTSIDE_STAY_TOLERANCE = timedelta(hours=1)


class Thresholds(Protocol):
    """What the signals need from the settings (``QualitySettings`` has it)."""

    min_stay_minutes: int
    checklist_repeat_percent: int
    checklist_repeat_min_items: int


@dataclass(frozen=True)
class VisitFacts:
    """What the signals look at on one visit: counts and times, no text and no identity.

    ``answers`` are the visit's checklist answers by item (``instrument:path`` → value) and
    ``previous_answers`` those of the same institution's previous visit with answers (None if
    there is none), dated ``previous_date``.
    """

    started_at: datetime | None = None
    ended_at: datetime | None = None
    interviews: int = 0
    private_interviews: int = 0
    interviews_with_consent: int = 0
    checked_items: int = 0  # answered, "not checked" excluded
    problem_items: int = 0  # non-compliant or partly compliant
    findings: int = 0
    findings_with_evidence: int = 0  # resting on an interview, a checklist item or media
    records_outside_stay: int = 0  # interviews and media timed outside the stay
    answers: Mapping[str, str] = field(default_factory=dict)
    previous_answers: Mapping[str, str] | None = None
    previous_date: date | None = None

    @property
    def stay_minutes(self) -> int | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds() // 60)

    def repeated_share(self, min_items: int) -> tuple[int, int] | None:
        """(percent of the common items answered the same as on the previous visit, common
        items), or None when fewer than ``min_items`` items are common to both."""
        if self.previous_answers is None:
            return None
        common = [key for key in self.answers if key in self.previous_answers]
        if not common or len(common) < min_items:
            return None
        same = sum(self.answers[key] == self.previous_answers[key] for key in common)
        return 100 * same // len(common), len(common)


def visit_signals(facts: VisitFacts, settings: Thresholds) -> list[Reason]:
    """The reasons to doubt that the visit summed up by ``facts`` was conducted and reported
    properly, in the order a reader checks them."""
    reasons: list[Reason] = []
    stay = facts.stay_minutes
    if stay is None:
        reasons.append(
            Reason(
                "no_times",
                _("No time in or out is recorded: give the times the team entered and left."),
            )
        )
    elif stay < settings.min_stay_minutes:
        reasons.append(
            Reason(
                "short_stay",
                _(
                    "The team stayed %(stay)s minutes, less than the %(minimum)s expected: "
                    "check the times in and out, or say in the report why the visit was short."
                )
                % {"stay": stay, "minimum": settings.min_stay_minutes},
            )
        )
    if facts.interviews == 0:
        reasons.append(
            Reason(
                "no_interview",
                _(
                    "Nobody was interviewed: record the interviews held with people deprived "
                    "of liberty and with staff."
                ),
            )
        )
    else:
        if facts.private_interviews == 0:
            reasons.append(
                Reason(
                    "no_private_interview",
                    _(
                        "No private individual interview: record the talks held in private "
                        "with people deprived of liberty, or say why there were none."
                    ),
                )
            )
        if facts.interviews_with_consent == 0:
            reasons.append(
                Reason(
                    "interviews_without_consent",
                    _(
                        "No interview records the person's consent: record the consent given "
                        "before each interview."
                    ),
                )
            )
    if facts.checked_items == 0:
        reasons.append(
            Reason(
                "no_checklist",
                _("No checklist item is answered: fill in the checklist of the institution."),
            )
        )
    elif facts.problem_items == 0 and facts.findings == 0:
        reasons.append(
            Reason(
                "all_compliant",
                _(
                    "Every checklist item is compliant and there is no finding: record what "
                    "was seen (good practices too) or the problems found."
                ),
            )
        )
    repeated = facts.repeated_share(settings.checklist_repeat_min_items)
    if repeated is not None and repeated[0] >= settings.checklist_repeat_percent:
        when = date_format(facts.previous_date) if facts.previous_date else "—"
        reasons.append(
            Reason(
                "checklist_repeated",
                _(
                    "%(share)s%% of %(items)s checklist answers are the same as on the previous "
                    "visit (%(date)s): check that each item was verified on this visit."
                )
                % {"share": repeated[0], "items": repeated[1], "date": when},
            )
        )
    if facts.findings and facts.findings_with_evidence == 0:
        reasons.append(
            Reason(
                "findings_unsupported",
                _(
                    "No finding rests on an interview, a checklist item or media: link each "
                    "finding to what it rests on."
                ),
            )
        )
    if facts.records_outside_stay:
        reasons.append(
            Reason(
                "records_outside_stay",
                _(
                    "%(n)s interviews or media items are timed outside the stay in the "
                    "institution: check their times and the times in and out."
                )
                % {"n": facts.records_outside_stay},
            )
        )
    return reasons
