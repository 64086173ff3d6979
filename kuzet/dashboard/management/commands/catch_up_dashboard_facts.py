"""manage.py catch_up_dashboard_facts: recount the facts of the visits the writes marked.

Every dashboard page catches up before counting; this does it between page loads, so that
a page after many writes does not wait for their recount: once, every ``--every`` seconds
(next to the server, like ``db_worker``), or as a background task for the worker
(``--enqueue``, e.g. from cron).
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kuzet.dashboard.facts import facts_catch_up
from kuzet.dashboard.tasks import catch_up_facts


class Command(BaseCommand):
    help = "Recount the dashboard's facts of the visits and institutions marked by the writes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=0, help="repeat every SECONDS until stopped"
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="enqueue the catch-up for the task worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = catch_up_facts.enqueue()
            self.stdout.write(f"dashboard catch-up enqueued: {result.id}")
            return
        while True:
            recounted = facts_catch_up()
            if options["verbosity"] > 1 or recounted or not options["every"]:
                self.stdout.write(f"dashboard facts caught up: {recounted:,} visits recounted")
            if not options["every"]:
                return
            time.sleep(options["every"])
