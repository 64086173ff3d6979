"""manage.py load_reference_data: add the shipped regions, departments and institution types."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kuzet.registry.services import norms_load, reference_data_load


class Command(BaseCommand):
    help = (
        "Create missing reference data (regions, departments, institution types, legal norms); "
        "--update overwrites edits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--update", action="store_true", help="overwrite names edited in the admin"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        created = reference_data_load(update=options["update"])
        created["legal norms"] = norms_load(update=options["update"])
        self.stdout.write(", ".join(f"{name}: {count} created" for name, count in created.items()))
