"""The home page's visit sections (``core.work``): the person's own visits and their next
step, visits returned to their team with the reviewer's reasons, reviews waiting, and the
approved reports the secretariat sends.

Every read starts from ``visits_for`` (what the person may open) and runs a fixed number
of queries: a count, a page of items, and prefetches for the team and the reasons.
"""

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Max, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.core.policy import Action, Role, can, regions_where
from kuzet.core.work import ITEMS_SHOWN, WorkItem, WorkSection, work_section
from kuzet.visits.models import ReviewComment, StatusChange, TeamMember, Visit
from kuzet.visits.selectors import visits_for

if TYPE_CHECKING:
    from kuzet.people.models import User

S = Visit.Status
# The team's own work, before the record goes to review.
TEAM_WORK = (S.PLANNED, S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING)
TEAM_ROLES = frozenset({Role.PARTICIPANT, Role.GROUP_LEADER})


def _next_step(visit: Visit, leads: bool) -> str:
    if visit.status == S.PLANNED:
        return _("Start the preparation: read the preparation pack and agree who does what.")
    if visit.status == S.PREPARATION:
        return _("Mark the visit as started when the team enters the institution.")
    if visit.status == S.IN_PROGRESS:
        return _("Record checklists, interviews and findings; mark the debriefing when you leave.")
    if visit.status == S.DEBRIEFED:
        return _("Start drafting the report.")
    if visit.status == S.DRAFTING:
        if leads:
            return _("Complete the record and submit it for review.")
        return _("Complete the record; the team leader submits it for review.")
    if visit.status == S.RETURNED:
        if leads:
            return _("Make the changes asked for, resolve the comments and submit again.")
        return _("Make the changes asked for; the team leader submits the record again.")
    return ""


def _meta(visit: Visit, *parts: str) -> str:
    return " · ".join(
        [date_format(visit.planned_date, "SHORT_DATE_FORMAT"), visit.region.name, *parts]
    )


def _leads(user: "User", visit: Visit) -> bool:
    return any(
        member.user_id == user.pk and member.role == TeamMember.Role.LEADER
        for member in visit.team.all()
    )


def _own_visits(user: "User", statuses: tuple[str, ...]) -> QuerySet[Visit]:
    return (
        visits_for(user)
        .filter(status__in=statuses, team__user=user)
        .prefetch_related(Prefetch("team", queryset=TeamMember.objects.order_by("pk")))
    )


def _for_team(user: "User") -> bool:
    return user.role in TEAM_ROLES


@work_section(10)
def returned_visits(user: "User", today: date) -> WorkSection | None:
    """Returned to the person's team, with the reason of the return and the open comments."""
    if not can(user, Action.CONDUCT_VISIT):
        return None
    visits = _own_visits(user, (S.RETURNED,))
    total = visits.count()
    if not total and not _for_team(user):
        return None
    returns = StatusChange.objects.filter(to_status=S.RETURNED).select_related("actor")
    items = []
    for visit in visits.order_by("planned_date", "pk").prefetch_related(
        Prefetch("history", queryset=returns.order_by("-at", "-pk"), to_attr="returns"),
        Prefetch(
            "review_comments",
            queryset=ReviewComment.objects.filter(resolved_at__isnull=True),
            to_attr="open_comments",
        ),
    )[:ITEMS_SHOWN]:
        notes = []
        returned: list[StatusChange] = getattr(visit, "returns", [])
        comments: list[ReviewComment] = getattr(visit, "open_comments", [])
        if returned:
            last = returned[0]
            notes.append(
                _("Returned by %(who)s on %(day)s: %(reason)s")
                % {
                    "who": last.actor or _("a reviewer"),
                    "day": date_format(last.at, "SHORT_DATE_FORMAT"),
                    "reason": last.comment,
                }
            )
        for comment in comments:
            notes.append(f"{capfirst(comment.get_section_display())}: {comment.text}")
        items.append(
            WorkItem(
                title=str(visit.institution),
                url=reverse("visits:review_tab", args=[visit.pk]),
                meta=_meta(visit),
                next_step=_next_step(visit, _leads(user, visit)),
                notes=notes,
            )
        )
    return WorkSection(
        key="returned",
        title=_("Returned for changes"),
        total=total,
        items=items,
        more_url=reverse("visits:visit_list") + f"?status={S.RETURNED}",
        empty=_("No visit of yours is returned for changes."),
    )


@work_section(20)
def own_visits(user: "User", today: date) -> WorkSection | None:
    """The visits the person's team prepares, conducts and drafts, soonest first."""
    if not can(user, Action.CONDUCT_VISIT):
        return None
    visits = _own_visits(user, TEAM_WORK)
    total = visits.count()
    if not total and not _for_team(user):
        return None
    items = [
        WorkItem(
            title=str(visit.institution),
            url=reverse("visits:visit_detail", args=[visit.pk]),
            meta=_meta(visit, str(visit.get_status_display())),
            next_step=_next_step(visit, _leads(user, visit)),
            alert=(
                _("date passed")
                if visit.status in (S.PLANNED, S.PREPARATION) and visit.planned_date < today
                else ""
            ),
        )
        for visit in visits.order_by("planned_date", "pk")[:ITEMS_SHOWN]
    ]
    return WorkSection(
        key="visits",
        title=_("My visits to prepare, conduct and finish"),
        total=total,
        items=items,
        more_url=reverse("visits:visit_list"),
        empty=_("No visit of yours is under way. Your coordinator plans the visits."),
    )


def _reviewable(user: "User") -> QuerySet[Visit]:
    """Under review, in the regions where the person reviews, never their own team's."""
    visits = visits_for(user).filter(status=S.UNDER_REVIEW).exclude(team__user=user)
    regions = regions_where(user, Action.REVIEW_VISIT)
    if regions is not None:
        visits = visits.filter(region_id__in=regions)
    return visits


@work_section(30)
def reviews_waiting(user: "User", today: date) -> WorkSection | None:
    if not can(user, Action.REVIEW_VISIT):
        return None
    visits = _reviewable(user)
    total = visits.count()
    submitted = Max("history__at", filter=Q(history__to_status=S.UNDER_REVIEW))
    items = []
    for visit in visits.annotate(submitted_at=submitted).order_by("submitted_at", "pk")[
        :ITEMS_SHOWN
    ]:
        submitted_at = getattr(visit, "submitted_at", None)
        waiting = (today - timezone.localdate(submitted_at)).days if submitted_at else 0
        items.append(
            WorkItem(
                title=str(visit.institution),
                url=reverse("visits:review_tab", args=[visit.pk]),
                meta=_meta(
                    visit,
                    ngettext("submitted %(days)d day ago", "submitted %(days)d days ago", waiting)
                    % {"days": waiting}
                    if waiting
                    else _("submitted today"),
                ),
                next_step=_("Read the record, comment by section, then return it or approve it."),
            )
        )
    return WorkSection(
        key="reviews",
        title=_("Reviews waiting for you"),
        total=total,
        items=items,
        more_url=reverse("visits:visit_list") + f"?status={S.UNDER_REVIEW}",
        empty=_("No record waits for your review."),
    )


@work_section(40)
def reports_to_send(user: "User", today: date) -> WorkSection | None:
    """Approved records whose report the secretariat sends to the addressees."""
    if not can(user, Action.APPROVE_REPORT):
        return None
    visits = visits_for(user).filter(status=S.APPROVED)
    total = visits.count()
    items = [
        WorkItem(
            title=str(visit.institution),
            url=reverse("visits:review_tab", args=[visit.pk]),
            meta=_meta(visit),
            next_step=_("Generate the report, send it to the addressees and mark it sent."),
        )
        for visit in visits.order_by("planned_date", "pk")[:ITEMS_SHOWN]
    ]
    return WorkSection(
        key="to-send",
        title=_("Approved reports to send"),
        total=total,
        items=items,
        more_url=reverse("visits:visit_list") + f"?status={S.APPROVED}",
        empty=_("No approved report waits to be sent."),
    )
