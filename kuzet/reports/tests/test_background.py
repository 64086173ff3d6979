"""Generation in the background: the database backend and its worker, and reuse of an
identical request while it runs."""

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from kuzet.people.models import User
from kuzet.reports.models import GeneratedReport
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_generates_a_queued_report_and_the_page_follows_it(
    approved_visit: Visit,
    leader: User,
    english_client_for: Callable[[User], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The worker closes connections that are not in autocommit, as a test's transaction is
    # not (PostgreSQL would lose it); it runs otherwise unchanged, in this transaction.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    client = english_client_for(leader)
    url = f"/reports/visit/{approved_visit.pk}/generate/"
    first = client.post(url, {"lang": "ru", "edition": "external", "format": "pdf"})
    report = GeneratedReport.objects.get()
    assert report.status == "queued" and report.task_id
    assert DBTaskResult.objects.filter(id=report.task_id, status="READY").exists()

    # Asked again while it waits: the same report, not a second one.
    again = client.post(url, {"lang": "ru", "edition": "external", "format": "pdf"})
    assert again["Location"] == first["Location"]
    assert GeneratedReport.objects.count() == 1 and DBTaskResult.objects.count() == 1

    waiting = client.get(first["Location"])
    assert waiting["Refresh"] == "2" and 'value="0"' in waiting.content.decode()

    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
    )

    report.refresh_from_db()
    assert report.status == "done" and report.file_sha256 and report.size
    assert DBTaskResult.objects.get(id=report.task_id).status == "SUCCESSFUL"
    done = client.get(first["Location"])
    assert (
        "Refresh" not in done
        and f"/reports/generated/{report.uuid}/download/" in done.content.decode()
    )
    # Once finished, the same request makes a new report (the data may have changed).
    client.post(url, {"lang": "ru", "edition": "external", "format": "pdf"})
    assert GeneratedReport.objects.count() == 2
