"""Deadline reminders of recommendations, run daily (``manage.py notify_recommendations``).

A recommendation still open whose deadline falls within ``KUZET_RECOMMENDATION_DUE_DAYS``
is *due*; past its deadline, *overdue*. Each is reminded once per deadline (the
``Reminder`` table's unique constraint), to everyone who follows recommendations up in its
region (the policy's ``FOLLOW_UP_RECOMMENDATION``: the region's coordinators and the
secretariat), as one notification per person and kind per run.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.core.policy import RULES, Action, regions_where
from kuzet.notifications.services import notify
from kuzet.people.models import User
from kuzet.recommendations import hooks
from kuzet.recommendations.models import Recommendation, Reminder

LISTED = 20  # lines of a reminder about many recommendations


def _line(recommendation: Recommendation) -> str:
    visit = recommendation.visit
    assert recommendation.deadline is not None
    return _("%(addressee)s — deadline %(deadline)s — visit to %(place)s on %(day)s") % {
        "addressee": recommendation.addressee.name,
        "deadline": date_format(recommendation.deadline, "SHORT_DATE_FORMAT"),
        "place": visit.institution.name,
        "day": date_format(visit.planned_date, "SHORT_DATE_FORMAT"),
    }


def _words(kind: str, items: list[Recommendation]):  # type: ignore[no-untyped-def]
    def words() -> tuple[str, str]:
        count = len(items)
        if kind == Reminder.Kind.OVERDUE:
            subject = ngettext(
                "%(count)d recommendation is overdue",
                "%(count)d recommendations are overdue",
                count,
            ) % {"count": count}
        else:
            subject = ngettext(
                "%(count)d recommendation is due within %(days)d days",
                "%(count)d recommendations are due within %(days)d days",
                count,
            ) % {"count": count, "days": settings.RECOMMENDATION_DUE_DAYS}
        lines = [_line(r) for r in items[:LISTED]]
        if count > LISTED:
            lines.append(_("… and %(count)d more.") % {"count": count - LISTED})
        return subject, "\n".join(lines)

    return words


def _followers() -> list[tuple[User, frozenset[int] | None]]:
    """Active people who follow recommendations up, with their regions (None: all)."""
    anywhere, own_region = RULES[Action.FOLLOW_UP_RECOMMENDATION]
    people = User.objects.filter(is_active=True, role__in=[*anywhere, *own_region])
    return [(user, regions_where(user, Action.FOLLOW_UP_RECOMMENDATION)) for user in people]


def followers_of_region(region_id: int) -> list[User]:
    """Active people who follow recommendations up in ``region_id``."""
    return [user for user, regions in _followers() if regions is None or region_id in regions]


@transaction.atomic
def recommendation_reminders_send(*, today: date | None = None) -> int:
    """Remind what became due or overdue since the last run; returns the number of
    recommendations reminded."""
    today = today or timezone.localdate()
    candidates = list(
        Recommendation.objects.open()
        .filter(deadline__lte=today + timedelta(days=settings.RECOMMENDATION_DUE_DAYS))
        .select_related("addressee", "visit", "visit__institution")
        .order_by("deadline", "pk")
    )
    given = set(
        Reminder.objects.filter(recommendation__in=candidates).values_list(
            "recommendation_id", "kind", "deadline"
        )
    )
    new: dict[str, list[Recommendation]] = defaultdict(list)
    for recommendation in candidates:
        assert recommendation.deadline is not None
        kind = str(Reminder.Kind.OVERDUE if recommendation.deadline < today else Reminder.Kind.DUE)
        if (recommendation.pk, kind, recommendation.deadline) in given:
            continue
        try:
            with transaction.atomic():  # a concurrent run reminded it: skip, tell nobody twice
                Reminder.objects.create(
                    recommendation=recommendation, kind=kind, deadline=recommendation.deadline
                )
        except IntegrityError:
            continue
        new[kind].append(recommendation)
    if not new:
        return 0
    # The addressees' officials hear of their own organisation's deadlines (the portal).
    for kind, recommendations in new.items():
        hooks.reminders(kind, recommendations)
    for user, regions in _followers():
        for kind, recommendations in new.items():
            mine = [r for r in recommendations if regions is None or r.visit.region_id in regions]
            if not mine:
                continue
            if len(mine) == 1:
                url = reverse("recommendations:recommendation_detail", args=[mine[0].pk])
            elif kind == Reminder.Kind.OVERDUE:
                url = reverse("recommendations:recommendation_list") + "?overdue=on"
            else:
                url = reverse("home") + "#recommendations"
            notify(
                recipients=[user],
                kind=f"recommendations_{kind}",
                words=_words(kind, mine),
                url=url,
            )
    return sum(len(items) for items in new.values())
