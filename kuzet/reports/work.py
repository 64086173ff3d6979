"""The home page's section of reports (``core.work``): for those who compile the annual
report (the Council, the secretariat), the visit reports approved lately and the year's
count so far."""

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.core.policy import Action, can
from kuzet.core.work import ITEMS_SHOWN, WorkItem, WorkSection, work_section
from kuzet.visits.models import Visit
from kuzet.visits.selectors import visits_for
from kuzet.visits.services.access import LOCKED

if TYPE_CHECKING:
    from kuzet.people.models import User

RECENT_DAYS = 30


@work_section(70)
def approved_lately(user: "User", today: date) -> WorkSection | None:
    if not can(user, Action.COMPILE_ANNUAL_REPORT):
        return None
    visible = visits_for(user)
    since = today - timedelta(days=RECENT_DAYS)
    recent = (
        visible.filter(status__in=LOCKED)
        .annotate(
            approved_at=Max("history__at", filter=Q(history__to_status=Visit.Status.APPROVED))
        )
        .filter(approved_at__date__gte=since)
    )
    total = recent.count()
    this_year = visible.filter(status__in=LOCKED, planned_date__year=today.year).count()
    items = [
        WorkItem(
            title=str(visit.institution),
            url=reverse("reports:visit_report", args=[visit.pk]),
            meta=" · ".join(
                [
                    date_format(visit.planned_date, "SHORT_DATE_FORMAT"),
                    visit.region.name,
                    _("approved on %(day)s")
                    % {
                        "day": date_format(
                            timezone.localdate(visit.approved_at), "SHORT_DATE_FORMAT"
                        )
                    },
                ]
            ),
        )
        for visit in recent.order_by("-approved_at", "-pk")[:ITEMS_SHOWN]
    ]
    return WorkSection(
        key="approved",
        title=ngettext(
            "Visit reports approved in the last %(days)d day",
            "Visit reports approved in the last %(days)d days",
            RECENT_DAYS,
        )
        % {"days": RECENT_DAYS},
        total=total,
        items=items,
        more_url=reverse("reports:annual_report"),
        more_label=_("the annual report"),
        summary=ngettext(
            "Annual report %(year)d: %(count)d approved visit so far.",
            "Annual report %(year)d: %(count)d approved visits so far.",
            this_year,
        )
        % {"year": today.year, "count": this_year},
        empty=_("No visit report was approved lately."),
    )


@work_section(72)
def translations_taken(user: "User", today: date) -> WorkSection | None:
    """The passages of the annual report this person is translating (the queue itself is
    counted on its page: it reads the whole report's choice of passages)."""
    if not can(user, Action.COMPILE_ANNUAL_REPORT):
        return None
    from .models import TranslationClaim
    from .translation import source_label

    mine = TranslationClaim.objects.filter(claimed_by=user).order_by("-year", "claimed_at")
    total = mine.count()
    year = today.year
    items = [
        WorkItem(
            title=source_label(claim.source).capitalize(),
            url=reverse("reports:annual_translations", args=[claim.year])
            + f"?language={claim.language}#p-{claim.source.replace(':', '')}",
            meta=" · ".join(
                [
                    str(claim.year),
                    _("into Kazakh") if claim.language == "kk" else _("into Russian"),
                    date_format(timezone.localtime(claim.claimed_at), "SHORT_DATE_FORMAT"),
                ]
            ),
            next_step=_("Write the translation, or give the passage back."),
        )
        for claim in mine[:ITEMS_SHOWN]
    ]
    return WorkSection(
        key="translations",
        title=_("Translation of the annual report"),
        total=total,
        items=items,
        more_url=reverse("reports:annual_translations", args=[year]),
        more_label=_("the translation queue of %(year)d") % {"year": year},
        empty=_("You are translating no passage: take one from the queue."),
    )
