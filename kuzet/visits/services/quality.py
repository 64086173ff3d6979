"""A visit's report quality: its weak texts and its visit-level signals.

The rules are ``kuzet.quality``'s (``check_text``, ``visit_signals``); this module gathers
what they judge from the visit's records, in a fixed number of queries whatever the number
of visits or records (``visit_quality_many``: the review tab asks for one visit, the
dashboard's facts for many), and says which reasons block (``QualitySettings``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from kuzet.quality.copies import copied_sources
from kuzet.quality.models import QualitySettings
from kuzet.quality.signals import OUTSIDE_STAY_TOLERANCE, VisitFacts, visit_signals
from kuzet.quality.texts import Kind, Reason, check_text, message
from kuzet.visits.models import ComplianceMark, Finding, Interview, MediaEvidence, Visit

# The code of the text rules for a near copy of another institution's text.
COPIED = "copied"
PROBLEM_VALUES = ("non_compliant", "partly")
NOT_CHECKED = "not_checked"
_KAZAKH_LETTERS = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")


def text_language(text: str) -> str:
    """``kk`` for a text with letters only Kazakh uses, else ``ru`` (a finding's description
    is written in one language, which the record does not say)."""
    return "kk" if _KAZAKH_LETTERS.search(text) else "ru"


@dataclass(frozen=True)
class WeakText:
    """A finding or recommendation text the rules find weak, and what to add."""

    kind: Kind
    pk: int
    label: str  # the finding's title, or the recommendation's opening words
    lang: str
    reasons: list[Reason]


@dataclass
class VisitQuality:
    """Everything the quality rules say about one visit."""

    findings: int = 0
    recommendation_texts: int = 0
    weak: list[WeakText] = field(default_factory=list)
    signals: list[Reason] = field(default_factory=list)

    @property
    def weak_findings(self) -> list[WeakText]:
        return [t for t in self.weak if t.kind == "finding"]

    @property
    def weak_recommendations(self) -> list[WeakText]:
        return [t for t in self.weak if t.kind == "recommendation"]

    @property
    def copied(self) -> int:
        return sum(any(r.code == COPIED for r in t.reasons) for t in self.weak)

    @property
    def texts(self) -> int:
        return self.findings + self.recommendation_texts

    @property
    def codes(self) -> set[str]:
        return {r.code for r in self.signals} | {r.code for t in self.weak for r in t.reasons}

    def __bool__(self) -> bool:
        return bool(self.weak or self.signals)

    def blocking(self, settings: QualitySettings) -> list[str]:
        """Messages of the reasons whose code the settings make blocking."""
        return [message for code, message in self.messages() if settings.blocks(code)]

    def warnings(self, settings: QualitySettings) -> list[str]:
        """Messages of the other reasons: they warn, and approving over them needs a reason."""
        return [message for code, message in self.messages() if not settings.blocks(code)]

    def messages(self) -> list[tuple[str, str]]:
        """(code, message) of every reason, texts named by what they are."""
        out = [(r.code, r.message) for r in self.signals]
        for text in self.weak:
            what = text.label[:80]
            for r in text.reasons:
                out.append((r.code, f"«{what}»: {r.message}"))
        return out


def visit_quality(visit: Visit) -> VisitQuality:
    return visit_quality_many([visit.pk])[visit.pk]


def visit_quality_many(
    visit_ids: Iterable[int], settings: QualitySettings | None = None
) -> dict[int, VisitQuality]:
    """The quality of each visit of ``visit_ids`` (nine queries whatever their number)."""
    ids = sorted(set(visit_ids))
    settings = settings or QualitySettings.current()
    facts = visit_facts_many(ids)
    result = {pk: VisitQuality(signals=visit_signals(facts[pk], settings)) for pk in facts}
    findings = list(
        Finding.objects.filter(visit_id__in=ids).values_list(
            "pk", "visit_id", "title", "description", "title_kk", "description_kk"
        )
    )
    # Through the visit's reverse relation: recommendations belong to a higher app.
    recommendations = list(
        Visit.objects.filter(pk__in=ids, recommendations__isnull=False)
        .order_by("recommendations__pk")
        .values_list(
            "recommendations__pk",
            "pk",
            "recommendations__text_ru",
            "recommendations__text_kk",
            "recommendations__repeats_id",
        )
    )
    # Near copies of other institutions' texts, found when each text was stored (one query).
    copied = copied_sources(
        [f"visits.finding:{pk}" for pk, *_rest in findings]
        + [f"recommendations.recommendation:{pk}{part}" for pk, *_rest in recommendations
           for part in ("", "/text_kk")]
    )  # fmt: skip
    for pk, visit_id, title, description, title_kk, description_kk in findings:
        quality = result[visit_id]
        quality.findings += 1
        # Either language may be written first: the Russian text as before, the Kazakh one
        # when it is the only one (as ``Finding.text_reasons``).
        if not description.strip():
            title, description = title or title_kk, description_kk
        lang = text_language(description)
        reasons = _with_copy(
            "finding",
            check_text("finding", description, lang=lang),
            f"visits.finding:{pk}" in copied,
        )
        if reasons:
            quality.weak.append(WeakText("finding", pk, title, lang, reasons))
    for pk, visit_id, text_ru, text_kk, repeats_id in recommendations:
        quality = result[visit_id]
        for lang, text, part in (("ru", text_ru, ""), ("kk", text_kk, "/text_kk")):
            if not text.strip():
                continue
            quality.recommendation_texts += 1
            reasons = check_text("recommendation", text, lang=lang)
            # A recommendation linked as a repeat of an earlier one repeats it on purpose.
            is_copy = repeats_id is None and f"recommendations.recommendation:{pk}{part}" in copied
            reasons = _with_copy("recommendation", reasons, is_copy)
            if reasons:
                words = text.split()
                label = " ".join(words[:10]) + ("…" if len(words) > 10 else "")
                quality.weak.append(WeakText("recommendation", pk, label, lang, reasons))
    return result


def _with_copy(kind: Kind, reasons: list[Reason], copied: bool) -> list[Reason]:
    reasons = [r for r in reasons if r.code != COPIED]
    return [*reasons, Reason(COPIED, message(kind, COPIED))] if copied else reasons


def visit_facts_many(ids: list[int]) -> dict[int, VisitFacts]:
    """What the visit-level signals look at, for each visit of ``ids`` (seven queries)."""
    earlier = (
        Visit.objects.filter(
            institution_id=OuterRef("institution_id"),
            planned_date__lte=OuterRef("planned_date"),
            responses__marks__isnull=False,
        )
        .exclude(pk=OuterRef("pk"))
        .filter(Q(planned_date__lt=OuterRef("planned_date")) | Q(pk__lt=OuterRef("pk")))
        .order_by("-planned_date", "-pk")
    )
    visits = {
        row["pk"]: row
        for row in Visit.objects.filter(pk__in=ids)
        .annotate(
            previous_id=Subquery(earlier.values("pk")[:1]),
            previous_date=Subquery(earlier.values("planned_date")[:1]),
        )
        .values("pk", "started_at", "ended_at", "previous_id", "previous_date")
    }
    outside = Q(conducted_at__lt=F("visit__started_at") - OUTSIDE_STAY_TOLERANCE) | Q(
        conducted_at__gt=F("visit__ended_at") + OUTSIDE_STAY_TOLERANCE
    )
    interviews = {
        row.pop("visit_id"): row
        for row in Interview.objects.filter(visit_id__in=ids)
        .values("visit_id")
        .annotate(
            n=Count("id"),
            private=Count("id", filter=Q(kind=Interview.Kind.INDIVIDUAL)),
            consent=Count("id", filter=Q(consent_interview=True)),
            outside=Count("id", filter=outside),
        )
        .order_by()
    }
    media_outside = Q(captured_at__lt=F("visit__started_at") - OUTSIDE_STAY_TOLERANCE) | Q(
        captured_at__gt=F("visit__ended_at") + OUTSIDE_STAY_TOLERANCE
    )
    media = dict(
        MediaEvidence.objects.filter(visit_id__in=ids)
        .filter(media_outside)
        .values_list("visit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    evidence = (
        Exists(Finding.interviews.through.objects.filter(finding_id=OuterRef("pk")))
        | Exists(Finding.items.through.objects.filter(finding_id=OuterRef("pk")))
        | Exists(MediaEvidence.objects.filter(finding_id=OuterRef("pk")))
    )
    findings = {
        row.pop("visit_id"): row
        for row in Finding.objects.filter(visit_id__in=ids)
        .values("visit_id")
        .annotate(n=Count("id"), supported=Count("id", filter=Q(evidence)))
        .order_by()
    }
    previous = {row["previous_id"] for row in visits.values() if row["previous_id"]}
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    marks = ComplianceMark.objects.filter(response__visit_id__in=[*ids, *previous]).values_list(
        "response__visit_id", "response__version__instrument_id", "path", "value"
    )
    for visit_id, instrument_id, path, value in marks:
        answers[visit_id][f"{instrument_id}:{path}"] = value
    result = {}
    for pk, row in visits.items():
        mine = answers.get(pk, {})
        talks = interviews.get(pk, {})
        found = findings.get(pk, {})
        previous_id = row["previous_id"]
        result[pk] = VisitFacts(
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            interviews=talks.get("n", 0),
            private_interviews=talks.get("private", 0),
            interviews_with_consent=talks.get("consent", 0),
            checked_items=sum(v != NOT_CHECKED for v in mine.values()),
            problem_items=sum(v in PROBLEM_VALUES for v in mine.values()),
            findings=found.get("n", 0),
            findings_with_evidence=found.get("supported", 0),
            records_outside_stay=talks.get("outside", 0) + media.get(pk, 0),
            answers=mine,
            previous_answers=answers.get(previous_id) if previous_id else None,
            previous_date=_as_date(row["previous_date"]),
        )
    return result


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
