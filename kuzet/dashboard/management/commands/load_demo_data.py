"""manage.py load_demo_data: synthetic institutions, one demo user per role and a demo year
of visits (demo configuration only). It lives in the dashboard app, the top of the layers,
as it wires the demo parts of the apps below it (visits, recommendations, reports) and
plans the year."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from kuzet.core.audit import SYSTEM, acting_as
from kuzet.dashboard.demo import demo_annual_publish, demo_plan_create, demo_reports_request
from kuzet.dashboard.facts import facts_catch_up
from kuzet.membership.demo import demo_selection_create
from kuzet.people.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_people_create
from kuzet.portal.demo import DEMO_OFFICIAL, demo_portal_create
from kuzet.recommendations.demo import demo_follow_up, demo_recommendations_issue
from kuzet.recommendations.services import visit_send
from kuzet.registry.demo import demo_institutions_create
from kuzet.registry.services import reference_data_load
from kuzet.visits.demo import DemoHooks, demo_visit_create, demo_year_create

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
LOCMEM_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@contextmanager
def demo_mail_held() -> Iterator[list[Any]]:
    """While the demo is loaded, the e-mails its services send (applicants' links, Council
    decisions, notifications) are kept in memory instead of printed whole by the console
    backend, and the command counts them in one line. The running demo server still prints
    its e-mails (docs/configuration.md); a file or SMTP backend is left alone."""
    held: list[Any] = []
    if settings.EMAIL_BACKEND != CONSOLE_BACKEND:
        yield held
        return
    before = getattr(mail, "outbox", None)
    with override_settings(EMAIL_BACKEND=LOCMEM_BACKEND):
        mail.outbox = held  # the locmem backend appends here
        try:
            yield held
        finally:
            if before is None:
                del mail.outbox
            else:
                mail.outbox = before


class Command(BaseCommand):
    help = "Load the demo data set (runs again without duplicating anything). Needs KUZET_DEMO=1."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="the day the demo year ends (YYYY-MM-DD; default: today)",
        )
        parser.add_argument(
            "--no-reports", action="store_true", help="do not queue the demo's reports"
        )
        parser.add_argument(
            "--no-year",
            action="store_true",
            help="instead of the year, one planned visit (the browser tests start from it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError(
                "demo users have a published password: set KUZET_DEMO=1 and KUZET_DEBUG=1 to load them"
            )
        with demo_mail_held() as held:
            self._load(options)
        if held:
            self.stdout.write(
                f"demo data: {len(held)} e-mail(s) sent while loading were kept back, not "
                "printed (the running server prints its e-mails)"
            )
        self._sign_in_help()

    def _load(self, options: dict[str, Any]) -> None:
        began = time.monotonic()
        today = options["today"] or timezone.localdate()
        with acting_as(SYSTEM):
            reference_data_load()
            institutions = demo_institutions_create()
            people = demo_people_create()
            applications = demo_selection_create()
            with transaction.atomic():
                hooks = DemoHooks(
                    recommend=demo_recommendations_issue, follow_up=demo_follow_up, send=visit_send
                )
                if options["no_year"]:
                    visits, planned = demo_visit_create(), 0
                else:
                    visits = demo_year_create(hooks=hooks, today=today)
                    planned = demo_plan_create(today=today) if visits else 0
                    if visits:
                        demo_portal_create()
        facts_catch_up()  # the dashboard's figures, counted now rather than at the first page
        reports, annual = 0, []
        if visits and not options["no_reports"] and not options["no_year"]:
            with acting_as(SYSTEM):
                reports = demo_reports_request(today=today)
                # The year's annual report, written, approved and published (its files
                # built now and put on the public site).
                annual = demo_annual_publish(today=today)
        self.stdout.write(
            f"demo data: {institutions} institution(s), {len(people)} user(s), {visits} visit(s), "
            f"{planned} plan entries, {applications} application(s), {reports} report(s) "
            f"queued and the annual report published ({len(annual)} file(s)), "
            f"in {time.monotonic() - began:.1f} s"
        )
        if not visits:
            self.stdout.write("demo visits were loaded before: nothing added")

    def _sign_in_help(self) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS("Kuzet demo sign-in (password for every demo user below):")
        )
        self.stdout.write(f"  login: {DEMO_PEOPLE[0].username}   password: {DEMO_PASSWORD}")
        self.stdout.write("  other roles: " + ", ".join(p.username for p in DEMO_PEOPLE[1:]))
        self.stdout.write(f"  an addressee's official (the portal, /portal/): {DEMO_OFFICIAL}")
