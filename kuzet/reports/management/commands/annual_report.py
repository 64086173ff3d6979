"""manage.py annual_report --year YYYY --lang ru|kk --format pdf|docx --out FILE
[--untranslated-marked]"""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuzet.core.audit import acting_as
from kuzet.core.commands import active_user
from kuzet.reports.services import annual_spec, report_generate

from ._common import one_line, write_out


class Command(BaseCommand):
    help = "Write the consolidated annual report of a calendar year (PDF or DOCX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="the calendar year, e.g. 2026")
        parser.add_argument("--lang", required=True, help="ru or kk")
        parser.add_argument("--format", required=True, dest="fmt", help="pdf or docx")
        parser.add_argument("--out", required=True, type=Path, help="the file to write")
        parser.add_argument(
            "--untranslated-marked",
            action="store_true",
            help="build it even with passages not yet in its language, marked as such",
        )
        parser.add_argument(
            "--as-user", default="", help="make it as this user (their permissions apply)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = str(options["year"])
        if not (year.isdigit() and len(year) == 4 and 2000 <= int(year) <= 2100):
            raise CommandError(f"the year is four digits between 2000 and 2100, not {year!r}")
        user = active_user(options["as_user"]) if options["as_user"] else None
        with acting_as(user):
            try:
                spec = annual_spec(
                    actor=user,
                    start=date(int(year), 1, 1),
                    end=date(int(year), 12, 31),
                    language=options["lang"],
                    marked=options["untranslated_marked"],
                )
                report = report_generate(actor=user, spec=spec, fmt=options["fmt"])
            except (ValidationError, PermissionDenied) as exc:
                raise one_line(exc) from None
        write_out(self, report, options["out"])
