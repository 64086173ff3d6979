"""The home page's sections of the open selection (``core.work``): applications a Council
member has still to score, eligibility the secretariat has to check, and a new
participant's onboarding."""

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from kuzet.core.policy import Action, can
from kuzet.core.work import ITEMS_SHOWN, WorkItem, WorkSection, work_section
from kuzet.membership.models import Application, Call, ConflictDeclaration, Participation, Score

if TYPE_CHECKING:
    from kuzet.people.models import User


@work_section(15)
def applications_to_score(user: "User", today: date) -> WorkSection | None:
    if not can(user, Action.SCORE_APPLICATIONS):
        return None
    waiting = (
        Application.objects.filter(
            call__status__in=[Call.Status.OPEN, Call.Status.CLOSED],
            status=Application.Status.ELIGIBLE,
            email_confirmed_at__isnull=False,
        )
        .exclude(Exists(Score.objects.filter(application=OuterRef("pk"), member=user)))
        .exclude(
            Exists(ConflictDeclaration.objects.filter(application=OuterRef("pk"), member=user))
        )
        .select_related("call", "region")
    )
    total = waiting.count()
    items = [
        WorkItem(
            title=f"{a.reference} — {a.full_name}",
            url=reverse("membership:application", kwargs={"pk": a.pk}),
            meta=f"{a.call.title} · {a.region}",
            next_step=_("Score on the criteria, or declare a conflict of interest."),
        )
        for a in waiting[:ITEMS_SHOWN]
    ]
    return WorkSection(
        key="applications-to-score",
        title=_("Applications to score"),
        total=total,
        items=items,
        more_url=reverse("membership:calls"),
        empty=_("No application waits for your scores."),
    )


@work_section(16)
def eligibility_to_check(user: "User", today: date) -> WorkSection | None:
    if not can(user, Action.MANAGE_SELECTION):
        return None
    waiting = Application.objects.filter(
        status=Application.Status.RECEIVED, email_confirmed_at__isnull=False
    ).select_related("call", "region")
    total = waiting.count()
    items = [
        WorkItem(
            title=f"{a.reference} — {a.full_name}",
            url=reverse("membership:application", kwargs={"pk": a.pk}),
            meta=f"{a.call.title} · {a.region}",
            next_step=_("The applicant is not sure of a ground: check eligibility."),
        )
        for a in waiting[:ITEMS_SHOWN]
    ]
    return WorkSection(
        key="eligibility-to-check",
        title=_("Eligibility to check"),
        total=total,
        items=items,
        more_url=reverse("membership:calls"),
        empty=_("No application waits for an eligibility check."),
    )


@work_section(5)
def onboarding_to_finish(user: "User", today: date) -> WorkSection | None:
    waiting = Participation.objects.filter(
        user_id=user.pk, status=Participation.Status.ONBOARDING
    ).exists()
    if not waiting:
        return None
    return WorkSection(
        key="onboarding",
        title=_("Finish your onboarding"),
        total=1,
        items=[
            WorkItem(
                title=_("Read the rules and take the short test"),
                url=reverse("membership:onboarding"),
                next_step=_("Until then you cannot be put on a visit team."),
            )
        ],
    )
