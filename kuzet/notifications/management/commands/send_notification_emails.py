"""``manage.py send_notification_emails``: e-mail the notifications still waiting (the
background worker does it after each event; this is for a server without one, or cron)."""

from typing import Any

from django.core.management.base import BaseCommand

from kuzet.notifications.email import send_pending_emails


class Command(BaseCommand):
    help = "E-mail the notifications waiting to be sent."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{send_pending_emails()} message(s) sent")
