"""A visit's facts for the policy, and the one entry point asking what a user may do on it
(``visit_access``); the rules themselves are ``core.access``'s."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kuzet.core.access import VisitAccess, VisitAction, VisitFacts, decide_visit
from kuzet.visits.models import TeamMember, Visit

if TYPE_CHECKING:
    from kuzet.core.policy import AnyUser

# An approved record is locked: what changes later is an amendment.
LOCKED = frozenset({Visit.Status.APPROVED, Visit.Status.SENT, Visit.Status.CLOSED})


def visit_facts(visit: Visit) -> VisitFacts:
    """The team (from a prefetch of ``team`` when there is one), its leader, the lock."""
    team = [(member.user_id, member.role) for member in visit.team.all()]
    return VisitFacts(
        region_id=visit.region_id,
        team_user_ids=frozenset(user_id for user_id, _role in team),
        leader_user_ids=frozenset(u for u, role in team if role == TeamMember.Role.LEADER),
        locked=visit.status in LOCKED,
    )


def visit_access(user: "AnyUser", visit: Visit) -> VisitAccess:
    """What ``user`` may do on ``visit``: view, record, see identities, review, amend..."""
    return decide_visit(user, visit_facts(visit))


def require_can_record(actor: "AnyUser", visit: Visit) -> None:
    """Raises a ``core.access.Refused`` (a PermissionDenied) or ``VisitLocked``."""
    visit_access(actor, visit).check(
        VisitAction.RECORD, _("You may not record anything on this visit.")
    )
