"""The visit lifecycle: which step follows which, and who may take it.

    planned → in preparation → in progress → debriefed → report drafting
      → under review → approved → sent to addressees → closed
    under review → returned for changes → under review (resubmitted)

Steps of the visit itself are the team's (participants on the team, the region's
coordinator); submitting is the team leader's; returning and approving are a reviewer's
(the region's coordinator or the secretariat — never someone on the team); sending and
closing are the secretariat's. Sending is ``recommendations.services.visit_send``, which
issues the visit's recommendations in the same transaction; ``visit_transition`` refuses it.

Steps that cannot be taken back (``CONFIRMED_STEPS``) are confirmed by the user on a page
that says what they lock (``step_check`` decides the step could be taken, changing nothing;
``step_summary`` counts what the record holds).
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.access import VisitAction
from kuzet.core.audit import audit_append
from kuzet.core.models import AuditAction
from kuzet.quality.models import QualitySettings
from kuzet.visits.models import StatusChange, Visit, VisitChange
from kuzet.visits.notify import visit_transition_notify

# LOCKED lives with the policy's facts; reports still import it from here.
from kuzet.visits.services.access import LOCKED as LOCKED
from kuzet.visits.services.access import require_can_record, visit_access
from kuzet.visits.services.interviews import time_problems
from kuzet.visits.services.quality import VisitQuality, visit_quality
from kuzet.visits.services.responses import response_problems

S = Visit.Status
TEAM, LEADER, REVIEWER, SECRETARIAT = "team", "leader", "reviewer", "secretariat"
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PLANNED, S.PREPARATION): TEAM,
    (S.PREPARATION, S.IN_PROGRESS): TEAM,
    (S.IN_PROGRESS, S.DEBRIEFED): TEAM,
    (S.DEBRIEFED, S.DRAFTING): TEAM,
    (S.DRAFTING, S.UNDER_REVIEW): LEADER,
    (S.RETURNED, S.UNDER_REVIEW): LEADER,
    (S.UNDER_REVIEW, S.RETURNED): REVIEWER,
    (S.UNDER_REVIEW, S.APPROVED): REVIEWER,
    (S.APPROVED, S.SENT): SECRETARIAT,
    (S.SENT, S.CLOSED): SECRETARIAT,
}
# Steps that must say why.
COMMENT_REQUIRED = frozenset({(S.UNDER_REVIEW, S.RETURNED)})
# Steps the pages ask to confirm, with a summary of what they lock or undo.
CONFIRMED_STEPS = frozenset({S.RETURNED, S.APPROVED, S.SENT, S.CLOSED})
# Sending the report: recommendations.services.visit_send, never visit_transition.
SEND_STEP = (S.APPROVED, S.SENT)
# Who takes a step, as an action of the policy (core.access).
STEP_ACTION = {
    TEAM: VisitAction.CONDUCT,
    LEADER: VisitAction.SUBMIT,
    REVIEWER: VisitAction.REVIEW,
    SECRETARIAT: VisitAction.SEND,
}


@dataclass(frozen=True)
class Step:
    to_status: str
    label: str


def next_steps(user: Any, visit: Visit) -> list[Step]:
    """The steps ``user`` may take from the visit's current status."""
    access = visit_access(user, visit)
    return [
        Step(to, str(S(to).label))
        for (start, to), who in TRANSITIONS.items()
        if start == visit.status and access.may(STEP_ACTION[who])
    ]


def submission_problems(
    visit: Visit,
    quality: VisitQuality | None = None,
    settings: QualitySettings | None = None,
) -> list[str]:
    """What keeps the visit from going to review: an empty or boilerplate record, and the
    quality reasons whose code the secretariat made blocking."""
    problems = []
    if visit.team.count() < 2:
        problems.append(_("The team has fewer than two people."))
    if not visit.started_at or not visit.ended_at:
        problems.append(_("The times in and out of the institution are missing."))
    unanswered = visit.findings.filter(
        good_practice=False, recommendations__isnull=True, no_recommendation_reason=""
    )
    for finding in unanswered:
        problems.append(
            _("The problem “%(title)s” has no recommendation and no reason why not.")
            % {"title": finding}
        )
    problems += response_problems(visit)
    problems += [m for messages in _interviews_outside(visit).values() for m in messages]
    for comment in visit.review_comments.filter(resolved_at__isnull=True):
        problems.append(
            _("The reviewer's comment on “%(section)s” is not resolved: %(text)s")
            % {"section": comment.get_section_display(), "text": comment.text[:120]}
        )
    quality = quality if quality is not None else visit_quality(visit)
    problems += quality.blocking(settings or QualitySettings.current())
    return problems


def submission_warnings(
    visit: Visit,
    quality: VisitQuality | None = None,
    settings: QualitySettings | None = None,
) -> list[str]:
    """The quality reasons that do not block: the record may go to review with them, and a
    reviewer approving over them writes why."""
    quality = quality if quality is not None else visit_quality(visit)
    return quality.warnings(settings or QualitySettings.current())


def step_summary(visit: Visit) -> list[tuple[str, int]]:
    """What the visit's record holds, for the page confirming a step: (what, how many)."""
    return [
        (_("checklists and questionnaires"), visit.responses.count()),
        (_("interviews"), visit.interviews.count()),
        (_("findings"), visit.findings.count()),
        (_("allegations"), visit.allegations.count()),
        (_("media items"), visit.media.count()),
        (_("recommendations"), visit.recommendations.count()),
        (_("unresolved review comments"), visit.review_comments.filter(resolved_at=None).count()),
    ]


def step_check(*, actor: Any, visit: Visit, to_status: str, comment: str = "") -> None:
    """Raise what the step would raise (``visit_transition``, or ``visit_mark_sent`` for
    sending), changing nothing."""
    _step_problems(actor, visit, to_status, comment, sending=True)


@transaction.atomic
def visit_transition(*, actor: Any, visit: Visit, to_status: str, comment: str = "") -> Visit:
    """Move the visit one step; raises a ``core.access.Refused`` or ValidationError, changing
    nothing."""
    return _transition(actor, visit, to_status, comment, sending=False)


@transaction.atomic
def visit_mark_sent(*, actor: Any, visit: Visit) -> Visit:
    """The visit's side of sending its report; only ``recommendations.services.visit_send``
    calls it, in the transaction that issues the recommendations."""
    return _transition(actor, visit, S.SENT, "", sending=True)


def _step_problems(
    actor: Any, visit: Visit, to_status: str, comment: str, sending: bool = False
) -> list[str]:
    """Raise what stops the step; return the quality codes an approval goes over."""
    key = (visit.status, to_status)
    if key not in TRANSITIONS:
        raise ValidationError(
            _("A visit cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": S(visit.status).label,
                "to": S(to_status).label if to_status in S.values else to_status,
            }
        )
    visit_access(actor, visit).check(
        STEP_ACTION[TRANSITIONS[key]], _("You may not take this step for this visit.")
    )
    if key in COMMENT_REQUIRED and not comment.strip():
        raise ValidationError({"comment": [_("Say what must change.")]})
    if key == SEND_STEP and not sending:
        raise ValidationError(
            _("The report is sent with its recommendations: use “Send to addressees”.")
        )
    if to_status == S.UNDER_REVIEW:
        problems = submission_problems(visit)
        if problems:
            raise ValidationError({"submission": problems})
    if to_status == S.APPROVED:
        return _approval_check(visit, comment)
    return []


def _transition(actor: Any, visit: Visit, to_status: str, comment: str, sending: bool) -> Visit:
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    overridden = _step_problems(actor, visit, to_status, comment, sending)
    now = timezone.now()
    fields = ["status"]
    if to_status == S.IN_PROGRESS and visit.started_at is None:
        visit.started_at = now
        fields.append("started_at")
    if to_status == S.DEBRIEFED:
        if visit.ended_at is None:
            visit.ended_at = now
            fields.append("ended_at")
        _record_last_visit(visit)
    from_status = visit.status
    visit.status = to_status
    visit.save(update_fields=fields)
    VisitChange.mark(visit.pk)
    StatusChange(
        visit=visit, from_status=from_status, to_status=to_status, actor=actor, comment=comment
    ).save()
    if overridden:
        # Which checks were approved over, next to the reason (codes only: a text may quote
        # a person, a code never does).
        audit_append(
            action=AuditAction.UPDATE,
            object_type="visits.visit",
            object_id=str(visit.pk),
            fields=["quality_override"],
            values={"quality_override": [None, f"{', '.join(overridden)}: {comment.strip()}"]},
        )
    visit_transition_notify(
        actor=actor, visit=visit, from_status=from_status, to_status=to_status, comment=comment
    )
    return visit


def _approval_check(visit: Visit, comment: str) -> list[str]:
    """Refuse approval while a blocking quality reason remains, or while warnings remain
    and the reviewer has not written why the record is approved as it is; return the codes
    approved over."""
    settings = QualitySettings.current()
    quality = visit_quality(visit)
    blocking = quality.blocking(settings)
    if blocking:
        raise ValidationError({"quality": blocking})
    codes = sorted(quality.codes)
    if codes and not comment.strip():
        raise ValidationError(
            {
                "comment": [
                    _(
                        "Quality warnings remain on this record (see the review tab): write "
                        "why it is approved as it is."
                    )
                ]
            }
        )
    return codes


def _interviews_outside(visit: Visit) -> dict[int, list[str]]:
    """The interviews outside the visit's stay (as ``visit`` says it is) that do not say
    why, by interview."""
    found = {}
    for interview in visit.interviews.filter(time_note="").select_related("person"):
        problems = time_problems(visit, interview.conducted_at, "")
        if "time_note" in problems:
            found[interview.pk] = [
                _("Interview “%(interview)s”: %(problem)s")
                % {"interview": interview, "problem": problems["time_note"][0]}
            ]
    return found


def _record_last_visit(visit: Visit) -> None:
    institution = visit.institution
    day = timezone.localdate(visit.started_at) if visit.started_at else visit.planned_date
    if institution.last_visited_on is None or institution.last_visited_on < day:
        institution.last_visited_on = day
        institution.save(update_fields=["last_visited_on"])


@transaction.atomic
def visit_times_set(*, actor: Any, visit: Visit, started_at: Any, ended_at: Any) -> Visit:
    """Correct the times in and out (the steps record the moment they are taken, which
    is not always the moment the team went in or came out)."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    require_can_record(actor, visit)
    errors = {}
    now = timezone.now()
    if started_at and started_at > now:
        errors["started_at"] = [_("The time in cannot be in the future.")]
    if ended_at and ended_at > now:
        errors["ended_at"] = [_("The time out cannot be in the future.")]
    if ended_at and not started_at:
        errors["started_at"] = [_("Give the time in as well.")]
    if started_at and ended_at and ended_at <= started_at:
        errors["ended_at"] = [_("The time out must be after the time in.")]
    if errors:
        raise ValidationError(errors)
    visit.started_at, visit.ended_at = started_at, ended_at
    outside = _interviews_outside(visit)
    if outside:
        raise ValidationError(
            {"started_at": [m for messages in outside.values() for m in messages]}
        )
    visit.save(update_fields=["started_at", "ended_at"])
    if started_at and visit.status not in (S.PLANNED, S.PREPARATION):
        _record_last_visit(visit)
    return visit
