"""Background jobs of reports (django-tasks; the database backend's worker runs them), and
queueing one: the task calls the services, the services never queue a task."""

from dataclasses import replace
from typing import Any

from django_tasks import task

from kuzet.core.audit import audit_anchor_or_log

from .models import GeneratedReport
from .services import ReportSpec, report_build, report_create


@task()
def generate_report(report_id: int) -> str:
    """Build a recorded report; returns its status ("done" or "failed")."""
    status = str(report_build(report_id).status)
    audit_anchor_or_log()  # the head, report events included, copied outside the database
    return status


def report_request(*, actor: Any, spec: ReportSpec, fmt: str) -> GeneratedReport:
    """Record the report and queue its generation (or reuse the identical one running)."""
    report, created = report_create(actor=actor, spec=spec, fmt=fmt)
    if created:
        result = generate_report.enqueue(report.pk)
        # The immediate backend (tests) has run it already; the database one has queued it.
        report.refresh_from_db()
        if not report.task_id:
            report.task_id = str(result.id)[:64]
            report.save(update_fields=["task_id"])
    return report


def annual_edition_publish(
    *, actor: Any, edition: Any, marked: bool = False
) -> list[GeneratedReport]:
    """Publish the edition (freeze its content) and queue its PDF and DOCX in both
    languages, built from the frozen content."""
    from datetime import date

    from .editorial import edition_publish
    from .services import annual_spec

    edition = edition_publish(actor=actor, edition=edition, marked=marked)
    reports = []
    for language in ("ru", "kk"):
        spec = annual_spec(
            actor=actor,
            start=date(edition.year, 1, 1),
            end=date(edition.year, 12, 31),
            language=language,
            marked=marked,
        )
        spec = replace(spec, edition_id=edition.pk)
        for fmt in ("pdf", "docx"):
            reports.append(report_request(actor=actor, spec=spec, fmt=fmt))
    return reports
