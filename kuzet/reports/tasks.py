"""Background jobs of reports (django-tasks; the database backend's worker runs them)."""

from django_tasks import task

from .services import report_build


@task()
def generate_report(report_id: int) -> str:
    """Build a recorded report; returns its status ("done" or "failed")."""
    return str(report_build(report_id).status)
