"""manage.py export_xlsform CODE --out FILE: write a version as an XLSForm workbook."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.xlsform import write_xlsform


class Command(BaseCommand):
    help = "Export a version of an instrument (the newest published one by default) as XLSForm."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument(
            "--number", type=int, help="version number (default: the newest published version)"
        )
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        versions = InstrumentVersion.objects.filter(instrument__code=options["code"])
        if options["number"]:
            version = versions.filter(number=options["number"]).first()
        else:
            version = versions.published().order_by("-number").first()
        if version is None:
            raise CommandError(f"no such version of {options['code']!r}")
        options["out"].write_bytes(write_xlsform(version.document))
        self.stdout.write(f"{options['out']}: {version.instrument.code} v{version.number}")
