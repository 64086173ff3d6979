"""manage.py import_institutions FILE: import institutions from CSV or XLSX (all rows or none)."""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuzet.core.audit import acting_as
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
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        user = get_user_model().objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user with the login {options['as_user']!r}")
        with acting_as(user):
            result = institutions_import(
                file_name=path.name, data=data, actor=user, is_demo=options["demo"]
            )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"nothing imported: {len(result.errors)} problem(s)")
        self.stdout.write(f"{result.created} institution(s) imported from {path.name}")
