"""The background worker's heartbeat and the state of its queue (``/healthz`` reads both).

A heartbeat is a periodic write by the worker, not the time of the last finished task:
an idle worker finishes nothing for hours and is still healthy, and one stuck in a task
must not look alive for ever. Each ``db_worker`` process (``core/management/commands/
db_worker.py``) writes its row from a small thread every ``HEARTBEAT_SECONDS`` and, from
its main loop, the task it is running; a worker unseen for ``KUZET_WORKER_STALE_SECONDS``
counts as stopped, and the tasks it had claimed are closed by ``tasks_close_abandoned``.
"""

import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Min
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from kuzet.core.models import WorkerHeartbeat

HEARTBEAT_SECONDS = 10


def heartbeat_write(
    worker_id: str, *, started_at: datetime, task_id: str = "", task_started_at: Any = None
) -> None:
    """Record that ``worker_id`` (this process) is alive, and what it runs now."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": timezone.now(),
            "task_id": task_id,
            "task_started_at": task_started_at,
        },
    )


def heartbeat_remove(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


class HeartbeatThread(threading.Thread):
    """Writes the worker's heartbeat every ``HEARTBEAT_SECONDS`` until stopped. The main
    loop sets ``task_id`` while it runs a task, so a worker stuck in one shows as busy on
    it for longer and longer rather than as idle."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="kuzet-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.task_id = ""
        self.task_started_at: datetime | None = None
        self._stop_event = threading.Event()

    def beat(self) -> None:
        heartbeat_write(
            self.worker_id,
            started_at=self.started_at,
            task_id=self.task_id,
            task_started_at=self.task_started_at,
        )

    def run(self) -> None:
        try:
            while not self._stop_event.wait(HEARTBEAT_SECONDS):
                close_old_connections()
                try:
                    self.beat()
                except Exception:  # a lost beat is retried; the worker goes on
                    connection.close()
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=HEARTBEAT_SECONDS)


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.WORKER_STALE_SECONDS)


def live_worker_ids(now: datetime | None = None) -> set[str]:
    now = now or timezone.now()
    return set(
        WorkerHeartbeat.objects.filter(seen_at__gte=_stale_before(now)).values_list(
            "worker_id", flat=True
        )
    )


def worker_alive(worker_id: str, now: datetime | None = None) -> bool:
    return worker_id in live_worker_ids(now)


def tasks_close_abandoned(now: datetime | None = None) -> int:
    """Mark failed the tasks left "running" by a worker that stopped (no fresh heartbeat):
    nothing else would ever finish them. Returns how many. Harmless when run twice."""
    now = now or timezone.now()
    alive = live_worker_ids(now)
    abandoned = [
        task.pk
        for task in DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, started_at__lt=_stale_before(now)
        ).only("pk", "worker_ids")
        if not (task.worker_ids and task.worker_ids[-1] in alive)
    ]
    if not abandoned:
        return 0
    return DBTaskResult.objects.filter(pk__in=abandoned, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=now
    )


def heartbeats_prune(now: datetime | None = None) -> int:
    """Forget workers unseen for a day (a crashed worker cannot remove its own row)."""
    now = now or timezone.now()
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return deleted


@dataclass(frozen=True)
class WorkerState:
    live_workers: int
    last_seen_seconds: int | None
    waiting: int
    running: int
    oldest_waiting_seconds: int | None

    @property
    def ok(self) -> bool:
        return self.live_workers > 0


def worker_state(now: datetime | None = None) -> WorkerState:
    """What /healthz says about the workers and the queue (counts and ages only)."""
    now = now or timezone.now()
    last_seen = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True)
    newest = last_seen.first()
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY).exclude(
        run_after__gt=now, run_after__lt=get_date_max()
    )
    oldest = waiting.aggregate(oldest=Min("enqueued_at"))["oldest"]
    return WorkerState(
        live_workers=len(live_worker_ids(now)),
        last_seen_seconds=None if newest is None else max(0, int((now - newest).total_seconds())),
        waiting=waiting.count(),
        running=DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
        oldest_waiting_seconds=None
        if oldest is None
        else max(0, int((now - oldest).total_seconds())),
    )
