"""Reads of the open selection: who may serve on a team, rankings, mandates."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kuzet.core.policy import Role
from kuzet.membership.models import (
    Application,
    Call,
    ConflictDeclaration,
    Participation,
    Score,
    TeamRule,
)
from kuzet.membership.tokens import code_hash
from kuzet.people.models import User


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


def team_rules_in_force(region_id: int) -> list[TeamRule]:
    """The Council's rules on a team visiting ``region_id``: per rule, the region's own if
    the Council set one, otherwise the one for every region."""
    rules: dict[str, TeamRule] = {}
    in_force = (
        TeamRule.objects.filter(ended_by__isnull=True)
        .filter(Q(region_id=region_id) | Q(region__isnull=True))
        .select_related("decision__meeting", "region")
    )
    for rule in in_force:
        if rule.kind not in rules or rule.region_id is not None:
            rules[rule.kind] = rule
    return [rules[kind] for kind in sorted(rules)]


def team_rule_refusals(users: list[Any], region_id: int) -> list[str]:
    """A team rule check (core.policy.TEAM_RULES): each rule the team breaks, named with the
    Council decision that set it."""
    refusals = []
    for rule in team_rules_in_force(region_id):
        if rule.kind == TeamRule.Kind.MIN_SIZE:
            count = len({u.pk for u in users})
        else:
            today = timezone.localdate()
            count = sum(
                1
                for p in Participation.objects.filter(user__in=[u.pk for u in users])
                if p.test_passed_at is not None and mandate_valid(p, today)
            )
        if count < rule.value:
            meeting = rule.decision.meeting
            refusals.append(
                _(
                    "The team breaks the Council's rule “%(rule)s” (decision of %(date)s, "
                    "“%(meeting)s”): it has %(count)d, at least %(value)d are needed."
                )
                % {
                    "rule": rule.get_kind_display(),
                    "date": date_format(meeting.date, "DATE_FORMAT"),
                    "meeting": meeting.title,
                    "count": count,
                    "value": rule.value,
                }
            )
    return refusals


def council_quorum() -> tuple[int, int]:
    """(votes needed, active Council members): ``MEMBERSHIP_COUNCIL_QUORUM`` if set, else
    more than half of the active members."""
    members = User.objects.filter(role=Role.COUNCIL, is_active=True).count()
    configured = int(settings.MEMBERSHIP_COUNCIL_QUORUM)
    return (configured or members // 2 + 1), members
