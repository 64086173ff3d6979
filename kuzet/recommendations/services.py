"""Issuing recommendations on a visit and following them up with the authorities."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuzet.core.access import check_region
from kuzet.core.policy import Action
from kuzet.quality.copies import remember_text
from kuzet.recommendations.models import Addressee, Recommendation, StatusChange
from kuzet.visits.models import Finding, Visit, VisitChange
from kuzet.visits.services.access import require_can_record

R = Recommendation.Status
NEXT: dict[str, frozenset[str]] = {
    R.ISSUED: frozenset({R.ACCEPTED, R.REJECTED}),
    R.ACCEPTED: frozenset({R.IN_PROGRESS, R.IMPLEMENTED, R.PARTLY, R.NOT_IMPLEMENTED}),
    R.REJECTED: frozenset({R.IN_PROGRESS, R.NOT_IMPLEMENTED}),
    R.IN_PROGRESS: frozenset({R.IMPLEMENTED, R.PARTLY, R.NOT_IMPLEMENTED}),
    R.PARTLY: frozenset({R.IN_PROGRESS, R.IMPLEMENTED, R.NOT_IMPLEMENTED}),
    R.NOT_IMPLEMENTED: frozenset({R.IN_PROGRESS, R.IMPLEMENTED, R.PARTLY}),
    R.IMPLEMENTED: frozenset(),
    R.NO_LONGER_RELEVANT: frozenset(),
}
# Judging implementation needs evidence (a follow-up visit, a document, an answer).
NEEDS_EVIDENCE = frozenset({R.IMPLEMENTED, R.PARTLY, R.NOT_IMPLEMENTED, R.NO_LONGER_RELEVANT})


def allowed_next(recommendation: Recommendation) -> list[str]:
    following = set(NEXT[recommendation.status])
    if recommendation.status not in (R.IMPLEMENTED, R.NO_LONGER_RELEVANT):
        following.add(R.NO_LONGER_RELEVANT)
    return [s for s in R.values if s in following]


@transaction.atomic
def recommendation_issue(
    *,
    actor: Any,
    visit: Visit,
    text_ru: str,
    addressee: Addressee,
    theme: str,
    text_kk: str = "",
    level: str = Recommendation.Level.INSTITUTION,
    priority: str = Recommendation.Priority.MEDIUM,
    deadline: date | None = None,
    findings: list[Finding] | None = None,
    repeats: Recommendation | None = None,
) -> Recommendation:
    """Issue a recommendation on a visit (the team, until approval)."""
    require_can_record(actor, visit)
    recommendation = Recommendation(
        visit=visit,
        text_ru=text_ru.strip(),
        text_kk=text_kk.strip(),
        addressee=addressee,
        level=level,
        theme=theme,
        priority=priority,
        deadline=deadline,
        repeats=repeats,
        created_by=actor,
    )
    recommendation.full_clean()
    recommendation.save()
    for source, text in recommendation.quality_texts().items():
        remember_text(
            kind="recommendation", source=source, text=text, institution_id=visit.institution_id
        )
    VisitChange.mark(visit.pk)
    linked = [f for f in findings or [] if f.visit_id == visit.pk]
    if linked:
        recommendation.set_related("findings", linked)
    StatusChange(
        recommendation=recommendation, status=recommendation.status, assessed_by=actor
    ).save()
    return recommendation


@transaction.atomic
def recommendation_assess(
    *,
    actor: Any,
    recommendation: Recommendation,
    status: str,
    evidence: str = "",
    source_visit: Visit | None = None,
) -> Recommendation:
    """Record the authorities' answer or the state of implementation, with its evidence."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    check_region(
        actor,
        Action.FOLLOW_UP_RECOMMENDATION,
        recommendation.visit.region_id,
        _("You may not assess this recommendation."),
    )
    if status not in allowed_next(recommendation):
        raise ValidationError(
            {"status": [_("A recommendation that is “%(from)s” cannot become “%(to)s”.") % {
                "from": R(recommendation.status).label, "to": R(status).label if status in R.values else status}]}
        )  # fmt: skip
    if status in NEEDS_EVIDENCE and not evidence.strip():
        raise ValidationError(
            {"evidence": [_("Say on what evidence (a follow-up visit, a document, an answer).")]}
        )
    recommendation.status = status
    recommendation.save(update_fields=["status"])
    VisitChange.mark(recommendation.visit_id)
    StatusChange(
        recommendation=recommendation,
        status=status,
        evidence=evidence.strip(),
        source_visit=source_visit,
        assessed_by=actor,
    ).save()
    return recommendation
