"""Retention of applicants' personal data (Law No. 94-V: kept no longer than needed)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kuzet.membership.models import Application


@dataclass(frozen=True)
class RetentionResult:
    anonymised: int
    deleted: int


def _anonymise(application: Application, now: datetime) -> None:
    for attachment in application.attachments.all():
        attachment.file.delete(save=False)
        attachment.delete()
    application.full_name = ""
    application.email = ""
    application.email_key = ""
    application.phone = ""
    application.birth_date = None
    application.education = ""
    application.experience = ""
    application.motivation = ""
    application.declaration_notes = ""
    application.conflicts = ""
    application.anonymised_at = now
    application.save(
        update_fields=[
            "full_name",
            "email",
            "email_key",
            "phone",
            "birth_date",
            "education",
            "experience",
            "motivation",
            "declaration_notes",
            "conflicts",
            "anonymised_at",
        ]
    )


@transaction.atomic
def applications_apply_retention(*, now: datetime | None = None) -> RetentionResult:
    """Anonymise the applications of calls decided more than MEMBERSHIP_RETENTION_DAYS
    ago (the status and scores stay, for the record); delete the applications whose address
    was never confirmed after MEMBERSHIP_UNCONFIRMED_DAYS. A selected applicant's data
    live on in their account, not here."""
    now = now or timezone.now()
    old_decisions = Application.objects.filter(
        anonymised_at__isnull=True,
        call__decided_at__lt=now - timedelta(days=settings.MEMBERSHIP_RETENTION_DAYS),
    )
    anonymised = 0
    for application in old_decisions.prefetch_related("attachments"):
        _anonymise(application, now)
        anonymised += 1
    unconfirmed = Application.objects.filter(
        email_confirmed_at__isnull=True,
        submitted_at__lt=now - timedelta(days=settings.MEMBERSHIP_UNCONFIRMED_DAYS),
        participation__isnull=True,
    )
    deleted = 0
    for application in unconfirmed.prefetch_related("attachments"):
        for attachment in application.attachments.all():
            attachment.file.delete(save=False)
            attachment.delete()
        application.delete()
        deleted += 1
    return RetentionResult(anonymised=anonymised, deleted=deleted)
