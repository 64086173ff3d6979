"""manage.py verify_audit: check that no audit event was changed, inserted or removed."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kuzet.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exits non-zero when it was tampered with."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = verify_chain()
        for problem in problems:
            where = f"event #{problem.event_id}" if problem.event_id is not None else "chain head"
            self.stderr.write(f"{where}: {problem.message}")
        if problems:
            raise CommandError(
                f"audit trail is NOT intact: {len(problems)} problem(s) in {checked} events"
            )
        self.stdout.write(f"audit trail intact: {checked} events verified")
