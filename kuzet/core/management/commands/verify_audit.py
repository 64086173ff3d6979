"""manage.py verify_audit: check that no audit event was changed, inserted or removed, and,
with ``--anchors FILE``, that the chain still holds every anchored head."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kuzet.core.audit import AnchorProblem, verify_anchors, verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exits non-zero when it was tampered with."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--anchors",
            metavar="FILE",
            help="an anchor log (KUZET_AUDIT_ANCHOR_FILE): also detects removed newest events",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = verify_chain()
        for problem in problems:
            where = f"event #{problem.event_id}" if problem.event_id is not None else "chain head"
            self.stderr.write(f"{where}: {problem.message}")
        anchors = 0
        anchor_problems: list[AnchorProblem] = []
        if options["anchors"]:
            try:
                with open(options["anchors"], encoding="utf-8", errors="replace") as log:
                    anchors, anchor_problems = verify_anchors(log)
            except OSError as exc:
                raise CommandError(
                    f"cannot read the anchor log {options['anchors']}: {exc.strerror}"
                ) from None
            for anchor_problem in anchor_problems:
                event = (
                    f", event #{anchor_problem.event_id}"
                    if anchor_problem.event_id is not None
                    else ""
                )
                self.stderr.write(
                    f"anchor line {anchor_problem.line}{event}: {anchor_problem.message}"
                )
        total = len(problems) + len(anchor_problems)
        if total:
            raise CommandError(
                f"audit trail is NOT intact: {total} problem(s) in {checked} events"
                + (f" and {anchors} anchors" if options["anchors"] else "")
            )
        self.stdout.write(
            f"audit trail intact: {checked} events verified"
            + (f", {anchors} anchors match" if options["anchors"] else "")
        )
