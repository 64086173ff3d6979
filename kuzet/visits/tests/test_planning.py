"""Planning a visit: who may, and what a plan must hold."""

from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kuzet.conftest import InstitutionFactory
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.registry.models import Region
from kuzet.visits.models import StatusChange, TeamMember, Visit
from kuzet.visits.services.planning import TeamPlace, visit_plan

pytestmark = pytest.mark.django_db
L, M = TeamMember.Role.LEADER, TeamMember.Role.MEMBER


def plan(actor: User, team: list[TeamPlace], **kwargs: object) -> Visit:
    values: dict[str, object] = {
        "institution": InstitutionFactory(),
        "planned_date": date(2026, 12, 1),
    }
    values.update(kwargs)
    return visit_plan(actor=actor, team=team, **values)  # type: ignore[arg-type]


def test_a_coordinator_plans_a_visit_of_their_region(
    coordinator: User, leader: User, member: User
) -> None:
    visit = plan(coordinator, [TeamPlace(leader, L), TeamPlace(member, M)])
    assert visit.status == Visit.Status.PLANNED and visit.region_id == visit.institution.region_id
    assert set(visit.team.values_list("user__username", "role")) == {
        ("leader", "leader"),
        ("member", "member"),
    }
    assert StatusChange.objects.get(visit=visit).to_status == "planned"
    assert AuditEvent.objects.filter(
        object_type="visits.visit", object_id=str(visit.pk), action="create"
    ).exists()


def test_nobody_plans_a_visit_in_another_region(
    coordinator: User, leader: User, member: User, other_region: Region
) -> None:
    with pytest.raises(PermissionDenied):
        plan(
            coordinator,
            [TeamPlace(leader, L), TeamPlace(member, M)],
            institution=InstitutionFactory(region=other_region),
        )
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("team", "message"),
    [
        (lambda leader, member: [TeamPlace(leader, L)], "at least two people"),
        (
            lambda leader, member: [TeamPlace(leader, M), TeamPlace(member, M)],
            "exactly one team leader",
        ),
        (
            lambda leader, member: [TeamPlace(leader, L), TeamPlace(member, L)],
            "exactly one team leader",
        ),
        (lambda leader, member: [TeamPlace(leader, L), TeamPlace(leader, M)], "named twice"),
    ],
)
def test_a_team_needs_two_people_and_one_leader(
    coordinator: User,
    leader: User,
    member: User,
    team: Callable[..., list[TeamPlace]],
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        plan(coordinator, team(leader, member))
    assert not Visit.objects.exists() and not TeamMember.objects.exists()


def test_the_team_comes_from_the_regions_group_unless_the_secretariat_allows(
    coordinator: User,
    secretariat: User,
    leader: User,
    make_user: Callable[..., User],
    other_region: Region,
) -> None:
    outsider = make_user(Role.PARTICIPANT, region=other_region, username="outsider")
    with pytest.raises(ValidationError, match="not in this region's group"):
        plan(coordinator, [TeamPlace(leader, L), TeamPlace(outsider, M)])
    with pytest.raises(ValidationError, match="Only the secretariat"):
        plan(
            coordinator,
            [TeamPlace(leader, L), TeamPlace(outsider, M)],
            team_outside_region_allowed=True,
        )
    visit = plan(
        secretariat,
        [TeamPlace(leader, L), TeamPlace(outsider, M)],
        team_outside_region_allowed=True,
    )
    assert visit.team.count() == 2


def test_a_closed_institution_is_not_visited(coordinator: User, leader: User, member: User) -> None:
    closed = InstitutionFactory(status="closed", closed_on=date(2025, 1, 1))
    with pytest.raises(ValidationError, match="closed"):
        plan(coordinator, [TeamPlace(leader, L), TeamPlace(member, M)], institution=closed)


def test_a_thematic_visit_needs_a_theme(coordinator: User, leader: User, member: User) -> None:
    with pytest.raises(ValidationError, match="theme"):
        plan(coordinator, [TeamPlace(leader, L), TeamPlace(member, M)], kind=Visit.Kind.THEMATIC)
