"""manage.py import_norm_texts FILE: load official texts of legal norms (all rows or none)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuzet.core.access import Refused
from kuzet.core.audit import acting_as
from kuzet.core.commands import active_user, read_input
from kuzet.core.spreadsheets import upload_size_message
from kuzet.registry.norm_texts import norm_texts_import


class Command(BaseCommand):
    help = (
        "Load official texts of legal norms from a CSV, XLSX or JSON file (columns: code or "
        "act and article, effective_date, text_ru, text_kk); nothing is loaded if any row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as-user",
            required=True,
            help="login of the secretariat member the load is done for (the audit trail names them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        data = read_input(path)
        refusal = upload_size_message(len(data))
        if refusal:
            raise CommandError(f"{path.name}: {refusal}")
        user = active_user(options["as_user"])
        try:
            with acting_as(user):
                result = norm_texts_import(file_name=path.name, data=data, actor=user)
        except Refused as exc:
            raise CommandError(exc.message) from None
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"nothing loaded: {len(result.errors)} problem(s)")
        self.stdout.write(
            f"{path.name}: {result.created} new text(s), {result.updated} replaced, "
            f"{result.unchanged} unchanged, {result.norms_added} norm(s) added"
        )
