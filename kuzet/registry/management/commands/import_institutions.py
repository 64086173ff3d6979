"""manage.py import_institutions FILE: import institutions from CSV or XLSX (all rows or none)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuzet.core.audit import acting_as
from kuzet.core.commands import active_user, read_input
from kuzet.registry.services import institutions_import


class Command(BaseCommand):
    help = "Import institutions from a CSV or XLSX file; nothing is imported if any row is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as-user",
            required=True,
            help="login of the user the import is done for (their permissions apply; the audit trail names them)",
        )
        parser.add_argument(
            "--demo", action="store_true", help="mark the imported institutions as demo data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        data = read_input(path)
        user = active_user(options["as_user"])
        with acting_as(user):
            result = institutions_import(
                file_name=path.name, data=data, actor=user, is_demo=options["demo"]
            )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"nothing imported: {len(result.errors)} problem(s)")
        self.stdout.write(f"{result.created} institution(s) imported from {path.name}")
