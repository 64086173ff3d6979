"""Review of a visit's record, and amendments once it is approved.

Reviewers (the region's coordinator or the secretariat, never someone on the team: see
``core.access``) comment on sections while the visit is under review; the team
marks comments resolved as it fixes them. An approved record is locked; what changes
later is an ``Amendment`` with its author, section and reason, shown after the record.
"""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.access import VisitAction
from kuzet.visits.models import Amendment, ReviewComment, Section, Visit
from kuzet.visits.services.access import LOCKED, require_can_record, visit_access

if TYPE_CHECKING:
    from kuzet.people.models import User


# The sections whose records a comment may be about, and the visit's relation holding them
# (recommendations are a later app's, reached through the visit).
RECORDS_OF_SECTION: dict[str, str] = {
    Section.INTERVIEWS: "interviews",
    Section.FINDINGS: "findings",
    Section.ALLEGATIONS: "allegations",
    Section.RECOMMENDATIONS: "recommendations",
}


def _section(section: str) -> str:
    if section not in Section.values:
        raise ValidationError({"section": [_("Choose a section of the record.")]})
    return section


def commented_record(visit: Visit, section: str, record_id: int | None) -> Any:
    """The record of ``visit`` a comment on ``section`` is about, or None."""
    relation = RECORDS_OF_SECTION.get(section)
    if record_id is None or relation is None:
        return None
    return getattr(visit, relation).filter(pk=record_id).first()


@transaction.atomic
def review_comment_add(
    *, actor: "User", visit: Visit, section: str, text: str, record_id: int | None = None
) -> ReviewComment:
    """A reviewer's comment on a section of the record, or on one record of it."""
    visit_access(actor, visit).check(VisitAction.REVIEW, _("You may not review this visit."))
    if visit.status != Visit.Status.UNDER_REVIEW:
        raise ValidationError(_("Comments are written while the visit is under review."))
    if not text.strip():
        raise ValidationError({"text": [_("Write the comment.")]})
    section = _section(section)
    if record_id is not None and commented_record(visit, section, record_id) is None:
        raise ValidationError({"record": [_("Choose a record of this visit, from the list.")]})
    comment = ReviewComment(
        visit=visit, section=section, record_id=record_id, text=text.strip(), author=actor
    )
    comment.save()
    return comment


@transaction.atomic
def review_comment_resolve(*, actor: "User", comment: ReviewComment) -> ReviewComment:
    require_can_record(actor, comment.visit)
    if comment.resolved_at is None:
        comment.resolved_at = timezone.now()
        comment.resolved_by = actor
        comment.save(update_fields=["resolved_at", "resolved_by"])
    return comment


@transaction.atomic
def amendment_add(
    *, actor: "User", visit: Visit, section: str, text: str, reason: str
) -> Amendment:
    if visit.status not in LOCKED:
        raise ValidationError(_("Until the visit is approved, change the record itself."))
    visit_access(actor, visit).check(VisitAction.AMEND, _("You may not amend this visit."))
    errors = {}
    if not text.strip():
        errors["text"] = [_("Say what changes.")]
    if not reason.strip():
        errors["reason"] = [_("Say why it changes.")]
    if errors:
        raise ValidationError(errors)
    amendment = Amendment(
        visit=visit,
        section=_section(section),
        text=text.strip(),
        reason=reason.strip(),
        author=actor,
    )
    amendment.save()
    return amendment
