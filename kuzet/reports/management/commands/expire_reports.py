"""manage.py expire_reports: delete generated report files older than the retention period.

The row stays (the report history and the audit trail keep it) with its file emptied;
its download then says that the report expired. Run daily.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from kuzet.reports.models import GeneratedReport


class Command(BaseCommand):
    help = "Delete generated report files older than KUZET_REPORT_RETENTION_DAYS."

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(days=settings.REPORT_RETENTION_DAYS)
        expired = 0
        for report in GeneratedReport.objects.filter(finished_at__lt=cutoff).exclude(file=""):
            report.file.delete(save=False)
            report.save(update_fields=["file"])
            expired += 1
        self.stdout.write(f"{expired} generated report(s) expired")
