"""Who is told when a visit takes a step, and in what words (``notifications.notify``).

Submitted for review (or again after a return) → the reviewers of its region (the
secretariat and the region's coordinators, never someone on its team); returned → its
team, with the reviewer's reason; approved → its team. A message names the place, the
date and the person who took the step, and carries what a reviewer wrote; never anything
recorded about the people interviewed.
"""

from typing import TYPE_CHECKING

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kuzet.core.access import VisitAction
from kuzet.core.policy import Role
from kuzet.notifications.services import notify
from kuzet.people.models import User
from kuzet.visits.models import Visit
from kuzet.visits.services.access import visit_access

if TYPE_CHECKING:
    from collections.abc import Iterable

S = Visit.Status


def reviewers_of(visit: Visit) -> list[User]:
    """Everyone who may review ``visit`` (the policy decides; the query only narrows)."""
    candidates = User.objects.filter(is_active=True).filter(
        Q(role=Role.SECRETARIAT)
        | Q(
            role=Role.COORDINATOR,
            regional_groups__region_id=visit.region_id,
            regional_groups__is_active=True,
        )
    )
    return [
        user for user in candidates.distinct() if visit_access(user, visit).may(VisitAction.REVIEW)
    ]


def team_of(visit: Visit) -> "Iterable[User]":
    return User.objects.filter(visit_roles__visit=visit, is_active=True).distinct()


def visit_transition_notify(
    *, actor: User | None, visit: Visit, from_status: str, to_status: str, comment: str
) -> int:
    """Tell the people the step concerns; returns how many were told."""
    institution = visit.institution
    day = visit.planned_date
    who = str(actor) if actor is not None else ""

    def place() -> dict[str, str]:
        return {
            "place": institution.name,
            "day": date_format(day, "SHORT_DATE_FORMAT"),
            "who": who,
        }

    if to_status == S.UNDER_REVIEW:

        def submitted() -> tuple[str, str]:
            subject = _("To review: the visit to %(place)s on %(day)s") % place()
            if from_status == S.RETURNED:
                return subject, _(
                    "%(who)s submitted the record again after the changes you asked for."
                ) % place()
            return subject, _("%(who)s submitted the record for review.") % place()

        return notify(
            recipients=reviewers_of(visit),
            kind="visit_submitted",
            words=submitted,
            url=reverse("visits:review_tab", args=[visit.pk]),
            actor=actor,
        )
    if to_status == S.RETURNED:

        def returned() -> tuple[str, str]:
            return (
                _("Returned for changes: the visit to %(place)s on %(day)s") % place(),
                _("%(who)s returned the record: %(reason)s") % {**place(), "reason": comment},
            )

        return notify(
            recipients=team_of(visit),
            kind="visit_returned",
            words=returned,
            url=reverse("visits:review_tab", args=[visit.pk]),
            actor=actor,
        )
    if to_status == S.APPROVED:

        def approved() -> tuple[str, str]:
            return (
                _("Approved: the visit to %(place)s on %(day)s") % place(),
                _("%(who)s approved the record. It is locked now: later changes are amendments.")
                % place(),
            )

        return notify(
            recipients=team_of(visit),
            kind="visit_approved",
            words=approved,
            url=reverse("visits:visit_detail", args=[visit.pk]),
            actor=actor,
        )
    return 0
