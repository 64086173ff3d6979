"""Helpers for tests whose data is committed (``django_db(transaction=True)``): two
writers at once on PostgreSQL, or a migration run forwards on real rows.

``flushable_audit_trail`` is a fixture (shared through ``kuzet/conftest.py``); the others
are plain functions the tests call."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_migrate

from kuzet.core.models import AuditHead


def _restore_head(**kwargs: Any) -> None:
    AuditHead.objects.get_or_create(pk=1)


@pytest.fixture
def flushable_audit_trail(transactional_db: None) -> Iterator[None]:
    """A test with committed data ends with a flush (TRUNCATE) of every table, which the
    audit trail's append-only trigger refuses on PostgreSQL: the flush runs with triggers
    off on its own connection (closed after it), and the chain's head row, created by a
    migration, is put back by the flush's post_migrate signal. pytest-django runs such
    tests after all the others, so no test sees the trail emptied."""
    post_migrate.connect(_restore_head, dispatch_uid="kuzet-tests-audit-head")
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


def waiting_backends() -> int:
    """How many other PostgreSQL connections of this database wait for a lock."""
    with connection.cursor() as cursor:
        # Inside a transaction the activity view is a snapshot unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)
