"""Audit batches (``audit_batch``): the events of a transaction chained at its end, under
one lock of the head taken last — the same chain as one event at a time."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from kuzet.conftest import InstitutionFactory
from kuzet.core.audit import after_chained, audit_batch, bulk_create_audited, verify_chain
from kuzet.core.models import AuditAction, AuditEvent, AuditHead
from kuzet.recommendations.models import Addressee
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


def _unsaved_addressees(count: int) -> list[Addressee]:
    return [
        Addressee(code=f"bulk-{uuid.uuid4().hex[:12]}", name_ru="Акимат", kind="akimat")
        for _ in range(count)
    ]


def _created_event(addressee: Addressee) -> tuple[list[str], dict[str, object]]:
    event = AuditEvent.objects.get(
        object_type="recommendations.addressee",
        object_id=str(addressee.pk),
        action=AuditAction.CREATE,
    )
    # What differs between two addressees made alike: the id and the code.
    return sorted(event.fields), {k: v for k, v in event.values.items() if k not in ("id", "code")}


@pytest.mark.parametrize("batched", [False, True], ids=["alone", "in a batch"])
def test_rows_created_together_get_the_events_their_saves_would_have(batched: bool) -> None:
    """``bulk_create_audited`` inserts the rows in one statement and writes, in the order
    given, the very CREATE events their ``save()`` would have written."""
    saved, together = _unsaved_addressees(1), _unsaved_addressees(3)
    saved[0].save()
    before = AuditHead.objects.get().last_id
    with transaction.atomic():
        if batched:
            with audit_batch():
                created = bulk_create_audited(together)
        else:
            created = bulk_create_audited(together)
    assert created == together and all(a.pk is not None for a in created)
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert [(e.object_id, e.action) for e in events] == [
        (str(a.pk), AuditAction.CREATE) for a in together
    ]
    assert _created_event(together[0]) == _created_event(saved[0])
    assert "name_ru" in _created_event(saved[0])[1]
    assert verify_chain()[1] == []


def test_rows_created_together_in_a_savepoint_rolled_back_leave_no_event() -> None:
    before = AuditHead.objects.get().last_id
    with transaction.atomic(), audit_batch():
        kept = bulk_create_audited(_unsaved_addressees(2))
        with pytest.raises(IntegrityError), transaction.atomic():
            bulk_create_audited(_unsaved_addressees(2))
            raise IntegrityError("as a clash of the insert does")
    events = AuditEvent.objects.filter(id__gt=before).order_by("id")
    assert [e.object_id for e in events] == [str(a.pk) for a in kept]
    assert Addressee.objects.filter(pk__in=[a.pk for a in kept]).count() == 2
    assert verify_chain()[1] == []


def test_a_model_that_computes_fields_in_its_save_is_not_created_together() -> None:
    """Institution.save() derives its search keys: inserted without it they would be wrong."""
    institutions, head = Institution.objects.count(), AuditHead.objects.get().last_id
    with pytest.raises(TypeError, match="Institution"), transaction.atomic():
        bulk_create_audited([InstitutionFactory.build()])
    assert Institution.objects.count() == institutions
    assert AuditHead.objects.get().last_id == head


def test_rows_of_two_models_are_not_created_together() -> None:
    head = AuditHead.objects.get().last_id
    with pytest.raises(TypeError, match="one model"), transaction.atomic():
        bulk_create_audited([*_unsaved_addressees(1), InstitutionFactory.build()])
    assert AuditHead.objects.get().last_id == head
    assert not Addressee.objects.filter(code__startswith="bulk-").exists()
