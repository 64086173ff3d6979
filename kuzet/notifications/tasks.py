"""Background job of notifications (django-tasks; the database backend's worker runs it)."""

from django_tasks import task

from kuzet.notifications.email import send_pending_emails


@task()
def send_emails() -> int:
    """E-mail the notifications waiting to be sent; returns the number of messages."""
    return send_pending_emails()
