"""Reports that do not get stuck: one whose worker stopped is queued again, one no worker
takes (or that runs past the timeout once too often) fails with a message for its reader.

``reports_recover`` is what ``manage.py recover_reports`` runs every few minutes (a
systemd timer, deploy/). Each report is decided under its row's lock and every change is
conditional on what was read, so two runs at once (two servers' timers) do it once.

How a report is judged (``KUZET_WORKER_STALE_SECONDS``, ``KUZET_REPORT_TIMEOUT_MINUTES``,
``KUZET_REPORT_ATTEMPTS``):
- running, and the worker that took its task has no fresh heartbeat, or its task ended
  without finishing it: the worker stopped mid-way → queued again;
- running for longer than the timeout (a worker that hangs) → queued again;
- waiting longer than the timeout while its task still waits: no worker is taking
  work → failed at once (a retry would wait in the same queue);
- waiting with no task left to run it (the task ended before taking the report) → queued
  again.
"Queued again" becomes "failed" once the report has had ``KUZET_REPORT_ATTEMPTS`` starts.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kuzet.core.worker import heartbeats_prune, live_worker_ids, tasks_close_abandoned

from .models import GeneratedReport
from .tasks import generate_report

logger = logging.getLogger(__name__)
G = GeneratedReport

STOPPED = "stopped"  # its worker stopped: retry
TIMED_OUT = "timed_out"  # running past the timeout: retry
NO_WORKER = "no_worker"  # nobody took it: fail


@dataclass(frozen=True)
class Recovery:
    requeued: int = 0
    failed: int = 0
    tasks_closed: int = 0


def _task(report: GeneratedReport) -> DBTaskResult | None:
    if not report.task_id:
        return None
    try:
        return DBTaskResult.objects.filter(pk=report.task_id).first()
    except ValidationError:  # an id from another backend, not a UUID
        return None


def _verdict(report: GeneratedReport, now: datetime, alive: set[str]) -> str | None:
    timeout = timedelta(minutes=settings.REPORT_TIMEOUT_MINUTES)
    grace = timedelta(seconds=settings.WORKER_STALE_SECONDS)
    task = _task(report)
    if report.status == G.Status.RUNNING:
        started = report.started_at or now
        if task is not None and now - started > grace:
            if task.status != TaskResultStatus.RUNNING:
                return STOPPED  # the task ended, the report did not
            if not (task.worker_ids and task.worker_ids[-1] in alive):
                return STOPPED
        if now - started > timeout:
            return TIMED_OUT
        return None
    queued = report.queued_at or report.requested_at
    if task is not None and task.status == TaskResultStatus.READY:
        return NO_WORKER if now - queued > timeout else None
    if (
        task is not None
        and task.status == TaskResultStatus.RUNNING
        and task.worker_ids
        and task.worker_ids[-1] in alive
    ):
        return None  # just taken: the worker is about to start it
    if report.task_id and now - queued > grace:
        return STOPPED  # its task ran or failed without taking it, or is gone
    return None


def _message(verdict: str, report: GeneratedReport) -> str:
    minutes = settings.REPORT_TIMEOUT_MINUTES
    # Stored once, read by whoever asked for it: in the report's own language.
    with override(report.language):
        if verdict == NO_WORKER:
            return gettext(
                "No background worker took this report within %(minutes)s minutes, so it "
                "was not generated. Tell the administrator that the report worker is not "
                "running, then ask for the report again."
            ) % {"minutes": minutes}
        return gettext(
            "Generation was interrupted on every attempt (%(count)s): the background "
            "worker stopped, or took longer than %(minutes)s minutes. Ask for the report "
            "again; if this happens again, tell the administrator."
        ) % {"count": report.attempts, "minutes": minutes}


def _recover_one(report_id: int, now: datetime, alive: set[str]) -> str | None:
    """Decide one report under its lock; returns "requeued", "failed" or None."""
    with transaction.atomic():
        report = G.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status not in (G.Status.QUEUED, G.Status.RUNNING):
            return None  # finished (or recovered by another run) meanwhile
        verdict = _verdict(report, now, alive)
        if verdict is None:
            return None
        if verdict != NO_WORKER and report.attempts < settings.REPORT_ATTEMPTS:
            report.status = G.Status.QUEUED
            report.progress = 0
            report.started_at = None
            report.queued_at = now
            report.task_id = ""
            report.save(update_fields=["status", "progress", "started_at", "queued_at", "task_id"])
            transaction.on_commit(lambda: _enqueue(report_id))
            logger.warning("report %s: %s, queued again", report_id, verdict)
            return "requeued"
        report.status = G.Status.FAILED
        report.progress = 100
        report.finished_at = now
        report.error = _message(verdict, report)
        report.save(update_fields=["status", "progress", "finished_at", "error"])
        logger.warning("report %s: %s, failed", report_id, verdict)
        return "failed"


def _enqueue(report_id: int) -> None:
    result = generate_report.enqueue(report_id)
    # The immediate backend (tests) has run it already; the database one has queued it.
    report = G.objects.get(pk=report_id)
    if not report.task_id:
        report.task_id = str(result.id)[:64]
        report.save(update_fields=["task_id"])


def reports_recover(now: datetime | None = None) -> Recovery:
    now = now or timezone.now()
    alive = live_worker_ids(now)
    outcomes: list[str | None] = [
        _recover_one(pk, now, alive)
        for pk in G.objects.filter(status__in=(G.Status.QUEUED, G.Status.RUNNING))
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    closed = tasks_close_abandoned(now)
    heartbeats_prune(now)
    return Recovery(
        requeued=outcomes.count("requeued"), failed=outcomes.count("failed"), tasks_closed=closed
    )
