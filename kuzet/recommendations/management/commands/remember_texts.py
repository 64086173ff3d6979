"""``manage.py remember_texts``: fingerprint every stored finding and recommendation for
copy detection (``kuzet.quality.copies``), oldest first.

The services fingerprint each text as it is saved; this fills the index for texts saved
before copy detection existed (or rebuilds it after the rules changed). Oldest first, so
that of two near copies the later one is marked as the copy, as it would have been at
saving. Running it twice gives the same index. It lives here, above the visits app, because
it reads both apps' texts.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from kuzet.quality.copies import remember_text
from kuzet.quality.models import TextFingerprint
from kuzet.recommendations.models import Recommendation
from kuzet.visits.models import Finding


class Command(BaseCommand):
    help = "Fingerprint every stored finding and recommendation for copy detection."

    def handle(self, *args: Any, **options: Any) -> None:
        findings = recommendations = 0
        with transaction.atomic():
            # From empty, so that a text is compared only with those stored before it.
            TextFingerprint.objects.all().delete()
            for finding in Finding.objects.select_related("visit").order_by("created_at", "pk"):
                remember_text(
                    kind="finding",
                    source=finding.quality_source,
                    text=finding.description,
                    institution_id=finding.visit.institution_id,
                )
                findings += 1
            for recommendation in Recommendation.objects.select_related("visit").order_by(
                "created_at", "pk"
            ):
                for source, text in recommendation.quality_texts().items():
                    remember_text(
                        kind="recommendation",
                        source=source,
                        text=text,
                        institution_id=recommendation.visit.institution_id,
                    )
                recommendations += 1
        self.stdout.write(
            f"fingerprinted {findings} findings and {recommendations} recommendations"
        )
