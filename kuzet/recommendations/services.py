"""Recommendations on a visit: drafted and corrected by the team until the record is
approved, issued when the report is sent to the addressees (``visit_send``), then followed up
with the authorities."""

import dataclasses
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuzet.core.access import check_region
from kuzet.core.policy import Action
from kuzet.quality.copies import forget_text, remember_text
from kuzet.recommendations import hooks
from kuzet.recommendations.models import Addressee, Recommendation, StatusChange
from kuzet.visits.models import Finding, Visit, VisitChange
from kuzet.visits.services.access import require_can_record
from kuzet.visits.services.lifecycle import visit_mark_sent

R = Recommendation.Status
NEXT: dict[str, frozenset[str]] = {
    R.DRAFT: frozenset(),
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
    """The statuses an assessment may give it next (none for a draft: it is not issued)."""
    following = set(NEXT[recommendation.status])
    if recommendation.status not in (R.DRAFT, R.IMPLEMENTED, R.NO_LONGER_RELEVANT):
        following.add(R.NO_LONGER_RELEVANT)
    return [s for s in R.values if s in following]


@dataclasses.dataclass(frozen=True, kw_only=True)
class RecommendationFields:
    """What a recommendation says: the keywords of ``recommendation_record`` and
    ``recommendation_update``, listed once (an unknown or missing keyword is a TypeError)."""

    text_ru: str
    addressee: Addressee
    theme: str
    text_kk: str = ""
    level: str = Recommendation.Level.INSTITUTION
    priority: str = Recommendation.Priority.MEDIUM
    deadline: date | None = None
    findings: list[Finding] | None = None
    repeats: Recommendation | None = None

    def values(self) -> dict[str, Any]:
        """The recommendation's own fields as stored (texts stripped), without its findings."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del values["findings"]
        values["text_ru"] = self.text_ru.strip()
        values["text_kk"] = self.text_kk.strip()
        return values


@transaction.atomic
def recommendation_record(*, actor: Any, visit: Visit, **fields: Any) -> Recommendation:
    """Record a recommendation on a visit (the team, until approval): a draft, issued when the
    report is sent (``visit_send``)."""
    given = RecommendationFields(**fields)
    require_can_record(actor, visit)
    recommendation = Recommendation(visit=visit, created_by=actor, **given.values())
    recommendation.full_clean()
    recommendation.save()
    for source, text in recommendation.quality_texts().items():
        remember_text(
            kind="recommendation", source=source, text=text, institution_id=visit.institution_id
        )
    VisitChange.mark(visit.pk)
    linked = [f for f in given.findings or [] if f.visit_id == visit.pk]
    if linked:
        recommendation.set_related("findings", linked)
    StatusChange(
        recommendation=recommendation, status=recommendation.status, assessed_by=actor
    ).save()
    return recommendation


@transaction.atomic
def recommendation_update(
    *, actor: Any, recommendation: Recommendation, **fields: Any
) -> Recommendation:
    """Correct a draft recommendation (the team, until approval); every change is audited."""
    given = RecommendationFields(**fields)
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    visit = recommendation.visit
    require_can_record(actor, visit)
    if recommendation.status != R.DRAFT:
        raise ValidationError(_("An issued recommendation is not changed; its follow-up is."))
    values = given.values()
    for name, value in values.items():
        setattr(recommendation, name, value)
    recommendation.full_clean()
    recommendation.save(update_fields=list(values))
    # The corrected texts replace the old ones for copy detection (a Kazakh text removed
    # is forgotten).
    forget_text(recommendation.quality_source)
    for source, text in recommendation.quality_texts().items():
        remember_text(
            kind="recommendation", source=source, text=text, institution_id=visit.institution_id
        )
    linked = [f for f in given.findings or [] if f.visit_id == visit.pk]
    if {f.pk for f in linked} != set(recommendation.findings.values_list("pk", flat=True)):
        recommendation.set_related("findings", linked)
    VisitChange.mark(visit.pk)
    return recommendation


@transaction.atomic
def visit_send(*, actor: Any, visit: Visit) -> Visit:
    """Send the approved report to its addressees (the secretariat): the visit becomes “sent”
    and each of its draft recommendations “issued”, with an entry in its history, in one
    transaction. Raises a ``core.access.Refused`` or ValidationError, changing nothing."""
    visit = visit_mark_sent(actor=actor, visit=visit)
    for recommendation in visit.recommendations.select_for_update().filter(status=R.DRAFT):
        recommendation.status = R.ISSUED
        recommendation.save(update_fields=["status"])
        StatusChange(recommendation=recommendation, status=R.ISSUED, assessed_by=actor).save()
    # Each addressee's officials get what is asked of them, with the deadlines (the portal).
    hooks.sent(visit=visit, actor=actor)
    return visit


@transaction.atomic
def recommendation_take_position(
    *, actor: Any, recommendation: Recommendation, status: str, evidence: str
) -> Recommendation:
    """The addressee's own position moves the recommendation (issued → accepted or rejected,
    accepted → being implemented), in its history under the official's name. Called by
    ``portal.services.answer_record``, which checks the official answers for this addressee."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if status not in NEXT[recommendation.status]:
        raise ValidationError(
            _("A recommendation that is “%(from)s” cannot become “%(to)s”.")
            % {"from": R(recommendation.status).label, "to": R(status).label}
        )
    recommendation.status = status
    recommendation.save(update_fields=["status"])
    VisitChange.mark(recommendation.visit_id)
    StatusChange(
        recommendation=recommendation, status=status, evidence=evidence, assessed_by=actor
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
