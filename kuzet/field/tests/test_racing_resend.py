"""A resend racing its own first attempt (the answer to the first was lost while it was still
committing): the second must answer like a resend (200 with the receipt) or wait for the
first — never a rule violation such as "This code was just taken".

The race is forced, not hoped for: the test holds an EXCLUSIVE lock on the submissions table
from a connection of its own, so the first attempt stops at its very last statement (storing
the submission, after the interview and the coded person) with its transaction open; the
second attempt is sent meanwhile, and the lock is released only once both wait. PostgreSQL
only: SQLite runs one writer at a time, so there the two attempts cannot interleave.
The same test then sends records from four tablets at once and checks that their audit
events, chained at the end of each transaction (``audit_batch``), form one unbroken chain.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from kuzet.core.audit import verify_chain
from kuzet.core.models import AuditHead
from kuzet.core.tests.committing import wait_until, waiting_backends
from kuzet.field.models import Submission
from kuzet.field.tests.device import Device, interview_record
from kuzet.people.models import User
from kuzet.visits.models import CodedPerson, Interview, Visit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="two writers at once need PostgreSQL"
    ),
]


@pytest.mark.usefixtures("flushable_audit_trail")
def test_a_resend_racing_its_first_attempt_gets_the_receipt_and_records_at_once_all_chain(
    visit: Visit, member: User, device_for: Callable[[User], Device]
) -> None:
    device = device_for(member)
    rec = interview_record(visit, code="R-1")
    envelope = device.seal(rec)
    replies: dict[str, Any] = {}

    def attempt(name: str) -> None:
        try:
            replies[name] = Device(token=device.token).send(rec["uuid"], envelope)
        finally:
            connections.close_all()

    first = threading.Thread(target=attempt, args=("first",))
    second = threading.Thread(target=attempt, args=("second",))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Submission._meta.db_table} IN EXCLUSIVE MODE")
        first.start()
        wait_until(
            lambda: waiting_backends() >= 1 or "first" in replies,
            "the first attempt waits to commit",
        )
        assert "first" not in replies, replies["first"].content
        second.start()
        # The second attempt has opened the envelope and waits too (behind the first's
        # locks), or has already answered.
        wait_until(
            lambda: waiting_backends() >= 2 or "second" in replies,
            "the second attempt waits behind the first",
        )
    first.join(60)
    second.join(60)

    assert replies["first"].status_code == 201, replies["first"].content
    receipt = replies["first"].json()
    assert replies["second"].status_code == 200, replies["second"].content
    assert replies["second"].json() == receipt
    assert Submission.objects.count() == 1
    assert Interview.objects.count() == 1 and CodedPerson.objects.count() == 1

    # One test only: a test with committed data empties every table when it ends, the
    # migrations' rows included, so a second such test would find no regions.
    _many_at_once(visit, device)
    _a_batch_racing_its_resend(visit, device)


def _a_batch_racing_its_resend(visit: Visit, device: Device) -> None:
    """The same batch sent twice at once (its answer lost while it was still committing):
    the second waits for the first's claim on its records and answers each like a resend."""
    records = [interview_record(visit, code=f"B-{i}") for i in range(3)]
    body = {"submissions": [{"uuid": r["uuid"], "envelope": device.seal(r)} for r in records]}
    replies: dict[str, Any] = {}

    def attempt(name: str) -> None:
        try:
            replies[name] = Device(token=device.token).post("/field/submissions/batch", body)
        finally:
            connections.close_all()

    before = Submission.objects.count()
    first = threading.Thread(target=attempt, args=("first",))
    second = threading.Thread(target=attempt, args=("second",))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Submission._meta.db_table} IN EXCLUSIVE MODE")
        first.start()
        wait_until(
            lambda: waiting_backends() >= 1 or "first" in replies,
            "the first batch waits to store its records",
        )
        assert "first" not in replies, replies["first"].content
        second.start()
        wait_until(
            lambda: waiting_backends() >= 2 or "second" in replies,
            "the second batch waits behind the first",
        )
    first.join(60)
    second.join(60)

    assert replies["first"].status_code == 200, replies["first"].content
    assert replies["second"].status_code == 200, replies["second"].content
    one, other = replies["first"].json()["results"], replies["second"].json()["results"]
    assert [r["status"] for r in one] == [201, 201, 201], one
    assert [r["status"] for r in other] == [200, 200, 200], other
    assert [r["receipt"] for r in other] == [r["receipt"] for r in one]
    assert Submission.objects.count() == before + 3
    checked, problems = verify_chain()
    assert problems == [] and checked == AuditHead.objects.get().last_id


def _many_at_once(visit: Visit, device: Device) -> None:
    """Four tablets of the team sending three records each at the same time: all stored,
    their audit events chained at the end of each transaction (audit_batch) into one
    unbroken trail."""
    batches = [[interview_record(visit, code=f"P-{n}-{i}") for i in range(3)] for n in range(4)]
    sealed = [[(rec["uuid"], device.seal(rec)) for rec in batch] for batch in batches]
    statuses: list[int] = []

    def send(items: list[tuple[str, dict[str, Any]]]) -> None:
        try:
            tablet = Device(token=device.token)
            statuses.extend(tablet.send(uuid, envelope).status_code for uuid, envelope in items)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(items,)) for items in sealed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert statuses == [201] * 12
    assert Submission.objects.count() == 13 and Interview.objects.count() == 13
    checked, problems = verify_chain()
    assert problems == [] and checked == AuditHead.objects.get().last_id
