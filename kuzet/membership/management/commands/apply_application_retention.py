"""Anonymise or delete applicants' personal data past the retention period (run daily)."""

from typing import Any

from django.core.management.base import BaseCommand

from kuzet.core.audit import SYSTEM, acting_as
from kuzet.membership.retention import applications_apply_retention


class Command(BaseCommand):
    help = "Anonymise applications past the retention period; delete unconfirmed ones."

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(SYSTEM):
            result = applications_apply_retention()
        self.stdout.write(
            f"{result.anonymised} application(s) anonymised, {result.deleted} deleted"
        )
