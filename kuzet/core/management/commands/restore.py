"""manage.py restore --from DIR: a backup into an empty database and storage, then checked."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kuzet.core.audit import verify_chain
from kuzet.core.backup import BackupError, backup_restore, evidence_mismatches


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the empty database of DATABASE_URL "
        "and the empty storage; refuses a wrong key, a changed file or a non-empty target "
        "before writing anything, then verifies the audit trail and every evidence hash."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--from", dest="source", metavar="DIR", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup_restore(
                directory=Path(options["source"]),
                key_text=settings.BACKUP_KEY,
                progress=self.stdout.write,
            )
        except BackupError as exc:
            raise CommandError(f"nothing restored: {exc}") from None
        checked, problems = verify_chain()
        evidence, mismatches = evidence_mismatches()
        for problem in problems:
            self.stderr.write(f"audit event #{problem.event_id}: {problem.message}")
        for mismatch in mismatches:
            self.stderr.write(mismatch)
        if problems or mismatches:
            raise CommandError(
                "restored, but the check failed: is KUZET_AUDIT_KEY the production one? "
                f"({len(problems)} audit problem(s), {len(mismatches)} evidence problem(s))"
            )
        self.stdout.write(
            f"restored: audit trail intact ({checked} events), {evidence} evidence file(s) "
            "match their SHA-256"
        )
