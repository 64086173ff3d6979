"""manage.py load_library: import and publish the standard instruments shipped with Kuzet."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kuzet.core.audit import SYSTEM, acting_as
from kuzet.instruments.services import library_load
from kuzet.registry.services import norms_load


class Command(BaseCommand):
    help = "Load the standard library of instruments (kuzet/instruments/library); repeats change nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(SYSTEM):
            norms = norms_load()
            try:
                loaded = library_load()
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(
            f"legal norms: {norms} created; instruments published: {', '.join(loaded) or 'none new'}"
        )
