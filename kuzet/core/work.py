"""The home page's sections ("my work"): a registry each app adds to.

An app that has something waiting for a person writes a ``work.py`` module with a function
decorated ``@work_section(order)``: it gets the signed-in user and today's date and returns
a ``WorkSection`` — or None when the section is not for this person's role. Core's app
config imports every app's ``work`` module at start-up (as the admin site finds
``admin.py``), so core never imports a domain app and a new feature (applications,
translations, answers from addressees) adds a section without touching the others.

A provider shows only what the person may open (scope its reads with ``visits_for`` and
the policy) and reads with a fixed number of queries, whatever the number of items
(``core/tests/test_home.py`` counts them).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import Action, can

if TYPE_CHECKING:
    from kuzet.people.models import User

# Items listed in a section; the heading gives the total and links to the whole list.
ITEMS_SHOWN = 8


@dataclass(frozen=True)
class WorkItem:
    title: str
    url: str
    # A line under the title: the date, the region, the status.
    meta: str = ""
    # What the person does next, in words.
    next_step: str = ""
    # What someone wrote that the person must read (a reviewer's reasons).
    notes: Sequence[str] = ()
    # Shown as a red badge (a deadline passed).
    alert: str = ""


@dataclass(frozen=True)
class WorkSection:
    key: str
    title: str
    total: int
    items: Sequence[WorkItem] = ()
    # The list of all of them (when there are more than shown, or as "open the list").
    more_url: str = ""
    # Said when there is nothing (a section for the role, empty today).
    empty: str = ""
    # A short line under the heading (e.g. "3 overdue").
    summary: str = ""
    # The words of the ``more_url`` link when it is not a list ("the annual report").
    more_label: str = ""


Provider = Callable[["User", date], WorkSection | None]
_PROVIDERS: list[tuple[int, str, Provider]] = []


def work_section(order: int) -> Callable[[Provider], Provider]:
    """Register a provider; sections are shown by ``order`` (smaller first)."""

    def register(provider: Provider) -> Provider:
        name = f"{provider.__module__}.{provider.__qualname__}"
        if all(existing != name for _o, existing, _p in _PROVIDERS):
            _PROVIDERS.append((order, name, provider))
            _PROVIDERS.sort(key=lambda entry: (entry[0], entry[1]))
        return provider

    return register


def work_for(user: "User", today: date) -> list[WorkSection]:
    """The sections of ``user``'s home page, in order."""
    sections = []
    for _order, _name, provider in _PROVIDERS:
        section = provider(user, today)
        if section is not None:
            sections.append(section)
    return sections


def discover() -> None:
    """Import every installed app's ``work`` module (from ``CoreConfig.ready``)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("work")


# Core's own section: refused accesses, for those who read the audit trail.
REFUSALS_DAYS = 7


@work_section(80)
def refused_accesses(user: "User", today: date) -> WorkSection | None:
    if not can(user, Action.VIEW_AUDIT):
        return None
    total = AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED,
        occurred_at__gte=timezone.now() - timedelta(days=REFUSALS_DAYS),
    ).count()
    return WorkSection(
        key="refusals",
        title=ngettext(
            "Refused accesses in the last %(days)d day",
            "Refused accesses in the last %(days)d days",
            REFUSALS_DAYS,
        )
        % {"days": REFUSALS_DAYS},
        total=total,
        more_url=reverse("core:audit_list") + f"?action={AuditAction.ACCESS_DENIED}",
        empty=_("No access was refused in these days."),
        summary=(
            ngettext(
                "Someone tried %(count)d time to open what their role does not allow: see who in the audit trail.",
                "Someone tried %(count)d times to open what their role does not allow: see who in the audit trail.",
                total,
            )
            % {"count": total}
            if total
            else ""
        ),
    )
