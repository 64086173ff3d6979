"""manage.py db_worker: django-tasks' database worker, with a heartbeat (kuzet.core.worker).

Same options and behaviour as django_tasks_db's command, which this one replaces (the
``kuzet.core`` app comes before ``django_tasks_db`` in INSTALLED_APPS): the worker also
writes its heartbeat every few seconds, with the task it is running, and removes it when
it stops cleanly. ``/healthz`` reads it; ``recover_reports`` uses it to tell a report
whose worker stopped from one still being built.
"""

import os
from typing import Any

from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as base
from django_tasks_db.models import DBTaskResult

from kuzet.core.worker import HeartbeatThread, heartbeat_remove


class HeartbeatWorker(base.Worker):
    """The package's worker; each task is recorded in the heartbeat while it runs."""

    def __init__(self, *, heartbeat: HeartbeatThread, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat = heartbeat

    def _beat(self, task_id: str) -> None:
        self.heartbeat.task_id = task_id
        self.heartbeat.task_started_at = timezone.now() if task_id else None
        self.heartbeat.beat()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self._beat(str(db_task_result.id))
        try:
            super().run_task(db_task_result)
        finally:
            self._beat("")


class Command(base.Command):
    help = "Run the background worker (django-tasks' database worker) with a heartbeat"

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        reload, batch = options["reload"], options["batch"]
        if reload and batch:
            base.logger.warning("--reload and --batch cannot be specified together: no reload.")
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise base.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker_id = options["worker_id"]
        heartbeat = HeartbeatThread(worker_id)
        worker = HeartbeatWorker(
            heartbeat=heartbeat,
            queue_names=queue_names,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )

        def run() -> None:
            # A batch run (tests, one-off draining) beats only around its tasks: it ends
            # when the queue is empty, and a second thread would write beside it.
            heartbeat.beat()
            if not batch:
                heartbeat.start()
            try:
                worker.run()
            finally:
                if heartbeat.is_alive():
                    heartbeat.stop()
                base.close_old_connections()  # the package's name, as its loop calls it
                heartbeat_remove(worker_id)

        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(run)
        else:
            worker.configure_signals()
            run()
