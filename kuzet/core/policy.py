"""Every permission decision in Kuzet, in one place.

``can(user, action, region_id)`` answers whether a user may do an action on something that
belongs to a region (an institution, a visit, a regional group). Roles come in two kinds:
*national* roles act everywhere; *regional* roles (participant, group leader, regional
coordinator) act only in the regions of their regional groups. The table below is the
whole role table; ``core.access`` adds what depends on one visit (its team, its lock) and
``sign_in_step`` is the sign-in rule. The test ``core/tests/test_policy.py`` states the
expected matrix for every role, action and own/other region, and on a visit.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from django.conf import settings

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kuzet.people.models import User

    # Whoever asks: ``request.user`` (signed in or not), or nobody (a command).
    AnyUser: TypeAlias = User | AnonymousUser | None


class Role(StrEnum):
    PARTICIPANT = "participant"
    GROUP_LEADER = "group_leader"
    COORDINATOR = "coordinator"
    SECRETARIAT = "secretariat"
    COUNCIL = "council"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"
    # An official of an addressee organisation (a ministry, an akimat, an institution's
    # administration…), bound to one addressee (``kuzet.portal``): sees only the portal.
    ADDRESSEE = "addressee"


REGIONAL_ROLES = frozenset({Role.PARTICIPANT, Role.GROUP_LEADER, Role.COORDINATOR})
# The NPM's own people: everyone but the addressees' officials, who see only ``/portal/``.
NPM_ROLES = frozenset(Role) - {Role.ADDRESSEE}
PORTAL_ROLES = frozenset({Role.ADDRESSEE})
# Roles that must sign in with a second factor (TOTP) outside the demo configuration:
# everyone who can read beyond one regional group's visits.
# The addressees' officials too: their answers speak for a state body.
TWO_FACTOR_ROLES = frozenset(
    {
        Role.COORDINATOR,
        Role.SECRETARIAT,
        Role.ADMINISTRATOR,
        Role.COUNCIL,
        Role.AUDITOR,
        Role.ADDRESSEE,
    }
)


class Action(StrEnum):
    VIEW_INVENTORY = "view_inventory"
    EDIT_INSTITUTION = "edit_institution"
    IMPORT_INSTITUTIONS = "import_institutions"
    MANAGE_REFERENCE_DATA = "manage_reference_data"
    MANAGE_GROUP = "manage_group"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    PLAN_VISIT = "plan_visit"
    VIEW_VISIT = "view_visit"
    CONDUCT_VISIT = "conduct_visit"
    REVIEW_VISIT = "review_visit"
    APPROVE_REPORT = "approve_report"
    AMEND_VISIT = "amend_visit"
    VIEW_DASHBOARD = "view_dashboard"
    COMPILE_ANNUAL_REPORT = "compile_annual_report"
    APPROVE_ANNUAL_REPORT = "approve_annual_report"
    FOLLOW_UP_RECOMMENDATION = "follow_up_recommendation"
    VIEW_IDENTITIES = "view_identities"
    VIEW_INSTRUMENTS = "view_instruments"
    MANAGE_INSTRUMENTS = "manage_instruments"
    ALLOW_TEAM_FROM_OUTSIDE_REGION = "allow_team_from_outside_region"
    MANAGE_QUALITY_SETTINGS = "manage_quality_settings"
    MANAGE_APPEALS = "manage_appeals"
    MANAGE_SELECTION = "manage_selection"
    VIEW_APPLICATIONS = "view_applications"
    SCORE_APPLICATIONS = "score_applications"
    MANAGE_PARTICIPANTS = "manage_participants"
    VIEW_MEETINGS = "view_meetings"
    MANAGE_MEETINGS = "manage_meetings"
    ADD_MEETING_DOCUMENTS = "add_meeting_documents"
    INVITE_OFFICIALS = "invite_officials"
    PUBLISH_REPORTS = "publish_reports"
    ANSWER_RECOMMENDATION = "answer_recommendation"


# action -> (roles allowed in every region, roles allowed in their own regions only)
RULES: dict[Action, tuple[frozenset[Role], frozenset[Role]]] = {
    Action.VIEW_INVENTORY: (NPM_ROLES, frozenset()),
    Action.EDIT_INSTITUTION: (
        frozenset({Role.SECRETARIAT, Role.ADMINISTRATOR}),
        frozenset({Role.COORDINATOR}),
    ),
    Action.IMPORT_INSTITUTIONS: (
        frozenset({Role.SECRETARIAT, Role.ADMINISTRATOR}),
        frozenset({Role.COORDINATOR}),
    ),
    Action.MANAGE_REFERENCE_DATA: (frozenset({Role.SECRETARIAT, Role.ADMINISTRATOR}), frozenset()),
    Action.MANAGE_GROUP: (
        frozenset({Role.SECRETARIAT, Role.ADMINISTRATOR}),
        frozenset({Role.COORDINATOR}),
    ),
    Action.MANAGE_USERS: (frozenset({Role.ADMINISTRATOR}), frozenset()),
    Action.VIEW_AUDIT: (frozenset({Role.ADMINISTRATOR, Role.AUDITOR}), frozenset()),
    Action.PLAN_VISIT: (
        frozenset({Role.SECRETARIAT}),
        frozenset({Role.COORDINATOR, Role.GROUP_LEADER}),
    ),
    # Visit content is not for the technical administrator (separation of duties).
    Action.VIEW_VISIT: (
        frozenset({Role.SECRETARIAT, Role.COUNCIL, Role.AUDITOR}),
        REGIONAL_ROLES,
    ),
    Action.CONDUCT_VISIT: (frozenset(), REGIONAL_ROLES),
    Action.REVIEW_VISIT: (frozenset({Role.SECRETARIAT}), frozenset({Role.COORDINATOR})),
    Action.APPROVE_REPORT: (frozenset({Role.SECRETARIAT}), frozenset()),
    # Amending an approved record: its team, the region's coordinator, the secretariat.
    Action.AMEND_VISIT: (frozenset({Role.SECRETARIAT}), REGIONAL_ROLES),
    Action.VIEW_DASHBOARD: (
        frozenset({Role.SECRETARIAT, Role.COUNCIL, Role.AUDITOR}),
        frozenset({Role.COORDINATOR, Role.GROUP_LEADER}),
    ),
    Action.COMPILE_ANNUAL_REPORT: (frozenset({Role.SECRETARIAT, Role.COUNCIL}), frozenset()),
    # Approving the annual report as a whole (its editorial workspace): the Council.
    Action.APPROVE_ANNUAL_REPORT: (frozenset({Role.COUNCIL}), frozenset()),
    # Assessing what the authorities did with a recommendation.
    Action.FOLLOW_UP_RECOMMENDATION: (frozenset({Role.SECRETARIAT}), frozenset({Role.COORDINATOR})),
    # Identities of the people met: the secretariat, and the visit's own team (core.access).
    Action.VIEW_IDENTITIES: (frozenset({Role.SECRETARIAT}), REGIONAL_ROLES),
    # Instruments and legal norms are the NPM's common methodology: everyone reads them,
    # the secretariat maintains them.
    Action.VIEW_INSTRUMENTS: (NPM_ROLES, frozenset()),
    Action.MANAGE_INSTRUMENTS: (frozenset({Role.SECRETARIAT, Role.ADMINISTRATOR}), frozenset()),
    # A visit's team is the region's group; only the secretariat may plan one with others.
    Action.ALLOW_TEAM_FROM_OUTSIDE_REGION: (frozenset({Role.SECRETARIAT}), frozenset()),
    # Report quality: thresholds of the signals and which codes block submission and approval.
    Action.MANAGE_QUALITY_SETTINGS: (frozenset({Role.SECRETARIAT}), frozenset()),
    # The register of video appeals to the Commissioner: the secretariat keeps it (who may
    # watch one recording is the person's consent: core.access.appeal_refusal).
    Action.MANAGE_APPEALS: (frozenset({Role.SECRETARIAT}), frozenset()),
    # Open selection of participants (membership): the secretariat opens calls, checks
    # eligibility and records the Council's decisions; applicants' personal data are read
    # by the secretariat and the Council only; Council members score.
    Action.MANAGE_SELECTION: (frozenset({Role.SECRETARIAT}), frozenset()),
    Action.VIEW_APPLICATIONS: (frozenset({Role.SECRETARIAT, Role.COUNCIL}), frozenset()),
    Action.SCORE_APPLICATIONS: (frozenset({Role.COUNCIL}), frozenset()),
    # Participants' terms (start, suspension, exclusion) on the Council's decision.
    Action.MANAGE_PARTICIPANTS: (frozenset({Role.SECRETARIAT}), frozenset()),
    Action.VIEW_MEETINGS: (frozenset({Role.SECRETARIAT, Role.COUNCIL}), frozenset()),
    Action.MANAGE_MEETINGS: (frozenset({Role.SECRETARIAT}), frozenset()),
    Action.ADD_MEETING_DOCUMENTS: (frozenset({Role.SECRETARIAT, Role.COUNCIL}), frozenset()),
    # The addressee portal (kuzet.portal): the secretariat invites each addressee's
    # officials; an official answers the recommendations of their own addressee only
    # (``portal.selectors``: the one object-level rule).
    Action.INVITE_OFFICIALS: (frozenset({Role.SECRETARIAT}), frozenset()),
    Action.ANSWER_RECOMMENDATION: (PORTAL_ROLES, frozenset()),
    # Publishing a report on the public site: a separate, audited decision per report.
    Action.PUBLISH_REPORTS: (frozenset({Role.SECRETARIAT}), frozenset()),
}


# Roles that read visit content beyond their own team: raising a user to one of them needs a
# second person's confirmation (people.roles). Derived from the table, not listed by hand.
CONTENT_ROLES = frozenset(
    role
    for action in (Action.VIEW_VISIT, Action.VIEW_IDENTITIES)
    for group in RULES[action]
    for role in group
) - frozenset({Role.PARTICIPANT, Role.GROUP_LEADER})


class PolicyUser(Protocol):
    is_authenticated: bool
    is_active: bool
    role: str

    def region_ids(self) -> frozenset[int]: ...


def regions_where(user: "AnyUser", action: Action) -> frozenset[int] | None:
    """The regions where ``user`` may do ``action``: ``None`` means every region."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    try:
        role = Role(user.role)
    except ValueError:
        return frozenset()
    anywhere, own_region = RULES[action]
    if role in anywhere:
        return None
    if role in own_region:
        regions: frozenset[int] = user.region_ids()
        return regions
    return frozenset()


def can(user: "AnyUser", action: Action, region_id: int | None = None) -> bool:
    """May ``user`` do ``action`` on something in ``region_id``?

    ``region_id=None`` asks whether the user may do the action somewhere at all (to show a
    menu entry or a page that is then filtered to what the user may see).
    """
    allowed = regions_where(user, action)
    if allowed is None:
        return True
    return bool(allowed) if region_id is None else region_id in allowed


# Participants and group leaders see and work on the visits whose team they are on;
# coordinators on every visit of their region; national roles as the table says. What
# depends on one visit (its team, its leader, its lock) is decided in ``core.access``.
TEAM_ONLY_ROLES = frozenset({Role.PARTICIPANT, Role.GROUP_LEADER})


# Further conditions on joining a team, registered by the apps that own them (membership:
# onboarding done, term not suspended): core never imports a domain app. A gate returns
# None when it lets the user in, otherwise the reason it refuses (shown to the planner).
TEAM_GATES: list[Callable[["User"], str | None]] = []


def team_gate_refusal(user: "User") -> str | None:
    """The first registered gate's reason for keeping ``user`` off a team, or None."""
    for gate in TEAM_GATES:
        reason = gate(user)
        if reason is not None:
            return reason
    return None


# Rules on a whole team's composition, registered by the apps that own them (membership:
# the Council's decided rules, such as a minimum size). A rule is called with the team's
# people and the region of the visited institution and returns its refusals (each naming
# the rule and the decision that set it); an empty list lets the team be formed.
TEAM_RULES: list[Callable[[list["User"], int], list[str]]] = []


def team_rule_refusals(users: list["User"], region_id: int) -> list[str]:
    """Every registered team rule's refusals of a team for a visit in ``region_id``."""
    refusals: list[str] = []
    for rule in TEAM_RULES:
        refusals.extend(rule(users, region_id))
    return refusals


def may_join_team(user: "User") -> bool:
    """Whether ``user``'s role is one a visit's team is made of (the NPM's participants) and
    every registered gate lets them in."""
    return bool(user.role in REGIONAL_ROLES) and team_gate_refusal(user) is None


def visit_scope(user: "AnyUser") -> tuple[frozenset[int] | None, bool]:
    """Which visits ``user`` may see: (regions or None for all, whether only their teams')."""
    if user is None or not user.is_authenticated:
        return frozenset(), False
    regions = regions_where(user, Action.VIEW_VISIT)
    team_only = regions != frozenset() and Role(user.role) in TEAM_ONLY_ROLES
    return regions, team_only


class SignInStep(StrEnum):
    """What a user who gave the right password still needs before being signed in."""

    COMPLETE = "complete"
    VERIFY_SECOND_FACTOR = "verify_second_factor"
    ENROL_SECOND_FACTOR = "enrol_second_factor"


def needs_two_factor(user: Any) -> bool:
    return bool(user.role in TWO_FACTOR_ROLES)


def sign_in_step(user: Any, *, has_second_factor: bool, verified_second_factor: bool) -> SignInStep:
    """The one sign-in rule, for the web session and the field app's device token alike: a
    user with a confirmed TOTP device must use it; the roles of ``TWO_FACTOR_ROLES`` must
    enrol one first (offered, not forced, in the demo configuration)."""
    if verified_second_factor:
        return SignInStep.COMPLETE
    if has_second_factor:
        return SignInStep.VERIFY_SECOND_FACTOR
    if needs_two_factor(user) and not settings.DEMO:
        return SignInStep.ENROL_SECOND_FACTOR
    return SignInStep.COMPLETE
