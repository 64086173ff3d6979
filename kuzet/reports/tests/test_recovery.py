"""Reports that do not get stuck (reports/recovery.py, manage.py recover_reports): a report
whose worker stopped is queued again and built, one interrupted too often or that no
worker takes fails with a message its reader sees, and running the recovery twice (two
servers' timers) or a report's task twice changes nothing more."""

import io
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kuzet.core.models import WorkerHeartbeat
from kuzet.people.models import User
from kuzet.reports.models import GeneratedReport
from kuzet.reports.recovery import Recovery, reports_recover
from kuzet.reports.services import report_claim
from kuzet.reports.tasks import generate_report
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
FORM = {"lang": "ru", "edition": "external", "format": "docx"}


@pytest.fixture(autouse=True)
def database_tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The worker closes connections that are not in autocommit, as a test's transaction is
    # not; it runs otherwise unchanged, in this transaction.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    with override_settings(TASKS=DATABASE_TASKS):
        yield


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
    )


@pytest.fixture
def asked(
    approved_visit: Visit, leader: User, english_client_for: Callable[[User], Client]
) -> tuple[Client, str, GeneratedReport]:
    """A report asked for on the web page: its page and the report, queued."""
    client = english_client_for(leader)
    page = client.post(f"/reports/visit/{approved_visit.pk}/generate/", FORM)["Location"]
    report = GeneratedReport.objects.get()
    assert report.status == "queued" and report.queued_at is not None
    return client, page, report


def taken_by_a_worker_that_died(report: GeneratedReport, *, last_seen: datetime) -> None:
    """A worker took the report's task and started the report, then was killed."""
    DBTaskResult.objects.get(id=report.task_id).claim("worker-that-died")
    assert report_claim(report.pk) is not None
    WorkerHeartbeat.objects.create(
        worker_id="worker-that-died",
        hostname="app-1",
        pid=4242,
        started_at=last_seen,
        seen_at=last_seen,
        task_id=report.task_id,
    )


def test_a_report_whose_worker_died_is_queued_again_and_built_by_another_worker(
    asked: tuple[Client, str, GeneratedReport],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client, page, report = asked
    now = timezone.now()
    taken_by_a_worker_that_died(report, last_seen=now)
    dead_task = report.task_id

    # While the worker's heartbeat is fresh, the report is left to it.
    assert reports_recover(now=now) == Recovery()
    report.refresh_from_db()
    assert report.status == "running"

    later = now + timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert reports_recover(now=later) == Recovery(requeued=1, tasks_closed=1)
    report.refresh_from_db()
    assert report.status == "queued" and report.attempts == 1 and report.progress == 0
    assert report.task_id and report.task_id != dead_task
    # The task the dead worker held is closed, so the queue does not count it as running.
    assert DBTaskResult.objects.get(id=dead_task).status == "FAILED"
    assert "Refresh" in client.get(page)  # its reader keeps waiting, nothing to do

    run_worker()
    report.refresh_from_db()
    assert report.status == "done" and report.attempts == 2 and report.file_sha256
    assert f"/reports/generated/{report.uuid}/download/" in client.get(page).content.decode()


def test_a_report_interrupted_on_every_attempt_fails_with_a_message_its_reader_sees(
    asked: tuple[Client, str, GeneratedReport], settings: Any
) -> None:
    settings.REPORT_ATTEMPTS = 1
    client, page, report = asked
    now = timezone.now()
    taken_by_a_worker_that_died(report, last_seen=now)

    assert reports_recover(now=now + timedelta(minutes=3)) == Recovery(failed=1, tasks_closed=1)
    report.refresh_from_db()
    assert report.status == "failed" and report.finished_at is not None
    # Stored in the report's language (Russian here), shown on its page.
    assert "Формирование прерывалось при каждой попытке (1)" in report.error
    shown = client.get(page)
    assert "Refresh" not in shown and report.error in shown.content.decode()


def test_a_report_no_worker_takes_fails_after_the_timeout_saying_so(
    asked: tuple[Client, str, GeneratedReport], settings: Any
) -> None:
    settings.REPORT_TIMEOUT_MINUTES = 30
    client, page, report = asked
    now = timezone.now()
    assert reports_recover(now=now + timedelta(minutes=29)) == Recovery()
    assert reports_recover(now=now + timedelta(minutes=31)) == Recovery(failed=1)
    report.refresh_from_db()
    assert report.status == "failed" and report.attempts == 0
    assert "Ни один фоновый обработчик не взял этот отчёт за 30 минут" in report.error
    assert report.error in client.get(page).content.decode()


def test_a_report_a_live_worker_is_building_is_left_alone_until_the_timeout(
    asked: tuple[Client, str, GeneratedReport], settings: Any
) -> None:
    settings.REPORT_TIMEOUT_MINUTES = 30
    _client, _page, report = asked
    now = timezone.now()
    taken_by_a_worker_that_died(report, last_seen=now)
    # ... except that this worker is alive: it beat a moment ago.
    WorkerHeartbeat.objects.update(seen_at=now + timedelta(minutes=20))
    assert reports_recover(now=now + timedelta(minutes=20)) == Recovery()
    # A worker that beats but never finishes (hung in the task) is overtaken by the timeout.
    WorkerHeartbeat.objects.update(seen_at=now + timedelta(minutes=31))
    assert reports_recover(now=now + timedelta(minutes=31)).requeued == 1


def test_running_the_recovery_twice_changes_nothing_more(
    asked: tuple[Client, str, GeneratedReport],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _client, _page, report = asked
    now = timezone.now()
    taken_by_a_worker_that_died(report, last_seen=now)
    later = now + timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        first = reports_recover(now=later)
        second = reports_recover(now=later)
    assert first.requeued == 1 and second == Recovery()
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # one retry queued

    # And the command a timer runs says what it did.
    out = io.StringIO()
    call_command("recover_reports", stdout=out)
    assert "0 report(s) queued again, 0 failed" in out.getvalue()


def test_a_second_task_for_the_same_report_builds_nothing(
    asked: tuple[Client, str, GeneratedReport],
) -> None:
    _client, _page, report = asked
    generate_report.enqueue(report.pk)  # e.g. a retry queued while the first task waited
    run_worker()
    report.refresh_from_db()
    assert report.status == "done" and report.attempts == 1
    tasks = DBTaskResult.objects.all()
    assert [t.status for t in tasks] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert sorted(t.return_value for t in tasks) == ["done", "done"]
    folder = report.file.name.rsplit("/", 1)[0]
    assert len(report.file.storage.listdir(folder)[1]) == 1  # built once


def test_a_build_given_up_while_it_ran_writes_nothing_and_the_retry_builds_the_report(
    asked: tuple[Client, str, GeneratedReport],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first worker is thought stopped (its heartbeat is late) while it still builds:
    the recovery queues the report again; when the first build comes back it must not
    overwrite the retry's state, and only the retry's file is kept."""
    from kuzet.reports import services

    _client, _page, report = asked
    original = services.report_data
    calls = []

    def slow_report_data(spec: Any) -> Any:
        calls.append(spec)
        if len(calls) == 1:
            with django_capture_on_commit_callbacks(execute=True):
                outcome = reports_recover(now=timezone.now() + timedelta(minutes=3))
            assert outcome.requeued == 1
        return original(spec)

    monkeypatch.setattr(services, "report_data", slow_report_data)
    run_worker()  # the first build, given up; then the retry, which the batch also runs
    report.refresh_from_db()
    assert len(calls) == 2
    assert report.status == "done" and report.attempts == 2 and report.progress == 100
    stored = report.file.storage.listdir(report.file.name.rsplit("/", 1)[0])[1]
    assert stored == [report.file.name.rsplit("/", 1)[1]]
