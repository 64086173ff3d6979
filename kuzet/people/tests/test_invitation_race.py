"""Two acceptances of one invitation link at the same moment make one account.

The race is forced, not hoped for: the test holds an EXCLUSIVE lock on the users' table from
a connection of its own, so the first acceptance stops when it creates the user, with the
invitation's row locked and its transaction open; the second is sent meanwhile and must wait
for that row lock; the table is released once both wait. The second then finds the link
used. PostgreSQL only: SQLite runs one writer at a time, so the two cannot interleave.
"""

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections, transaction

from kuzet.conftest import PASSWORD
from kuzet.core.policy import Role
from kuzet.core.tests.committing import wait_until, waiting_backends
from kuzet.people.invitations import (
    PURPOSES,
    InvitationRefused,
    Purpose,
    invitation_accept,
    invitation_issue,
    register,
)
from kuzet.people.models import User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="two writers at once need PostgreSQL"
    ),
]


@pytest.fixture
def race_purpose() -> Iterator[str]:
    """A purpose of its own, about a user row: the test needs none of the migrations' data
    (a test with committed data may run after another that emptied the tables)."""
    register(
        Purpose(
            name="race-test",
            role=Role.PARTICIPANT,
            heading=lambda: "Race",
            intro=lambda invitation: "",
            user_fields=lambda invitation: {"full_name": invitation.full_name},
            accepted=lambda invitation, user: None,
            landing=lambda user: "/",
        )
    )
    yield "race-test"
    del PURPOSES["race-test"]


@pytest.mark.usefixtures("flushable_audit_trail")
def test_two_acceptances_at_once_make_one_account(race_purpose: str) -> None:
    inviter = User.objects.create_user(username="inviter", password=PASSWORD)
    invitation, token = invitation_issue(
        purpose=race_purpose, subject=inviter, days=1, full_name="Race", created_by=inviter
    )
    results: dict[str, Any] = {}

    def accept(username: str) -> None:
        try:
            results[username] = invitation_accept(
                purpose=race_purpose, token=token, username=username, password=PASSWORD
            )
        except InvitationRefused as refused:
            results[username] = refused
        finally:
            connections.close_all()

    first = threading.Thread(target=accept, args=("first-to-accept",))
    second = threading.Thread(target=accept, args=("second-to-accept",))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {User._meta.db_table} IN EXCLUSIVE MODE")
        first.start()
        wait_until(
            lambda: waiting_backends() >= 1 or "first-to-accept" in results,
            "the first acceptance waits to create its user",
        )
        assert "first-to-accept" not in results, results
        second.start()
        wait_until(
            lambda: waiting_backends() >= 2 or "second-to-accept" in results,
            "the second acceptance waits behind the first",
        )
    first.join(60)
    second.join(60)

    assert isinstance(results["first-to-accept"], User), results
    assert isinstance(results["second-to-accept"], InvitationRefused), results
    assert not User.objects.filter(username="second-to-accept").exists()
    invitation.refresh_from_db()
    assert invitation.user == results["first-to-accept"] and invitation.used_at is not None
