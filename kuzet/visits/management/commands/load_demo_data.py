"""manage.py load_demo_data: synthetic institutions and one demo user per role (demo configuration only)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kuzet.core.audit import SYSTEM, acting_as
from kuzet.people.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_people_create
from kuzet.registry.demo import demo_institutions_create
from kuzet.registry.services import reference_data_load
from kuzet.visits.demo import demo_visits_create


class Command(BaseCommand):
    help = "Load the demo data set (runs again without duplicating anything). Needs KUZET_DEMO=1."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError(
                "demo users have a published password: set KUZET_DEMO=1 and KUZET_DEBUG=1 to load them"
            )
        with acting_as(SYSTEM):
            reference_data_load()
            institutions = demo_institutions_create()
            people = demo_people_create()
            visits = demo_visits_create()
        self.stdout.write(
            f"demo data: {institutions} institution(s), {len(people)} user(s) and {visits} visit(s) created"
        )
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS("Kuzet demo sign-in (password for every demo user below):")
        )
        self.stdout.write(f"  login: {DEMO_PEOPLE[0].username}   password: {DEMO_PASSWORD}")
        self.stdout.write("  other roles: " + ", ".join(p.username for p in DEMO_PEOPLE[1:]))
