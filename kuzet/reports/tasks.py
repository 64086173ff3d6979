"""Background jobs of reports (django-tasks; the database backend's worker runs them), and
queueing one: the task calls the services, the services never queue a task."""

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
