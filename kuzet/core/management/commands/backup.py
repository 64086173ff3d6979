"""manage.py backup --to DIR: an encrypted backup of the database and the stored files."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kuzet.core.backup import BackupError, backup_create, backup_verify, new_key


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump or SQLite's backup API) and every stored file, with a "
        "manifest of SHA-256 hashes, encrypted with KUZET_BACKUP_KEY (docs/security/keys.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--to", metavar="DIR", help="a new or empty directory for the backup")
        what.add_argument(
            "--verify",
            metavar="DIR",
            help="open and hash every file of an existing backup; writes nothing",
        )
        what.add_argument("--new-key", action="store_true", help="print a new backup key and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(new_key())
            return
        try:
            if options["verify"]:
                entries = backup_verify(
                    directory=Path(options["verify"]), key_text=settings.BACKUP_KEY
                )
                self.stdout.write(
                    f"backup intact: {len(entries)} file(s), every SHA-256 matches the manifest"
                )
                return
            summary = backup_create(
                directory=Path(options["to"]),
                key_text=settings.BACKUP_KEY,
                key_file=settings.BACKUP_KEY_FILE,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"backup written to {summary.directory}: {summary.files} file(s), "
            f"{summary.bytes} bytes before encryption"
        )
