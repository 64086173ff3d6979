"""The home page's recommendation sections (``core.work``): those due or overdue for the
people who follow them up, and those a team verifies on its coming visits.

Reads are scoped by ``visits_for`` and the policy's regions; each section runs a fixed
number of queries (an aggregate and one page of items).
"""

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.core.policy import Action, Role, regions_where
from kuzet.core.work import ITEMS_SHOWN, WorkItem, WorkSection, work_section
from kuzet.recommendations.models import Recommendation, RecommendationQuerySet
from kuzet.visits.models import Visit
from kuzet.visits.selectors import visits_for

if TYPE_CHECKING:
    from kuzet.people.models import User


def due_for_follow_up(user: "User", today: date) -> RecommendationQuerySet:
    """Open recommendations, of visits the person may open in the regions where they
    follow recommendations up, whose deadline has passed or falls within the due days."""
    recommendations = Recommendation.objects.open().filter(
        visit__in=visits_for(user).values("pk"),
        deadline__lte=today + timedelta(days=settings.RECOMMENDATION_DUE_DAYS),
    )
    regions = regions_where(user, Action.FOLLOW_UP_RECOMMENDATION)
    if regions is not None:
        recommendations = recommendations.filter(visit__region_id__in=regions)
    return recommendations


def _when(deadline: date, today: date) -> tuple[str, str]:
    """(meta text, alert text) for a deadline."""
    days = (deadline - today).days
    if days < 0:
        late = -days
        return "", ngettext("overdue by %(days)d day", "overdue by %(days)d days", late) % {
            "days": late
        }
    if days == 0:
        return _("due today"), ""
    return ngettext("due in %(days)d day", "due in %(days)d days", days) % {"days": days}, ""


@work_section(50)
def recommendations_due(user: "User", today: date) -> WorkSection | None:
    if regions_where(user, Action.FOLLOW_UP_RECOMMENDATION) == frozenset():
        return None
    recommendations = due_for_follow_up(user, today)
    counts = recommendations.aggregate(
        total=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today))
    )
    items = []
    for recommendation in recommendations.select_related(
        "addressee", "visit", "visit__institution"
    ).order_by("deadline", "pk")[:ITEMS_SHOWN]:
        assert recommendation.deadline is not None
        when, alert = _when(recommendation.deadline, today)
        visit = recommendation.visit
        items.append(
            WorkItem(
                title=Truncator(recommendation.text).chars(140),
                url=reverse("recommendations:recommendation_detail", args=[recommendation.pk]),
                meta=" · ".join(
                    part
                    for part in (
                        str(recommendation.addressee),
                        _("deadline %(day)s")
                        % {"day": date_format(recommendation.deadline, "SHORT_DATE_FORMAT")},
                        when,
                        _("visit to %(place)s on %(day)s")
                        % {
                            "place": visit.institution,
                            "day": date_format(visit.planned_date, "SHORT_DATE_FORMAT"),
                        },
                    )
                    if part
                ),
                next_step=_("Ask the addressee for an answer and record what was done."),
                alert=alert,
            )
        )
    overdue = counts["overdue"]
    return WorkSection(
        key="recommendations",
        title=_("Recommendations due or overdue"),
        total=counts["total"],
        items=items,
        more_url=reverse("recommendations:recommendation_list") + "?overdue=on",
        summary=(
            ngettext("%(count)d overdue", "%(count)d overdue", overdue) % {"count": overdue}
            if overdue
            else ""
        ),
        empty=_("No recommendation is due within %(days)d days.")
        % {"days": settings.RECOMMENDATION_DUE_DAYS},
    )


COMING = (Visit.Status.PLANNED, Visit.Status.PREPARATION, Visit.Status.IN_PROGRESS)


@work_section(25)
def recommendations_to_verify(user: "User", today: date) -> WorkSection | None:
    """Open recommendations of earlier visits to the places of the team's coming visits
    (the preparation pack lists them; the team checks them on site)."""
    if user.role not in (Role.PARTICIPANT, Role.GROUP_LEADER, Role.COORDINATOR):
        return None
    visible = visits_for(user)
    coming = list(
        visible.filter(team__user=user, status__in=COMING).order_by("planned_date", "pk")[:50]
    )
    if not coming:
        return None
    rows = (
        Recommendation.objects.open()
        .filter(
            visit__in=visible.values("pk"),
            visit__institution_id__in={v.institution_id for v in coming},
        )
        .values("visit__institution_id", "visit_id")
        .annotate(count=Count("pk"))
    )
    counts: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        counts.setdefault(row["visit__institution_id"], []).append((row["visit_id"], row["count"]))
    items, total = [], 0
    for visit in coming:
        count = sum(n for of, n in counts.get(visit.institution_id, []) if of != visit.pk)
        if not count:
            continue
        total += count
        items.append(
            WorkItem(
                title=str(visit.institution),
                url=reverse("visits:visit_detail", args=[visit.pk]),
                meta=" · ".join(
                    [
                        date_format(visit.planned_date, "SHORT_DATE_FORMAT"),
                        ngettext(
                            "%(count)d open recommendation",
                            "%(count)d open recommendations",
                            count,
                        )
                        % {"count": count},
                    ]
                ),
                next_step=_("Check on site what was done; the preparation pack lists them."),
            )
        )
    if not items:
        return None
    return WorkSection(
        key="verify",
        title=_("Recommendations to verify on your coming visits"),
        total=total,
        items=items[:ITEMS_SHOWN],
    )
