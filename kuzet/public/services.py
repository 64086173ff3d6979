"""Publication decisions: the secretariat publishes a report on the public site, or
withdraws it; each decision is its own audited write."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.access import Refused, audit_refusal
from kuzet.core.policy import Action, can
from kuzet.public.models import PublishedReport
from kuzet.reports.models import GeneratedReport
from kuzet.visits.models import Visit

G = GeneratedReport


def publishable(report: GeneratedReport) -> str:
    """Why ``report`` may not be published ("" when it may): only a finished annual report
    or the external edition of a visit report whose report was sent to the addressees."""
    if report.status != G.Status.DONE:
        return _("Only a finished report is published.")
    if report.edition != G.Edition.EXTERNAL:
        return _("Only the external edition of a report is published.")
    if report.kind == G.Kind.VISIT:
        assert report.visit is not None
        if report.visit.status not in (Visit.Status.SENT, Visit.Status.CLOSED):
            return _("A visit report is published after it was sent to the addressees.")
    return ""


def _check(actor: Any, object_id: object) -> None:
    if not can(actor, Action.PUBLISH_REPORTS):
        audit_refusal(user=actor, object_type="public.publishedreport", object_id=object_id)
        raise Refused(Action.PUBLISH_REPORTS, _("Only the secretariat publishes reports."))


@transaction.atomic
def report_publish(*, actor: Any, report: GeneratedReport, title: str) -> PublishedReport:
    """Publish ``report`` on the public site (again, if it was withdrawn)."""
    _check(actor, report.pk)
    why = publishable(report)
    if why:
        raise ValidationError(why)
    if not title.strip():
        raise ValidationError({"title": [_("Give the title shown on the public site.")]})
    publication = PublishedReport.objects.select_for_update().filter(report=report).first()
    if publication is None:
        publication = PublishedReport(report=report, title=title.strip(), published_by=actor)
        publication.full_clean()
        publication.save()
        return publication
    if publication.withdrawn_at is None:
        raise ValidationError(_("This report is already published."))
    publication.title = title.strip()
    publication.withdrawn_at = None
    publication.withdrawn_by = None
    publication.published_by = actor
    publication.published_at = timezone.now()
    publication.save(
        update_fields=[
            "title",
            "withdrawn_at",
            "withdrawn_by",
            "published_by",
            "published_at",
            "changed_at",
        ]
    )
    return publication


@transaction.atomic
def report_withdraw(*, actor: Any, publication: PublishedReport) -> PublishedReport:
    """Take a published report off the public site."""
    _check(actor, publication.report_id)
    publication = PublishedReport.objects.select_for_update().get(pk=publication.pk)
    if publication.withdrawn_at is not None:
        raise ValidationError(_("This report is already withdrawn."))
    publication.withdrawn_at = timezone.now()
    publication.withdrawn_by = actor
    publication.save(update_fields=["withdrawn_at", "withdrawn_by", "changed_at"])
    return publication
