"""manage.py recover_reports: queue again, or fail with a message, the reports whose
worker stopped or that no worker takes (kuzet.reports.recovery); run it every few minutes.
Harmless when run twice, or on two servers at once."""

from typing import Any

from django.core.management.base import BaseCommand

from kuzet.reports.recovery import reports_recover


class Command(BaseCommand):
    help = (
        "Queue again the reports whose background worker stopped, and fail with a message "
        "those no worker takes (KUZET_REPORT_TIMEOUT_MINUTES, KUZET_REPORT_ATTEMPTS)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = reports_recover()
        self.stdout.write(
            f"{done.requeued} report(s) queued again, {done.failed} failed, "
            f"{done.tasks_closed} abandoned task(s) closed."
        )
