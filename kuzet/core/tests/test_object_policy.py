"""The object-level matrix: every role × where the user stands towards one visit (its leader,
on its team, in its region but not on the team, in another region) × every visit action;
and the typed refusals, the audit of a refusal and the one sign-in rule."""

from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from kuzet.conftest import InstitutionFactory
from kuzet.core.access import (
    NotLocked,
    NotOnTeam,
    NotTeamLeader,
    OnTeam,
    OutsideRegion,
    Refused,
    RoleMayNot,
    VisitAction,
    VisitFacts,
    VisitLocked,
    audit_refusal,
    decide_visit,
)
from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import Role, SignInStep, sign_in_step
from kuzet.people.models import User
from kuzet.registry.models import Region
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.selectors import visits_for
from kuzet.visits.services.access import visit_access

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
PLACES = ["lead", "team", "region", "other"]
# For each role, a string per action: Y/N for (team leader, team member, same region not on
# the team, another region). RECORD is asked of an open visit, AMEND of an approved one.
EXPECTED: dict[Role, dict[VisitAction, str]] = {
    #   view    conduct record  identities submit review  send    amend
    P: dict(zip(VisitAction, ["YYNN", "YYNN", "YYNN", "YYNN", "YNNN", "NNNN", "NNNN", "YYNN"], strict=True)),
    L: dict(zip(VisitAction, ["YYNN", "YYNN", "YYNN", "YYNN", "YNNN", "NNNN", "NNNN", "YYNN"], strict=True)),
    C: dict(zip(VisitAction, ["YYYN", "YYYN", "YYYN", "YYNN", "YNNN", "NNYN", "NNNN", "YYYN"], strict=True)),
    S: dict(zip(VisitAction, ["YYYY", "NNNN", "NNNN", "YYYY", "NNNN", "NNYY", "YYYY", "YYYY"], strict=True)),
    K: dict(zip(VisitAction, ["YYYY", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN"], strict=True)),
    A: dict(zip(VisitAction, ["NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN"], strict=True)),
    U: dict(zip(VisitAction, ["YYYY", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN"], strict=True)),
    # An addressee's official never opens a visit, even if someone put them on its team.
    F: dict(zip(VisitAction, ["NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN", "NNNN"], strict=True)),
}  # fmt: skip
CASES = [
    (role, action, place, answers[index] == "Y")
    for role, row in EXPECTED.items()
    for action, answers in row.items()
    for index, place in enumerate(PLACES)
]


def test_the_object_matrix_names_every_visit_action() -> None:
    assert list(VisitAction) == [
        VisitAction.VIEW,
        VisitAction.CONDUCT,
        VisitAction.RECORD,
        VisitAction.SEE_IDENTITIES,
        VisitAction.SUBMIT,
        VisitAction.REVIEW,
        VisitAction.SEND,
        VisitAction.AMEND,
    ]


def facts_for(user: User, place: str, own: Region, other: Region, *, locked: bool) -> VisitFacts:
    return VisitFacts(
        region_id=other.pk if place == "other" else own.pk,
        team_user_ids=frozenset({user.pk, -1} if place in ("lead", "team") else {-1}),
        leader_user_ids=frozenset({user.pk} if place == "lead" else {-1}),
        locked=locked,
    )


@pytest.mark.parametrize(("role", "action", "place", "expected"), CASES, ids=lambda v: str(v))
def test_object_permission_matrix(
    make_user: Callable[..., User],
    own_region: Region,
    other_region: Region,
    role: Role,
    action: VisitAction,
    place: str,
    expected: bool,
) -> None:
    user = make_user(role)
    facts = facts_for(user, place, own_region, other_region, locked=action == VisitAction.AMEND)
    access = decide_visit(user, facts)
    assert access.may(action) is expected
    if expected:
        access.check(action)
    else:
        with pytest.raises(PermissionDenied):
            access.check(action)


def test_an_approved_record_takes_amendments_not_changes(
    make_user: Callable[..., User], own_region: Region, other_region: Region
) -> None:
    member = make_user(Role.PARTICIPANT)
    approved = decide_visit(
        member, facts_for(member, "team", own_region, other_region, locked=True)
    )
    assert approved.conduct and not approved.record and approved.amend
    with pytest.raises(VisitLocked):
        approved.check(VisitAction.RECORD)
    assert isinstance(VisitLocked(), ValidationError)
    open_visit = decide_visit(
        member, facts_for(member, "team", own_region, other_region, locked=False)
    )
    assert open_visit.record and not open_visit.amend
    with pytest.raises(NotLocked):
        open_visit.check(VisitAction.AMEND)


@pytest.mark.parametrize(
    ("role", "place", "action", "refusal"),
    [
        (Role.ADMINISTRATOR, "region", VisitAction.VIEW, RoleMayNot),
        (Role.COORDINATOR, "other", VisitAction.VIEW, OutsideRegion),
        (Role.PARTICIPANT, "region", VisitAction.VIEW, NotOnTeam),
        (Role.COORDINATOR, "region", VisitAction.SEE_IDENTITIES, NotOnTeam),
        (Role.PARTICIPANT, "team", VisitAction.SUBMIT, NotTeamLeader),
        (Role.COORDINATOR, "team", VisitAction.REVIEW, OnTeam),
        (Role.SECRETARIAT, "region", VisitAction.RECORD, RoleMayNot),
    ],
)
def test_a_refusal_says_why(
    make_user: Callable[..., User],
    own_region: Region,
    other_region: Region,
    role: Role,
    place: str,
    action: VisitAction,
    refusal: type[Refused],
) -> None:
    user = make_user(role)
    access = decide_visit(user, facts_for(user, place, own_region, other_region, locked=False))
    with pytest.raises(refusal) as raised:
        access.check(action)
    assert raised.value.action == action


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("place", PLACES)
def test_the_visit_list_shows_exactly_the_visits_the_object_policy_opens(
    make_user: Callable[..., User],
    own_region: Region,
    other_region: Region,
    role: Role,
    place: str,
) -> None:
    user = make_user(role)
    colleague = make_user(Role.PARTICIPANT, region=other_region if place == "other" else None)
    institution = InstitutionFactory(region=other_region if place == "other" else own_region)
    visit = Visit.objects.create(
        institution=institution,
        region=institution.region,
        planned_date=date(2026, 12, 1),
        created_by=colleague,
    )
    TeamMember.objects.create(visit=visit, user=colleague, role=TeamMember.Role.MEMBER)
    if place in ("lead", "team"):
        role_on_team = TeamMember.Role.LEADER if place == "lead" else TeamMember.Role.MEMBER
        TeamMember.objects.create(visit=visit, user=user, role=role_on_team)
    listed = visits_for(user).filter(pk=visit.pk).exists()
    assert visit_access(user, visit).view is listed
    assert listed is (EXPECTED[role][VisitAction.VIEW][PLACES.index(place)] == "Y")


def test_a_refusal_is_audited_with_who_what_and_why(
    make_user: Callable[..., User], own_region: Region, other_region: Region
) -> None:
    outsider = make_user(Role.PARTICIPANT)
    access = decide_visit(
        outsider, facts_for(outsider, "region", own_region, other_region, locked=False)
    )
    with pytest.raises(NotOnTeam) as raised:
        access.check(VisitAction.VIEW)
    audit_refusal(user=outsider, object_type="visits.visit", object_id=42, refusal=raised.value)
    event = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert (event.actor_id, event.object_type, event.object_id) == (
        outsider.pk,
        "visits.visit",
        "42",
    )
    assert event.values == {"refused": [None, "view: not_on_team"]}


@pytest.mark.parametrize(
    ("role", "has_device", "verified", "demo", "step"),
    [
        (Role.PARTICIPANT, False, False, False, SignInStep.COMPLETE),
        (Role.PARTICIPANT, True, False, False, SignInStep.VERIFY_SECOND_FACTOR),
        (Role.PARTICIPANT, True, True, False, SignInStep.COMPLETE),
        (Role.COORDINATOR, False, False, False, SignInStep.ENROL_SECOND_FACTOR),
        (Role.COORDINATOR, False, False, True, SignInStep.COMPLETE),
        (Role.COORDINATOR, True, False, True, SignInStep.VERIFY_SECOND_FACTOR),
        (Role.SECRETARIAT, True, True, False, SignInStep.COMPLETE),
        (Role.AUDITOR, False, False, False, SignInStep.ENROL_SECOND_FACTOR),
    ],
)
def test_one_sign_in_rule(
    make_user: Callable[..., User],
    role: Role,
    has_device: bool,
    verified: bool,
    demo: bool,
    step: SignInStep,
) -> None:
    user = make_user(role)
    with override_settings(DEMO=demo):
        assert (
            sign_in_step(user, has_second_factor=has_device, verified_second_factor=verified)
            == step
        )
