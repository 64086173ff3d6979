"""The permission matrix: every role × every action × own and other region."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser

from kuzet.core.access import VisitAction, VisitFacts, decide_visit
from kuzet.core.policy import Action, Role, can, regions_where
from kuzet.people.models import User
from kuzet.registry.models import Region

# Expected answers, written from the NPM's division of work:
#   "all"  — in every region; "own" — only in the user's own region; "-" — nowhere.
P, L, C, S, K, A, U, F = (
    Role.PARTICIPANT,
    Role.GROUP_LEADER,
    Role.COORDINATOR,
    Role.SECRETARIAT,
    Role.COUNCIL,
    Role.ADMINISTRATOR,
    Role.AUDITOR,
    Role.ADDRESSEE,
)
ROLES = [P, L, C, S, K, A, U, F]
EXPECTED: dict[Action, list[str]] = {
    #                               P      L      C      S      K      A      U      F (official)
    Action.VIEW_INVENTORY:        ["all", "all", "all", "all", "all", "all", "all", "-"],
    Action.EDIT_INSTITUTION:      ["-",   "-",   "own", "all", "-",   "all", "-", "-"],
    Action.IMPORT_INSTITUTIONS:   ["-",   "-",   "own", "all", "-",   "all", "-", "-"],
    Action.MANAGE_REFERENCE_DATA: ["-",   "-",   "-",   "all", "-",   "all", "-", "-"],
    Action.MANAGE_GROUP:          ["-",   "-",   "own", "all", "-",   "all", "-", "-"],
    Action.MANAGE_USERS:          ["-",   "-",   "-",   "-",   "-",   "all", "-", "-"],
    Action.VIEW_AUDIT:            ["-",   "-",   "-",   "-",   "-",   "all", "all", "-"],
    Action.PLAN_VISIT:            ["-",   "own", "own", "all", "-",   "-",   "-", "-"],
    Action.VIEW_VISIT:            ["own", "own", "own", "all", "all", "-",   "all", "-"],
    Action.CONDUCT_VISIT:         ["own", "own", "own", "-",   "-",   "-",   "-", "-"],
    Action.REVIEW_VISIT:          ["-",   "-",   "own", "all", "-",   "-",   "-", "-"],
    Action.APPROVE_REPORT:        ["-",   "-",   "-",   "all", "-",   "-",   "-", "-"],
    Action.AMEND_VISIT:           ["own", "own", "own", "all", "-",   "-",   "-", "-"],
    Action.VIEW_DASHBOARD:        ["-",   "own", "own", "all", "all", "-",   "all", "-"],
    Action.COMPILE_ANNUAL_REPORT: ["-",   "-",   "-",   "all", "all", "-",   "-", "-"],
    Action.APPROVE_ANNUAL_REPORT: ["-",   "-",   "-",   "-",   "all", "-",   "-", "-"],
    Action.FOLLOW_UP_RECOMMENDATION: ["-", "-",   "own", "all", "-",   "-",   "-", "-"],
    Action.VIEW_IDENTITIES:       ["own", "own", "own", "all", "-",   "-",   "-", "-"],
    Action.VIEW_INSTRUMENTS:      ["all", "all", "all", "all", "all", "all", "all", "-"],
    Action.MANAGE_INSTRUMENTS:    ["-",   "-",   "-",   "all", "-",   "all", "-", "-"],
    Action.ALLOW_TEAM_FROM_OUTSIDE_REGION: ["-", "-", "-", "all", "-",   "-",   "-", "-"],
    Action.MANAGE_QUALITY_SETTINGS: ["-", "-", "-", "all", "-",   "-",   "-", "-"],
    Action.MANAGE_APPEALS:        ["-",   "-",   "-",   "all", "-",   "-",   "-", "-"],
    Action.INVITE_OFFICIALS:      ["-",   "-",   "-",   "all", "-",   "-",   "-", "-"],
    Action.PUBLISH_REPORTS:       ["-",   "-",   "-",   "all", "-",   "-",   "-", "-"],
    Action.ANSWER_RECOMMENDATION: ["-",   "-",   "-",   "-",   "-",   "-",   "-", "all"],
    Action.MANAGE_SELECTION:      ["-",   "-",   "-",   "all", "-",   "-",   "-", "-"],
    Action.VIEW_APPLICATIONS:     ["-",   "-",   "-",   "all", "all", "-",   "-", "-"],
    Action.SCORE_APPLICATIONS:    ["-",   "-",   "-",   "-",   "all", "-",   "-", "-"],
    Action.MANAGE_PARTICIPANTS:   ["-",   "-",   "-",   "all", "-",   "-",   "-", "-"],
    Action.VIEW_MEETINGS:         ["-",   "-",   "-",   "all", "all", "-",   "-", "-"],
    Action.MANAGE_MEETINGS:       ["-",   "-",   "-",   "all", "-",   "-",   "-", "-"],
    Action.ADD_MEETING_DOCUMENTS: ["-",   "-",   "-",   "all", "all", "-",   "-", "-"],
}  # fmt: skip

CASES = [
    (role, action, expectation)
    for action, row in EXPECTED.items()
    for role, expectation in zip(ROLES, row, strict=True)
]


def test_the_matrix_names_every_action() -> None:
    assert set(EXPECTED) == set(Action)


@pytest.mark.parametrize(("role", "action", "expectation"), CASES, ids=lambda v: str(v))
def test_permission_matrix(
    make_user: Callable[..., User],
    own_region: Region,
    other_region: Region,
    role: Role,
    action: Action,
    expectation: str,
) -> None:
    user = make_user(role)
    assert can(user, action, own_region.pk) is (expectation in ("all", "own"))
    assert can(user, action, other_region.pk) is (expectation == "all")
    assert can(user, action) is (expectation != "-")


@pytest.mark.django_db
def test_nobody_signed_out_may_do_anything() -> None:
    anonymous = AnonymousUser()
    assert not any(can(anonymous, action) for action in Action)


def test_a_deactivated_user_loses_every_permission(make_user: Callable[..., User]) -> None:
    user = make_user(Role.SECRETARIAT)
    user.is_active = False
    assert not any(can(user, action) for action in Action)


def test_a_regional_user_without_a_group_acts_nowhere(
    make_user: Callable[..., User], own_region: Region
) -> None:
    user = make_user(Role.COORDINATOR)
    user.memberships.all().delete()
    fresh = User.objects.get(pk=user.pk)
    assert not can(fresh, Action.EDIT_INSTITUTION, own_region.pk)
    assert regions_where(fresh, Action.EDIT_INSTITUTION) == frozenset()


def test_national_roles_are_scoped_to_every_region(make_user: Callable[..., User]) -> None:
    assert regions_where(make_user(Role.SECRETARIAT), Action.VIEW_VISIT) is None


@pytest.mark.parametrize(
    ("role", "action", "on_team", "expected"),
    [
        (Role.PARTICIPANT, VisitAction.VIEW, True, True),
        (Role.PARTICIPANT, VisitAction.VIEW, False, False),
        (Role.GROUP_LEADER, VisitAction.CONDUCT, False, False),
        (Role.COORDINATOR, VisitAction.VIEW, False, True),
        (Role.COORDINATOR, VisitAction.SEE_IDENTITIES, False, False),
        (Role.COORDINATOR, VisitAction.SEE_IDENTITIES, True, True),
        (Role.PARTICIPANT, VisitAction.SEE_IDENTITIES, True, True),
        (Role.SECRETARIAT, VisitAction.SEE_IDENTITIES, False, True),
        (Role.AUDITOR, VisitAction.SEE_IDENTITIES, False, False),
        (Role.COUNCIL, VisitAction.VIEW, False, True),
        (Role.PARTICIPANT, VisitAction.AMEND, True, True),
        (Role.PARTICIPANT, VisitAction.AMEND, False, False),
        (Role.COORDINATOR, VisitAction.AMEND, False, True),
        (Role.SECRETARIAT, VisitAction.AMEND, False, True),
        (Role.AUDITOR, VisitAction.AMEND, False, False),
    ],
)
def test_visit_level_decisions_depend_on_the_team(
    make_user: Callable[..., User],
    own_region: Region,
    role: Role,
    action: VisitAction,
    on_team: bool,
    expected: bool,
) -> None:
    user = make_user(role)
    team = frozenset({user.pk}) if on_team else frozenset({-1})
    facts = VisitFacts(
        region_id=own_region.pk, team_user_ids=team, leader_user_ids=frozenset(), locked=True
    )
    assert decide_visit(user, facts).may(action) is expected
