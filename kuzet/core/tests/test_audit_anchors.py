"""Anchors copy the audit chain's head outside the database: removing the newest events and
moving the head back is caught by them; the database refuses replacing inserts."""

import hashlib
import hmac
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from kuzet.conftest import InstitutionFactory
from kuzet.core.models import AuditEvent, AuditHead

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchor_file(tmp_path: Path, settings: Any) -> Path:
    settings.AUDIT_ANCHOR_FILE = tmp_path / "anchors" / "audit-anchors.jsonl"
    settings.AUDIT_ANCHOR_EMAILS = []
    return settings.AUDIT_ANCHOR_FILE  # type: ignore[no-any-return]


def make_events(count: int) -> list[int]:
    for _ in range(count):
        InstitutionFactory()
    return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


def anchor_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def cut_newest_events(count: int) -> int:
    """What an attacker with database access does: drop the append-only triggers, delete
    the newest events and move the head back to the one before them, consistently."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")
    newest = list(AuditEvent.objects.order_by("-id")[: count + 1])
    AuditEvent.objects.filter(id__in=[e.id for e in newest[:count]]).delete()
    kept = newest[count]
    AuditHead.objects.filter(pk=1).update(last_id=kept.id, last_hash=kept.hash)
    return kept.id


def anchor() -> None:
    call_command("anchor_audit", stdout=StringIO())


def verify(*args: str) -> tuple[bool, str]:
    """Run verify_audit; return whether it passed and what it wrote to stderr."""
    err = StringIO()
    try:
        call_command("verify_audit", *args, stdout=StringIO(), stderr=err)
    except CommandError:
        return False, err.getvalue()
    return True, err.getvalue()


def test_an_anchor_records_the_head_signed_with_the_audit_key(anchor_file: Path) -> None:
    make_events(3)
    anchor()
    make_events(2)
    anchor()
    first, second = anchor_lines(anchor_file)
    head = AuditHead.objects.get(pk=1)
    assert (second["id"], second["hash"]) == (head.last_id, head.last_hash)
    assert isinstance(first["id"], int) and first["id"] < second["id"]
    for line in (first, second):
        canonical = json.dumps(
            {"id": line["id"], "hash": line["hash"], "at": line["at"]},
            sort_keys=True,
            separators=(",", ":"),
        )
        expected = hmac.new(
            settings.AUDIT_KEY, b"kuzet-audit-anchor\n" + canonical.encode(), hashlib.sha256
        ).hexdigest()
        assert line["sig"] == expected
    assert anchor_file.stat().st_mode & 0o022 == 0  # only its owner may write it


def test_an_anchor_is_mailed_when_addresses_are_configured(
    anchor_file: Path, settings: Any
) -> None:
    settings.AUDIT_ANCHOR_EMAILS = ["council@example.kz", "chair@example.kz"]
    make_events(1)
    anchor()
    (message,) = mail.outbox
    assert message.to == ["council@example.kz", "chair@example.kz"]
    line = anchor_file.read_text(encoding="utf-8").strip()
    assert line in message.body
    # In the site's language (Russian here), like every message Kuzet sends.
    assert (
        message.subject
        == f"Якорь журнала аудита Kuzet: событие №{AuditHead.objects.get(pk=1).last_id}"
    )


def test_an_unwritable_anchor_log_fails_the_command(tmp_path: Path, settings: Any) -> None:
    (tmp_path / "a-file").write_text("")
    settings.AUDIT_ANCHOR_FILE = tmp_path / "a-file" / "audit-anchors.jsonl"
    with pytest.raises(CommandError, match="cannot write the anchor log"):
        call_command("anchor_audit")


def test_an_intact_chain_verifies_against_its_anchors(anchor_file: Path) -> None:
    make_events(3)
    anchor()
    make_events(2)
    anchor()
    make_events(1)
    out = StringIO()
    call_command("verify_audit", "--anchors", str(anchor_file), stdout=out)
    assert "2 anchors match" in out.getvalue()


def test_cut_newest_events_are_caught_by_an_anchor_and_not_without(anchor_file: Path) -> None:
    make_events(5)
    anchor()
    anchored = AuditHead.objects.get(pk=1).last_id
    new_head = cut_newest_events(2)

    # The documented limit: the chain alone is consistent after the cut.
    assert verify() == (True, "")

    passed, errors = verify("--anchors", str(anchor_file))
    assert not passed
    assert f"anchor line 1, event #{anchored}:" in errors
    assert f"the chain's head is event #{new_head}" in errors


def test_a_tail_rewritten_past_the_anchor_is_caught_by_its_hash(anchor_file: Path) -> None:
    make_events(5)
    anchor()
    anchored = AuditHead.objects.get(pk=1).last_id
    cut_newest_events(2)
    make_events(3)  # the application appends again, past the anchored id
    assert verify() == (True, "")

    passed, errors = verify("--anchors", str(anchor_file))
    assert not passed
    assert f"anchor line 1, event #{anchored}:" in errors
    assert "the event was replaced or the chain rewritten" in errors


def test_a_forged_or_unreadable_anchor_line_is_reported(anchor_file: Path) -> None:
    make_events(3)
    anchor()
    genuine = anchor_lines(anchor_file)[0]
    # After cutting the tail, an attacker rewrites the anchor to the new head.
    new_head = cut_newest_events(1)
    forged = {**genuine, "id": new_head, "hash": AuditHead.objects.get(pk=1).last_hash}
    odd = {**genuine, "sig": "подпись"}
    anchor_file.write_text(
        f"{json.dumps(forged)}\nnot json\n{json.dumps(odd, ensure_ascii=False)}\n",
        encoding="utf-8",
    )

    passed, errors = verify("--anchors", str(anchor_file))
    assert not passed
    assert f"anchor line 1, event #{new_head}: signature does not verify" in errors
    assert "anchor line 2: not an anchor line" in errors
    assert f"anchor line 3, event #{genuine['id']}: signature does not verify" in errors


def test_a_missing_anchor_log_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read the anchor log"):
        call_command("verify_audit", "--anchors", str(tmp_path / "none.jsonl"))


# --- the database refuses inserts that would replace an event ---

COLUMNS = (
    'id, occurred_at, actor_id, actor_username, action, object_type, object_id, "fields", '
    '"values", prev_hash, hash'
)


def _stored(event_id: int) -> tuple[str, str]:
    event = AuditEvent.objects.get(id=event_id)
    return event.actor_username, event.hash


@pytest.mark.skipif(connection.vendor != "sqlite", reason="REPLACE exists only on SQLite")
@pytest.mark.parametrize("conflict_on", ["id", "hash"])
def test_insert_or_replace_is_refused_on_sqlite(conflict_on: str) -> None:
    ids = make_events(3)
    target = AuditEvent.objects.get(id=ids[1])
    new_id = target.id if conflict_on == "id" else ids[-1] + 1
    new_hash = "f" * 64 if conflict_on == "id" else target.hash
    before = list(AuditEvent.objects.order_by("id").values_list("id", "actor_username", "hash"))
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT OR REPLACE INTO core_auditevent ({COLUMNS}) VALUES "  # noqa: S608
            "(%s, CURRENT_TIMESTAMP, NULL, 'mallory', 'update', '', '', '[]', '{}', %s, %s)",
            [new_id, target.prev_hash, new_hash],
        )
    after = list(AuditEvent.objects.order_by("id").values_list("id", "actor_username", "hash"))
    assert after == before


def test_an_upsert_onto_an_event_is_refused() -> None:
    ids = make_events(2)
    before = _stored(ids[0])
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"INSERT INTO core_auditevent ({COLUMNS}) VALUES "  # noqa: S608
            "(%s, CURRENT_TIMESTAMP, NULL, 'mallory', 'update', '', '', '[]', '{}', %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET actor_username = 'mallory'",
            [ids[0], "0" * 64, "f" * 64],
        )
    assert _stored(ids[0]) == before
