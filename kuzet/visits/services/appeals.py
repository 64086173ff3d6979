"""The register of video appeals: an appeal enters it when its recording is stored; the
secretariat forwards it (only to those the person allowed) and records what came of it.

Who may watch a recording is the person's consent, asked in one place
(``core.access.appeal_refusal``) by ``appeal_check_visible`` for every view, download,
export and report.
"""

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.access import appeal_refusal, check_region
from kuzet.core.policy import Action, can
from kuzet.visits.models import AUDIENCES, RECIPIENTS, Appeal, MediaEvidence, VisitChange
from kuzet.visits.services.access import visit_access

if TYPE_CHECKING:
    from kuzet.core.policy import AnyUser


def appeal_register(*, media: MediaEvidence) -> Appeal:
    """Enter a just-stored video appeal in the register (inside the transaction that stores
    it); the person is the one of the interview the recording is linked to, if any."""
    appeal = Appeal(
        media=media,
        visit_id=media.visit_id,
        person=media.interview.person if media.interview is not None else None,
    )
    appeal.full_clean(exclude=["media", "visit"])
    appeal.save()
    VisitChange.mark(media.visit_id)
    return appeal


def appeal_shown_to(media: MediaEvidence) -> list[str]:
    """To whom the person allowed the recording to be shown (known codes only)."""
    consent = media.appeal_consent if isinstance(media.appeal_consent, dict) else {}
    shown = consent.get("shown_to", [])
    return [code for code in shown if code in AUDIENCES] if isinstance(shown, list) else []


def appeal_check_visible(actor: "AnyUser", media: MediaEvidence) -> None:
    """Raises the typed refusal unless ``actor`` may watch the video appeal ``media``."""
    refusal = appeal_refusal(actor, visit_access(actor, media.visit), appeal_shown_to(media))
    if refusal is not None:
        raise refusal("watch_appeal", _("The person did not allow this appeal to be shown to you."))


def appeal_may_watch(actor: "AnyUser", media: MediaEvidence) -> bool:
    return appeal_refusal(actor, visit_access(actor, media.visit), appeal_shown_to(media)) is None


def appeal_in_report(media: MediaEvidence, *, external: bool) -> bool:
    """Whether a report may mention the recording: the external edition (sent to the
    authorities, published) only with the person's consent to the public; the internal
    one (for the NPM) with consent to the NPM."""
    return ("public" if external else "npm") in appeal_shown_to(media)


def appeals_for(user: "AnyUser") -> QuerySet[Appeal]:
    """The register as ``user`` may read it: the whole of it for the secretariat."""
    appeals = Appeal.objects.select_related(
        "visit__institution", "visit__region", "person", "media", "handled_by"
    )
    if not can(user, Action.MANAGE_APPEALS):
        return appeals.none()
    return appeals


def _check_manage(actor: Any, appeal: Appeal) -> None:
    check_region(
        actor,
        Action.MANAGE_APPEALS,
        appeal.visit.region_id,
        _("Only the secretariat keeps the register of appeals."),
    )


@transaction.atomic
def appeal_forward(*, actor: Any, appeal: Appeal, to: str, on: date, reference: str = "") -> Appeal:
    """Record that the appeal was forwarded to ``to`` on ``on``; refused unless the person
    allowed the appeal to be shown to that body."""
    appeal = Appeal.objects.select_for_update().select_related("media", "visit").get(pk=appeal.pk)
    _check_manage(actor, appeal)
    errors: dict[str, list[str]] = {}
    if to not in RECIPIENTS:
        errors["to"] = [_("Choose to whom the appeal was forwarded.")]
    elif to not in appeal_shown_to(appeal.media):
        errors["to"] = [
            _("The person did not allow the appeal to be shown to %(body)s; it is not forwarded.")
            % {"body": AUDIENCES[to]}
        ]
    if on > timezone.localdate():
        errors["on"] = [_("The date cannot be in the future.")]
    elif on < timezone.localdate(appeal.media.uploaded_at):
        errors["on"] = [_("The appeal was received after this date.")]
    if errors:
        raise ValidationError(errors)
    appeal.forwarded_to, appeal.forwarded_on = to, on
    appeal.reference = reference.strip()[:100]
    appeal.handled_by = actor
    if appeal.status == Appeal.Status.REGISTERED:
        appeal.status = Appeal.Status.FORWARDED
    appeal.full_clean(exclude=["media", "visit", "person"])
    appeal.save(update_fields=["forwarded_to", "forwarded_on", "reference", "handled_by", "status"])
    VisitChange.mark(appeal.visit_id)
    return appeal


@transaction.atomic
def appeal_record_outcome(*, actor: Any, appeal: Appeal, outcome: str, on: date) -> Appeal:
    """Record what came of a forwarded appeal (the answer of the body it went to)."""
    appeal = Appeal.objects.select_for_update().select_related("media", "visit").get(pk=appeal.pk)
    _check_manage(actor, appeal)
    errors: dict[str, list[str]] = {}
    if not appeal.forwarded_to:
        errors["outcome"] = [_("Record to whom the appeal was forwarded first.")]
    if not outcome.strip():
        errors["outcome"] = [_("Say what came of the appeal.")]
    if on > timezone.localdate():
        errors["on"] = [_("The date cannot be in the future.")]
    elif appeal.forwarded_on is not None and on < appeal.forwarded_on:
        errors["on"] = [_("The outcome cannot come before the appeal was forwarded.")]
    if errors:
        raise ValidationError(errors)
    appeal.outcome, appeal.outcome_on = outcome.strip(), on
    appeal.status = Appeal.Status.CLOSED
    appeal.handled_by = actor
    appeal.save(update_fields=["outcome", "outcome_on", "status", "handled_by"])
    VisitChange.mark(appeal.visit_id)
    return appeal
