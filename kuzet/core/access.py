"""What a user may do on one visit, decided from the visit's facts; the typed refusals; the
one function that writes a refusal to the audit trail.

``core.policy`` says what a role may do in a region; this module adds what depends on the
object: the visit's team, its leader, whether its record is approved. The visits app
gathers a visit's facts (``visits.services.access.visit_access``); every view, API,
report, export and media check asks the resulting ``VisitAccess``.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from kuzet.core.audit import actor_of, audit_append
from kuzet.core.models import AuditAction
from kuzet.core.policy import REGIONAL_ROLES, TEAM_ONLY_ROLES, Action, Role, can, regions_where

if TYPE_CHECKING:
    from kuzet.core.policy import AnyUser


class VisitAction(StrEnum):
    VIEW = "view"
    # Team work on the visit (its steps up to the report, the record while it is open).
    CONDUCT = "conduct"
    # Add to or change the record: team work, and only until the record is approved.
    RECORD = "record"
    SEE_IDENTITIES = "see_identities"
    # Submit the record for review: the team leader.
    SUBMIT = "submit"
    # Comment on, return or approve the record: a reviewer, never someone on the team.
    REVIEW = "review"
    # Send the approved report to its addressees and close the visit: the secretariat.
    SEND = "send"
    # Amend an approved record.
    AMEND = "amend"


# The role-table action each visit action starts from (core.policy.RULES).
ROLE_ACTION: dict[VisitAction, Action] = {
    VisitAction.VIEW: Action.VIEW_VISIT,
    VisitAction.CONDUCT: Action.CONDUCT_VISIT,
    VisitAction.RECORD: Action.CONDUCT_VISIT,
    VisitAction.SEE_IDENTITIES: Action.VIEW_IDENTITIES,
    VisitAction.SUBMIT: Action.CONDUCT_VISIT,
    VisitAction.REVIEW: Action.REVIEW_VISIT,
    VisitAction.SEND: Action.APPROVE_REPORT,
    VisitAction.AMEND: Action.AMEND_VISIT,
}
# Participants and group leaders act on a visit only when they are on its team.
TEAM_ONLY_ACTIONS = frozenset(
    {VisitAction.VIEW, VisitAction.CONDUCT, VisitAction.RECORD, VisitAction.AMEND}
)


class Refused(PermissionDenied):
    """The user may not do ``action``; subclasses say why. A ``PermissionDenied``, so an edge
    that does not map it answers 403."""

    reason = "refused"

    def __init__(self, action: str, message: str = "") -> None:
        super().__init__(message or _("You may not do this."))
        self.action = action
        self.message = message


class SignedOut(Refused):
    reason = "signed_out"


class RoleMayNot(Refused):
    """The user's role may not do this anywhere."""

    reason = "role"


class OutsideRegion(Refused):
    """The role may, but not in this region."""

    reason = "region"


class NotOnTeam(Refused):
    reason = "not_on_team"


class OnTeam(Refused):
    """Reviewers review other teams' work, never their own."""

    reason = "on_team"


class NotTeamLeader(Refused):
    reason = "not_team_leader"


class NotLocked(Refused):
    """Amendments are for approved records; until then the record itself changes."""

    reason = "not_locked"


class AppealNotConsented(Refused):
    """The person did not allow their video appeal to be shown to this viewer."""

    reason = "appeal_consent"


class VisitLocked(ValidationError):
    """The record is approved: it takes amendments, not changes. A ``ValidationError``, as
    the state of the visit, not the person, is what stands in the way."""

    reason = "visit_locked"

    def __init__(self) -> None:
        super().__init__(_("This visit is approved; changes are amendments."))


@dataclass(frozen=True)
class VisitFacts:
    """What the policy needs to know about one visit."""

    region_id: int
    team_user_ids: frozenset[int]
    leader_user_ids: frozenset[int]
    locked: bool


def _refusal(user: "AnyUser", action: VisitAction, facts: VisitFacts) -> type[Refused] | None:
    """Why ``user`` may not do ``action`` on the visit, or None if they may."""
    if user is None or not user.is_authenticated:
        return SignedOut
    refusal = region_refusal(user, ROLE_ACTION[action], facts.region_id)
    if refusal is not None:
        return refusal
    role = Role(user.role)
    on_team = user.pk in facts.team_user_ids
    if role in TEAM_ONLY_ROLES and action in TEAM_ONLY_ACTIONS and not on_team:
        return NotOnTeam
    if action == VisitAction.SEE_IDENTITIES and role in REGIONAL_ROLES and not on_team:
        # Not even the region's coordinator, unless on the team.
        return NotOnTeam
    if action == VisitAction.SUBMIT and user.pk not in facts.leader_user_ids:
        return NotTeamLeader
    if action == VisitAction.REVIEW and on_team:
        return OnTeam
    if action == VisitAction.AMEND and not facts.locked:
        return NotLocked
    return None


@dataclass(frozen=True)
class VisitAccess:
    """Everything one user may do on one visit. ``record`` is false once the record is
    approved; ``check(RECORD)`` then raises ``VisitLocked`` (after any refusal)."""

    facts: VisitFacts
    refusals: dict[VisitAction, type[Refused]]

    def may(self, action: VisitAction) -> bool:
        if action == VisitAction.RECORD and self.facts.locked:
            return False
        return action not in self.refusals

    def check(self, action: VisitAction, message: str = "") -> None:
        """Raise the typed refusal (or ``VisitLocked``) if the user may not do ``action``."""
        refusal = self.refusals.get(action)
        if refusal is not None:
            raise refusal(action, message)
        if action == VisitAction.RECORD and self.facts.locked:
            raise VisitLocked

    @property
    def view(self) -> bool:
        return self.may(VisitAction.VIEW)

    @property
    def conduct(self) -> bool:
        return self.may(VisitAction.CONDUCT)

    @property
    def record(self) -> bool:
        return self.may(VisitAction.RECORD)

    @property
    def see_identities(self) -> bool:
        return self.may(VisitAction.SEE_IDENTITIES)

    @property
    def submit(self) -> bool:
        return self.may(VisitAction.SUBMIT)

    @property
    def review(self) -> bool:
        return self.may(VisitAction.REVIEW)

    @property
    def send(self) -> bool:
        return self.may(VisitAction.SEND)

    @property
    def amend(self) -> bool:
        return self.may(VisitAction.AMEND)

    def may_see_item(self, *, confidential: bool) -> bool:
        """A response or media item of an interview identifies the person: it is for those
        who may see identities; anything else for whoever may see the visit."""
        return self.view and (not confidential or self.see_identities)


def decide_visit(user: "AnyUser", facts: VisitFacts) -> VisitAccess:
    """What ``user`` may do on the visit ``facts`` describe."""
    refusals = {}
    for action in VisitAction:
        refusal = _refusal(user, action, facts)
        if refusal is not None:
            refusals[action] = refusal
    return VisitAccess(facts=facts, refusals=refusals)


def appeal_audiences(user: "AnyUser", access: VisitAccess) -> frozenset[str]:
    """Which of the audiences a person may name for their video appeal (``visits.models.
    appeals.AUDIENCES``) ``user`` is, on the visit of ``access``: the NPM is the visit's team
    and the secretariat; the Commissioner is the secretariat, the Commissioner's office that
    keeps the register of appeals. The prosecutor and the public never open a recording in
    Kuzet: an appeal reaches them by forwarding or through a report."""
    if user is None or not user.is_authenticated or not access.see_identities:
        return frozenset()
    audiences: set[str] = set()
    if user.pk in access.facts.team_user_ids:
        audiences.add("npm")
    if Role(user.role) == Role.SECRETARIAT:
        audiences |= {"npm", "commissioner"}
    return frozenset(audiences)


def appeal_refusal(
    user: "AnyUser", access: VisitAccess, shown_to: list[str] | frozenset[str]
) -> type[Refused] | None:
    """Why ``user`` may not watch (view, download, export) a video appeal the person allowed
    to be shown to ``shown_to``, or None if they may. A recording shows the person: first
    the rule of identities, then the person's consent."""
    if not access.view:
        return access.refusals[VisitAction.VIEW]
    if not access.see_identities:
        return access.refusals[VisitAction.SEE_IDENTITIES]
    if not appeal_audiences(user, access) & set(shown_to):
        return AppealNotConsented
    return None


def audit_refusal(
    *, user: "AnyUser", object_type: str, object_id: object, refusal: Refused | None = None
) -> None:
    """Write a refused access to the audit trail: who, on what, and why when known."""
    values: dict[str, list[str | None]] = {}
    if refusal is not None:
        values = {"refused": [None, f"{refusal.action}: {refusal.reason}"]}
    audit_append(
        action=AuditAction.ACCESS_DENIED,
        object_type=object_type,
        object_id=str(object_id),
        values=values,
        actor=actor_of(user) if user is not None and user.is_authenticated else None,
    )


def region_refusal(user: "AnyUser", action: Action, region_id: int) -> type[Refused] | None:
    """Why ``user`` may not do ``action`` in ``region_id`` (core.policy's table), or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return SignedOut
    if can(user, action, region_id):
        return None
    return RoleMayNot if regions_where(user, action) == frozenset() else OutsideRegion


def check_region(user: "AnyUser", action: Action, region_id: int, message: str = "") -> None:
    """Raise the typed refusal if ``user`` may not do ``action`` in ``region_id``."""
    refusal = region_refusal(user, action, region_id)
    if refusal is not None:
        raise refusal(action, message)


def check_audited(
    access: VisitAccess,
    action: VisitAction,
    *,
    user: "AnyUser",
    object_type: str,
    object_id: object,
    message: str = "",
) -> None:
    """``access.check(action)``, writing a refusal to the audit trail before raising it."""
    try:
        access.check(action, message)
    except Refused as refusal:
        audit_refusal(user=user, object_type=object_type, object_id=object_id, refusal=refusal)
        raise
