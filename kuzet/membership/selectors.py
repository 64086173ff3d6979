"""Reads of the open selection: who may serve on a team, rankings, mandates."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.membership.models import (
    Application,
    Call,
    ConflictDeclaration,
    Participation,
    Score,
)
from kuzet.membership.tokens import code_hash


def may_serve_on_team(user: Any) -> str | None:
    """A team gate (core.policy.TEAM_GATES): a participant who came through selection must
    have finished onboarding and be within an active term; returns the reason when not.
    Accounts made otherwise (by an administrator) are not concerned."""
    participation = Participation.objects.filter(user_id=user.pk).first()
    if participation is None:
        return None
    today = timezone.localdate()
    if mandate_valid(participation, today):
        return None
    status = participation.status
    if status == Participation.Status.ONBOARDING:
        return str(_("onboarding is not finished (rules and test)."))
    if status == Participation.Status.SUSPENDED:
        return str(_("the participation is suspended."))
    if status == Participation.Status.EXCLUDED:
        return str(_("the participant was excluded."))
    if status == Participation.Status.ENDED or today > participation.ends_on:
        return str(_("the term has ended."))
    if today < participation.starts_on:
        return str(_("the term has not started yet."))
    return str(_("the account is inactive."))


def mandate_valid(participation: Participation, today: date) -> bool:
    return (
        participation.status == Participation.Status.ACTIVE
        and participation.starts_on <= today <= participation.ends_on
        and participation.user.is_active
    )


def participation_by_code(code: str) -> Participation | None:
    return (
        Participation.objects.select_related("user", "region")
        .filter(mandate_code_hash=code_hash(code))
        .first()
    )


@dataclass(frozen=True)
class Ranked:
    application: Application
    score: float | None  # the mean over members of each member's weighted mean (0..10)
    scored_by: int
    conflicts: int


def ranking(call: Call) -> list[Ranked]:
    """The call's scored candidates (eligible, address confirmed), best first."""
    criteria = {c.pk: c.weight for c in call.criteria.all()}
    total_weight = sum(criteria.values()) or 1
    applications = (
        call.applications.filter(
            status__in=[
                Application.Status.ELIGIBLE,
                Application.Status.SELECTED,
                Application.Status.NOT_SELECTED,
            ],
            email_confirmed_at__isnull=False,
        )
        .select_related("region")
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.all()),
            Prefetch("member_conflicts", queryset=ConflictDeclaration.objects.all()),
        )
    )
    rows = []
    for application in applications:
        per_member: dict[int, float] = {}
        for score in application.scores.all():
            per_member[score.member_id] = per_member.get(score.member_id, 0.0) + (
                score.value * criteria.get(score.criterion_id, 0) / total_weight
            )
        mean = sum(per_member.values()) / len(per_member) if per_member else None
        rows.append(
            Ranked(
                application=application,
                score=round(mean, 2) if mean is not None else None,
                scored_by=len(per_member),
                conflicts=len(application.member_conflicts.all()),
            )
        )
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.application.submitted_at))
    return rows


def member_has_scored(member: Any, application: Application) -> bool:
    return Score.objects.filter(application=application, member=member).exists()


def member_conflicted(member: Any, application: Application) -> bool:
    return ConflictDeclaration.objects.filter(application=application, member=member).exists()
