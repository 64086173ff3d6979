"""Marks that a visit's counted records changed, for the readers that derive figures."""

import uuid

from django.db import models

from kuzet.core.audit import after_chained


class VisitChange(models.Model):
    """A visit whose counted records (its stage, interviews, allegations, answers,
    recommendations) changed since the figures derived from them last caught up.

    Written by the services in the transaction of their write (``mark``: one statement, and
    one row per visit however many writes); read and deleted by whoever derives figures
    (``kuzet.dashboard.facts.facts_catch_up``), which deletes a mark only if its ``token`` is
    still the one it read, so that a write made while it was catching up stays marked.
    """

    # Not a foreign key: the mark of a deleted visit must outlive it, so that its figures go.
    visit_id = models.BigIntegerField(primary_key=True)
    token = models.UUIDField(default=uuid.uuid4)

    def __str__(self) -> str:
        return f"visit {self.visit_id} changed ({self.token})"

    @staticmethod
    def mark(visit_id: int) -> None:
        # After the audit chain's head, as every writer takes them (inside an audit batch
        # the head is taken at the batch's end).
        after_chained(
            lambda: VisitChange.objects.bulk_create(
                [VisitChange(visit_id=visit_id)],
                update_conflicts=True,
                unique_fields=["visit_id"],
                update_fields=["token"],
            ),
            key=("visits.visitchange", visit_id),
        )
