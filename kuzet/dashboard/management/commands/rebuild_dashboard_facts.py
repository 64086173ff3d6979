"""manage.py rebuild_dashboard_facts: recount every dashboard fact from the records.

The facts catch up with the writes from their marks (``catch_up_dashboard_facts``); this is
for after bulk loads that bypass the services (``generate_scale_data``, imports) and to
check that nothing has drifted.
"""

from typing import Any

from django.core.management.base import BaseCommand

from kuzet.dashboard.facts import facts_rebuild


class Command(BaseCommand):
    help = "Recount the dashboard's facts (visits, checklist answers, recommendations) from the records."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = facts_rebuild()
        self.stdout.write(
            "dashboard facts rebuilt: " + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        )
