"""manage.py expire_uploads: delete resumable uploads not continued in time (run it daily)."""

from typing import Any

from django.core.management.base import BaseCommand

from kuzet.field.uploads import uploads_expire


class Command(BaseCommand):
    help = (
        "Delete expired uploads (KUZET_UPLOAD_EXPIRY_HOURS without a chunk): their bytes and "
        "state. Finished uploads are evidence; only their transfer state is deleted."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = uploads_expire()
        self.stdout.write(f"{count} expired upload(s) deleted.")
