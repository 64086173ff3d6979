"""manage.py anchor_audit: copy the audit chain's head to the anchor log (run it daily)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kuzet.core.audit import AnchorNotMailed, audit_anchor


class Command(BaseCommand):
    help = (
        "Append the audit chain's head, signed with the audit key, to KUZET_AUDIT_ANCHOR_FILE "
        "and mail it to KUZET_AUDIT_ANCHOR_EMAILS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchor = audit_anchor()
        except AnchorNotMailed as exc:
            # The class only: a mail server's refusal can quote addresses.
            raise CommandError(
                f"event #{exc.anchor.event_id} was anchored in {settings.AUDIT_ANCHOR_FILE} "
                f"but could not be mailed: {type(exc.__cause__).__name__}"
            ) from None
        except OSError as exc:
            raise CommandError(
                f"cannot write the anchor log {settings.AUDIT_ANCHOR_FILE}: {exc.strerror or exc}"
            ) from None
        self.stdout.write(f"anchored event #{anchor.event_id} in {settings.AUDIT_ANCHOR_FILE}")
