"""manage.py visit_report VISIT --lang ru|kk --edition internal|external --format pdf|docx --out FILE"""

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuzet.core.audit import acting_as
from kuzet.core.commands import active_user
from kuzet.reports.services import report_generate, visit_spec
from kuzet.visits.models import Visit

from ._common import one_line, write_out


class Command(BaseCommand):
    help = "Write the report of a visit (PDF or DOCX); it is also stored with its data hash."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("visit", help="the visit's number")
        parser.add_argument("--lang", required=True, help="ru or kk")
        parser.add_argument("--edition", required=True, help="internal or external")
        parser.add_argument("--format", required=True, dest="fmt", help="pdf or docx")
        parser.add_argument("--out", required=True, type=Path, help="the file to write")
        parser.add_argument(
            "--as-user", default="", help="make it as this user (their permissions apply)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not str(options["visit"]).isdigit():
            raise CommandError(f"the visit is given by its number, not {options['visit']!r}")
        visit = (
            Visit.objects.select_related("institution", "region")
            .filter(pk=int(options["visit"]))
            .first()
        )
        if visit is None:
            raise CommandError(f"no visit number {options['visit']}")
        user = active_user(options["as_user"]) if options["as_user"] else None
        with acting_as(user):
            try:
                spec = visit_spec(
                    actor=user, visit=visit, language=options["lang"], edition=options["edition"]
                )
                report = report_generate(actor=user, spec=spec, fmt=options["fmt"])
            except (ValidationError, PermissionDenied) as exc:
                raise one_line(exc) from None
        write_out(self, report, options["out"])
