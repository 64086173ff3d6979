"""Audit batches (``audit_batch``): the events of a transaction chained at its end, under
one lock of the head taken last — the same chain as one event at a time."""

import pytest
from django.db import IntegrityError, transaction

from kuzet.conftest import InstitutionFactory
from kuzet.core.audit import after_chained, audit_batch, verify_chain
from kuzet.core.models import AuditAction, AuditEvent, AuditHead
from kuzet.registry.models import Institution

pytestmark = pytest.mark.django_db


def test_a_batch_chains_its_events_at_its_end_leaving_out_a_rolled_back_savepoint() -> None:
    InstitutionFactory()  # an event before, written one at a time
    before = AuditHead.objects.get().last_id
    ran: list[str] = []
    with transaction.atomic(), audit_batch():
        kept = InstitutionFactory()
        assert AuditHead.objects.get().last_id == before  # nothing chained yet
        try:
            with transaction.atomic():
                gone = InstitutionFactory()
                after_chained(lambda: ran.append("rolled back"))
                raise IntegrityError("as a failed insert does")
        except IntegrityError:
            pass
        kept.capacity = 99
        kept.save()
        after_chained(lambda: ran.append("kept"))
        assert ran == []
    assert ran == ["kept"]
    head = AuditHead.objects.get()
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert [e.id for e in events] == list(range(before + 1, head.last_id + 1))
    mine = [(e.object_type, e.object_id, e.action) for e in events]
    assert ("registry.institution", str(kept.pk), AuditAction.CREATE) in mine
    assert ("registry.institution", str(kept.pk), AuditAction.UPDATE) in mine
    assert all(e.object_id != str(gone.pk) for e in events)
    assert not Institution.objects.filter(pk=gone.pk).exists()
    checked, problems = verify_chain()
    assert problems == [] and checked == head.last_id


def test_an_exception_in_a_batch_chains_nothing() -> None:
    before = AuditHead.objects.get().last_id
    with pytest.raises(ValueError), transaction.atomic(), audit_batch():
        InstitutionFactory()
        raise ValueError("the record breaks a rule")
    assert AuditHead.objects.get().last_id == before
    assert verify_chain()[1] == []
