"""manage.py import_xlsform FILE: an XLSForm becomes a draft (or, with --publish, published) version."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuzet.core.audit import SYSTEM, acting_as
from kuzet.core.commands import active_user, read_input
from kuzet.core.spreadsheets import listed, upload_size_message
from kuzet.instruments.services import instrument_version_import, instrument_version_publish


class Command(BaseCommand):
    help = "Import an XLSForm as a new version of its instrument; on any problem nothing is saved (exit 1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--list-file",
            type=Path,
            action="append",
            default=[],
            help="a .csv list that a select_one_from_file row names (repeatable)",
        )
        parser.add_argument(
            "--publish", action="store_true", help="publish the new version at once"
        )
        parser.add_argument(
            "--as-user", help="login the import is recorded under (default: system)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        data = read_input(path)
        refusal = upload_size_message(len(data))
        if refusal:
            raise CommandError(f"{path.name}: {refusal}", returncode=1)
        user = active_user(options["as_user"]) if options["as_user"] else None
        with acting_as(user or SYSTEM):
            outcome = instrument_version_import(
                data=data,
                actor=user,
                filename=path.name,
                attachments={p.name: read_input(p) for p in options["list_file"]},
            )
            if outcome.errors:
                shown, more = listed(outcome.errors)
                for error in shown:
                    self.stdout.write(f"{path.name}: {error}")
                if more:
                    self.stdout.write(f"{path.name}: … and {more} more problem(s)")
                raise CommandError(
                    f"nothing imported: {len(outcome.errors)} problem(s)", returncode=1
                )
            version = outcome.version
            assert version is not None
            if options["publish"] and not version.is_published:
                instrument_version_publish(version=version, actor=user)
        state = (
            "unchanged, same as"
            if outcome.unchanged
            else ("published" if version.is_published else "draft")
        )
        self.stdout.write(
            f"{version.instrument.code}: {state} version {version.number} ({version.question_count} questions)"
        )
