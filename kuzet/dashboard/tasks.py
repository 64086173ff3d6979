"""Background jobs of the dashboard (django-tasks; the database backend's worker runs them)."""

from django_tasks import task

from kuzet.dashboard.facts import facts_catch_up


@task()
def catch_up_facts() -> int:
    """Bring the facts up to date with the writes marked since the last catch-up; returns
    the number of visits recounted."""
    return facts_catch_up()
