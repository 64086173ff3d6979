"""Planning a visit: the institution, the date, the objectives and the team."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuzet.core.access import check_region
from kuzet.core.policy import (
    REGIONAL_ROLES,
    Action,
    can,
    team_gate_refusal,
    team_rule_refusals,
)
from kuzet.registry.models import Institution
from kuzet.visits.models import StatusChange, TeamMember, Visit, VisitChange

MIN_TEAM_SIZE = 2


@dataclass(frozen=True)
class TeamPlace:
    user: Any
    role: str


def _team_problems(team: list[TeamPlace], region_id: int, outside_allowed: bool) -> list[str]:
    problems: list[str] = []
    users = [place.user for place in team]
    if len({u.pk for u in users}) != len(users):
        problems.append(_("A person is named twice in the team."))
    if len({u.pk for u in users}) < MIN_TEAM_SIZE:
        problems.append(_("A visit needs a team of at least two people."))
    leaders = [p for p in team if p.role == TeamMember.Role.LEADER]
    if len(leaders) != 1:
        problems.append(_("Name exactly one team leader."))
    for place in team:
        if not place.user.is_active:
            problems.append(
                _("%(person)s cannot take part: the account is inactive.") % {"person": place.user}
            )
        elif place.user.role not in REGIONAL_ROLES:
            problems.append(_("%(person)s is not an NPM participant.") % {"person": place.user})
        elif refusal := team_gate_refusal(place.user):
            problems.append(
                _("%(person)s cannot take part: %(reason)s")
                % {"person": place.user, "reason": refusal}
            )
        elif not outside_allowed and region_id not in place.user.region_ids():
            problems.append(
                _("%(person)s is not in this region's group (only the secretariat can allow that).")
                % {"person": place.user}
            )
    if not problems:
        # The Council's decided rules on a team's composition (core.policy.TEAM_RULES).
        problems.extend(team_rule_refusals(users, region_id))
    return problems


@transaction.atomic
def visit_plan(
    *,
    actor: Any,
    institution: Institution,
    planned_date: date,
    team: list[TeamPlace],
    kind: str = Visit.Kind.REGULAR,
    announced: bool = False,
    objectives: str = "",
    theme: str = "",
    team_outside_region_allowed: bool = False,
) -> Visit:
    """Plan a visit; raises a ``core.access.Refused`` or ValidationError (with every problem),
    saving nothing."""
    check_region(
        actor,
        Action.PLAN_VISIT,
        institution.region_id,
        _("You may not plan visits in this region."),
    )
    problems: dict[str, list[str]] = {}
    if institution.status != Institution.Status.ACTIVE:
        problems["institution"] = [_("This institution is closed.")]
    if team_outside_region_allowed and not can(
        actor, Action.ALLOW_TEAM_FROM_OUTSIDE_REGION, institution.region_id
    ):
        problems["team_outside_region_allowed"] = [
            _("Only the secretariat can allow a team from outside the region.")
        ]
    team_problems = _team_problems(team, institution.region_id, team_outside_region_allowed)
    if team_problems:
        problems["team"] = team_problems
    visit = Visit(
        institution=institution,
        region_id=institution.region_id,
        kind=kind,
        announced=announced,
        planned_date=planned_date,
        objectives=objectives,
        theme=theme,
        team_outside_region_allowed=team_outside_region_allowed,
        created_by=actor,
    )
    try:
        visit.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    visit.save()
    VisitChange.mark(visit.pk)
    for place in team:
        TeamMember(visit=visit, user=place.user, role=place.role).save()
    StatusChange(visit=visit, from_status="", to_status=visit.status, actor=actor).save()
    return visit
