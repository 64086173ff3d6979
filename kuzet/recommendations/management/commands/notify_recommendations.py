"""``manage.py notify_recommendations``: remind the deadlines of recommendations that became
due or overdue (run it daily; a second run the same day tells nobody again)."""

from typing import Any

from django.core.management.base import BaseCommand

from kuzet.notifications.email import send_pending_emails
from kuzet.recommendations.reminders import recommendation_reminders_send


class Command(BaseCommand):
    help = "Notify the deadlines of recommendations that became due or overdue (daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = recommendation_reminders_send()
        sent = send_pending_emails()
        self.stdout.write(f"{count} recommendation(s) reminded; {sent} e-mail(s) sent")
