"""Review of a visit's record, and amendments once it is approved.

Reviewers (the region's coordinator or the secretariat, never someone on the team: see
``core.access``) comment on sections while the visit is under review; the team
marks comments resolved as it fixes them. An approved record is locked; what changes
later is an ``Amendment`` with its author, section and reason, shown after the record.
"""

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.access import VisitAction
from kuzet.visits.models import Amendment, ReviewComment, Section, Visit
from kuzet.visits.services.access import LOCKED, require_can_record, visit_access

if TYPE_CHECKING:
    from kuzet.people.models import User


def _section(section: str) -> str:
    if section not in Section.values:
        raise ValidationError({"section": [_("Choose a section of the record.")]})
    return section


@transaction.atomic
def review_comment_add(*, actor: "User", visit: Visit, section: str, text: str) -> ReviewComment:
    visit_access(actor, visit).check(VisitAction.REVIEW, _("You may not review this visit."))
    if visit.status != Visit.Status.UNDER_REVIEW:
        raise ValidationError(_("Comments are written while the visit is under review."))
    if not text.strip():
        raise ValidationError({"text": [_("Write the comment.")]})
    comment = ReviewComment(visit=visit, section=_section(section), text=text.strip(), author=actor)
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
