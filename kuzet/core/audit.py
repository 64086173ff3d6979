"""Writing and verifying the audit trail.

Domain models inherit ``AuditedModel``: their ``save()`` and ``delete()`` append an event in
the same transaction, with the acting user taken from ``current_actor`` (set per request by
``AuditActorMiddleware`` and in commands by ``acting_as``). Queryset ``update()``,
``bulk_create()`` and cascading deletes do not pass through ``save()``/``delete()``: domain
code uses service functions that save row by row (or ``bulk_create_audited``, which writes
the events ``save()`` would have), and foreign keys between audited models are ``PROTECT``.

Anchors copy the chain's head (id, hash, time, signed with the audit key) to an
append-only log outside the database, so that cutting the newest events and moving the
head back is detected too (``verify_anchors``).
"""

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from kuzet.core.models import GENESIS_HASH, AuditAction, AuditEvent, AuditHead

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    id: int | None
    username: str


SYSTEM = Actor(id=None, username="system")
# An actor, or a function giving one: a request's user changes when it signs in.
_current_actor: ContextVar[Actor | Callable[[], Actor]] = ContextVar(
    "kuzet_audit_actor", default=SYSTEM
)


def actor_of(user: Any) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM
    return Actor(id=user.pk, username=user.get_username())


def current_actor() -> Actor:
    actor = _current_actor.get()
    return actor if isinstance(actor, Actor) else actor()


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Attribute the audit events written inside the block to ``user``."""
    token = _current_actor.set(user if isinstance(user, Actor) else actor_of(user))
    try:
        yield
    finally:
        _current_actor.reset(token)


@contextmanager
def acting_for_request(request: Any) -> Iterator[None]:
    """Attribute events to whoever ``request.user`` is when each is written."""
    token = _current_actor.set(lambda: actor_of(getattr(request, "user", None)))
    try:
        yield
    finally:
        _current_actor.reset(token)


@dataclass
class _Batch:
    """The events (and deferred writes) of an ``audit_batch`` block, each with the marker it
    registered with ``on_commit``: Django drops the markers of a savepoint rolled back, which
    tells which of them still stand."""

    items: list[tuple[Callable[[], None], AuditEvent | Callable[[], object]]]
    # The ``key`` given to ``after_chained`` for a deferred write, by the write's id.
    keys: dict[int, object] = field(default_factory=dict)


_current_batch: ContextVar[_Batch | None] = ContextVar("kuzet_audit_batch", default=None)


def _marker() -> Callable[[], None]:
    def marker() -> None:
        """Registered with on_commit; does nothing when it runs."""

    transaction.on_commit(marker)
    return marker


@contextmanager
def audit_batch() -> Iterator[None]:
    """Chain the events written inside the block together, at its end.

    Inside a transaction (the caller's ``atomic``), audited writes in the block do not take
    the chain's head when they write their row: their events are kept and, when the block
    ends without an exception, chained and inserted in one statement under one lock of the
    head taken last — held from there to the commit only, instead of from the first write.
    Writes passed to ``after_chained`` (marks that other writers also take after the head)
    run after it, so every writer still locks in the order head, then shared rows. Events of
    a savepoint rolled back inside the block are left out, as their rows are. The chain is
    the same as without a batch: consecutive ids, each event linked to the one before.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_batch() needs a transaction")
    if _current_batch.get() is not None:
        yield  # already batching: the outer block chains these too
        return
    batch = _Batch(items=[])
    token = _current_batch.set(batch)
    try:
        yield
    finally:
        _current_batch.reset(token)
    _chain(batch)


def _chain(batch: _Batch) -> None:
    connection = transaction.get_connection()
    standing = {id(func) for _sids, func, _robust in connection.run_on_commit}
    items = [item for marker, item in batch.items if id(marker) in standing]
    events = [item for item in items if isinstance(item, AuditEvent)]
    if events:
        head = lock_head()
        now = timezone.now()
        for event in events:
            event.id = head.last_id + 1
            event.occurred_at = now
            event.prev_hash = head.last_hash
            event.hash = event.compute_hash()
            head.last_id, head.last_hash = event.id, event.hash
        AuditEvent.objects.bulk_create(events)
        head.save(update_fields=["last_id", "last_hash"])
    done: set[object] = set()
    for item in items:
        if not isinstance(item, AuditEvent):
            key = batch.keys.get(id(item))
            if key is not None:
                if key in done:
                    continue  # the same write already made (the visit marked once)
                done.add(key)
            item()


def after_chained(write: Callable[[], object], *, key: object = None) -> None:
    """Run ``write`` now, or, inside an ``audit_batch``, after the batch's events are chained
    (under the head's lock), unless its savepoint is rolled back meanwhile. Writes with the
    same ``key`` (not None) are the same write: inside a batch only the first that still
    stands runs."""
    batch = _current_batch.get()
    if batch is None:
        write()
    else:
        batch.items.append((_marker(), write))
        if key is not None:
            batch.keys[id(write)] = key


def _lock_head_unless_batched() -> None:
    if _current_batch.get() is None:
        lock_head()


def _own_savepoint() -> bool:
    """Whether an audited write needs a savepoint of its own around its row and its event.

    Outside an ``audit_batch`` it does: the event is written (head locked, row inserted)
    with the row, and a caller catching the write's error must find neither. Inside a batch
    the event is only kept in memory, tied to the enclosing savepoint (its ``on_commit``
    marker), so the caller's savepoint already undoes both; without one of its own, an error
    marks the enclosing atomic block for rollback (``atomic(savepoint=False)``): a caller
    that catches it without a savepoint of its own gets TransactionManagementError on its
    next query instead of carrying on silently. Saves 2 statements per audited row."""
    return _current_batch.get() is None


def lock_head() -> AuditHead:
    """Take the audit chain's lock (the head row) for the rest of the transaction.

    Audited writes take it *before* touching their own row, so that every writer locks in
    the same order and two transactions cannot deadlock on the row and the head.
    """
    return AuditHead.objects.select_for_update().get(pk=1)


def audit_append(
    *,
    action: AuditAction,
    object_type: str = "",
    object_id: str = "",
    fields: list[str] | None = None,
    values: dict[str, list[str | None]] | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Append one event to the chain; serialised on the head row (inside an ``audit_batch``,
    kept and chained at the block's end: the event returned has no id yet)."""
    who = actor or current_actor()
    batch = _current_batch.get()
    if batch is not None:
        # Chained (id, time, hashes) when the batch ends.
        event = AuditEvent(
            actor_id=who.id,
            actor_username=who.username[:150],
            action=action,
            object_type=object_type,
            object_id=object_id[:64],
            fields=fields or [],
            values=values or {},
        )
        batch.items.append((_marker(), event))
        return event
    with transaction.atomic():
        head = lock_head()
        event = AuditEvent(
            id=head.last_id + 1,
            occurred_at=timezone.now(),
            actor_id=who.id,
            actor_username=who.username[:150],
            action=action,
            object_type=object_type,
            object_id=object_id[:64],
            fields=fields or [],
            values=values or {},
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.last_id = event.id
        head.last_hash = event.hash
        head.save(update_fields=["last_id", "last_hash"])
    return event


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


class AuditedModel(models.Model):
    """A model whose creations, changes and deletions are written to the audit trail.

    ``audit_sensitive_fields`` names fields (attnames) whose values never enter the log;
    only the fact that they changed does. ``audit_derived_fields`` are left out entirely.
    """

    audit_sensitive_fields: ClassVar[frozenset[str]] = frozenset()
    # Fields computed from others (search keys): not worth a line in the trail.
    audit_derived_fields: ClassVar[frozenset[str]] = frozenset()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        update_fields = kwargs.get("update_fields")
        with transaction.atomic(savepoint=_own_savepoint()):
            _lock_head_unless_batched()
            # Compare with the row as stored now, not as it was when this object was
            # loaded: another user may have changed it since.
            before: dict[str, Any] = {}
            if not adding and self.pk is not None:
                stored = (
                    type(self)
                    ._base_manager.select_for_update()
                    .filter(pk=self.pk)
                    .values(*self._audit_snapshot())
                    .first()
                )
                adding = stored is None
                before = stored or {}
            super().save(*args, **kwargs)
            self._audit_saved(before, adding, update_fields)

    def _audit_saved(
        self, before: dict[str, Any], adding: bool, update_fields: Iterable[str] | None = None
    ) -> None:
        """Append the event of this row's save: created, or the fields that changed from
        ``before`` (the row as stored before the save)."""
        after = self._audit_snapshot()
        if update_fields is not None and not adding:
            names = {getattr(self._meta.get_field(f), "attname", f) for f in update_fields}
            after = {k: v for k, v in after.items() if k in names}
        if adding:
            changed = [k for k, v in after.items() if v not in (None, "")]
        else:
            changed = [k for k, v in after.items() if _as_text(before.get(k)) != _as_text(v)]
        if adding or changed:
            audit_append(
                action=AuditAction.CREATE if adding else AuditAction.UPDATE,
                object_type=self._audit_label(),
                object_id=str(self.pk),
                fields=changed,
                values={
                    k: [_as_text(before.get(k)), _as_text(after[k])]
                    for k in changed
                    if k not in self._audit_unlogged_values()
                },
            )

    def set_related(self, name: str, objects: list[Any]) -> None:
        """Set a many-to-many field and record it: such changes do not pass through save()."""
        with transaction.atomic():
            getattr(self, name).set(objects)
            audit_append(
                action=AuditAction.UPDATE,
                object_type=self._audit_label(),
                object_id=str(self.pk),
                fields=[name],
            )

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        pk = self.pk
        with transaction.atomic(savepoint=_own_savepoint()):
            _lock_head_unless_batched()
            result = super().delete(*args, **kwargs)
            audit_append(
                action=AuditAction.DELETE, object_type=self._audit_label(), object_id=str(pk)
            )
        return result

    @classmethod
    def _audit_unlogged_values(cls) -> frozenset[str]:
        """Sensitive fields, and every encrypted field, whatever the model says."""
        from kuzet.core.crypto import EncryptedTextField

        encrypted = {
            f.attname for f in cls._meta.concrete_fields if isinstance(f, EncryptedTextField)
        }
        return cls.audit_sensitive_fields | encrypted

    def _audit_snapshot(self) -> dict[str, Any]:
        return {
            f.attname: getattr(self, f.attname)
            for f in self._meta.concrete_fields
            if f.attname not in self.audit_derived_fields
        }

    def _audit_label(self) -> str:
        return self._meta.label_lower


AuditedModelT = TypeVar("AuditedModelT", bound=AuditedModel)


def bulk_create_audited(objects: list[AuditedModelT]) -> list[AuditedModelT]:
    """Insert new rows of one audited model in one statement, with the events their
    ``save()`` would have written (one CREATE each, the same fields and values), in the
    order given.

    For services that store many rows at once (a batch of records from a tablet), of
    models whose ``save()`` is ``AuditedModel``'s (one that derives fields is refused:
    TypeError). Signals are not sent, as with ``bulk_create``; the rows must get
    their ids back from the insert (PostgreSQL, SQLite 3.35+), which is checked. Outside an
    ``audit_batch`` the chain's head is locked first, as ``save()`` does.
    """
    if not objects:
        return objects
    model = type(objects[0])
    if any(type(obj) is not model for obj in objects):
        raise TypeError("bulk_create_audited inserts rows of one model at a time")
    if model.save is not AuditedModel.save:
        # Its save() does more than write (derives fields, say): the rows would differ.
        raise TypeError(f"{model.__name__} has a save() of its own: save its rows one by one")
    with transaction.atomic(savepoint=_own_savepoint()):
        _lock_head_unless_batched()
        created = model._default_manager.bulk_create(objects)
        if any(obj.pk is None for obj in created):
            raise RuntimeError("bulk_create_audited needs a database that returns new ids")
        for obj in created:
            obj._audit_saved({}, adding=True)
    return created


@dataclass(frozen=True)
class ChainProblem:
    event_id: int | None
    message: str


def verify_chain(*, batch_size: int = 2000) -> tuple[int, list[ChainProblem]]:
    """Walk the chain up to its head; return the number of events checked and every problem.

    The head is read first, so events appended while the walk runs are not mistaken for
    tampering; they are checked next time.
    """
    head = AuditHead.objects.get(pk=1)
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    last_seen: AuditEvent | None = None
    events = AuditEvent.objects.filter(id__lte=head.last_id).order_by("id")
    for event in events.iterator(chunk_size=batch_size):
        checked += 1
        if event.id != expected_id:
            problems.append(
                ChainProblem(
                    event.id, f"expected event #{expected_id} here; events are missing or inserted"
                )
            )
        if event.prev_hash != expected_prev:
            problems.append(
                ChainProblem(
                    event.id,
                    "does not link to the event before it (an event was removed or inserted)",
                )
            )
        if event.compute_hash() != event.hash:
            problems.append(
                ChainProblem(event.id, "content does not match its hash (the event was changed)")
            )
        expected_prev = event.hash
        expected_id = event.id + 1
        last_seen = event
    last_id = last_seen.id if last_seen else 0
    last_hash = last_seen.hash if last_seen else GENESIS_HASH
    if head.last_id != last_id or head.last_hash != last_hash:
        problems.append(
            ChainProblem(
                None,
                f"the chain ends at event #{last_id} but its head records #{head.last_id} "
                "(newest events were removed, or the head was changed)",
            )
        )
    return checked, problems


# --- anchors: the head copied outside the database ---

# Signed apart from event hashes: an anchor line can never pass for an event, or back.
_ANCHOR_CONTEXT = b"kuzet-audit-anchor\n"


@dataclass(frozen=True)
class Anchor:
    """The chain's head at one moment: the newest event's id and hash."""

    event_id: int
    hash: str
    anchored_at: str  # ISO 8601, UTC

    def signature(self) -> str:
        canonical = json.dumps(
            {"id": self.event_id, "hash": self.hash, "at": self.anchored_at},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hmac.new(
            settings.AUDIT_KEY, _ANCHOR_CONTEXT + canonical.encode("utf-8"), hashlib.sha256
        ).hexdigest()

    def line(self) -> str:
        """One line of the anchor log (JSON, no newline)."""
        return json.dumps(
            {
                "id": self.event_id,
                "hash": self.hash,
                "at": self.anchored_at,
                "sig": self.signature(),
            },
            separators=(",", ":"),
        )


class AnchorNotMailed(Exception):
    """The anchor is in the log, but mailing it failed (the cause says how)."""

    def __init__(self, anchor: Anchor) -> None:
        self.anchor = anchor
        super().__init__(f"anchor of event #{anchor.event_id} written but not mailed")


def _append_line(path: Path, line: str) -> None:
    """Append one line and wait until it is on disk.

    ``O_APPEND`` is also the only way to write a file marked append-only (``chattr +a``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (line + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        if os.write(fd, data) != len(data):
            raise OSError("short write to the audit anchor log")
        os.fsync(fd)
    finally:
        os.close(fd)


def audit_anchor() -> Anchor:
    """Write the chain's current head to the anchor log (``KUZET_AUDIT_ANCHOR_FILE``) and
    mail it to ``KUZET_AUDIT_ANCHOR_EMAILS``. Raises ``OSError`` if the log cannot be
    written, ``AnchorNotMailed`` if the mail fails.

    Call it outside a transaction that may still roll back: the anchor must name a
    committed event.
    """
    head = AuditHead.objects.get(pk=1)
    anchor = Anchor(
        event_id=head.last_id,
        hash=head.last_hash,
        anchored_at=timezone.now().isoformat(timespec="seconds"),
    )
    _append_line(Path(settings.AUDIT_ANCHOR_FILE), anchor.line())
    if settings.AUDIT_ANCHOR_EMAILS:
        with translation.override(settings.LANGUAGE_CODE):
            subject = gettext("Kuzet audit anchor: event #%(id)s") % {"id": anchor.event_id}
            body = gettext(
                "The newest event of Kuzet's audit trail when this message was sent. Keep "
                "this message: the line below lets the trail be checked later "
                "(manage.py verify_audit --anchors) for newest events that were removed."
            )
        try:
            send_mail(subject, f"{body}\n\n{anchor.line()}\n", None, settings.AUDIT_ANCHOR_EMAILS)
        except Exception as exc:
            raise AnchorNotMailed(anchor) from exc
    return anchor


def audit_anchor_or_log() -> Anchor | None:
    """``audit_anchor()`` for callers whose own work must not fail with it (a report)."""
    try:
        return audit_anchor()
    except AnchorNotMailed as exc:
        # The class only: a mail server's refusal can quote addresses.
        logger.error(
            "audit anchor of event #%s written but not mailed: %s",
            exc.anchor.event_id,
            type(exc.__cause__).__name__,
        )
        return exc.anchor
    except Exception as exc:
        logger.error("audit anchor not written: %s", type(exc).__name__)
        return None


@dataclass(frozen=True)
class AnchorProblem:
    line: int
    event_id: int | None
    message: str


def _parse_anchor(text: str) -> tuple[Anchor, str]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    event_id, hash_, at, sig = data["id"], data["hash"], data["at"], data["sig"]
    if not (
        isinstance(event_id, int)
        and not isinstance(event_id, bool)
        and all(isinstance(v, str) for v in (hash_, at, sig))
    ):
        raise ValueError("wrong field types")
    return Anchor(event_id=event_id, hash=hash_, anchored_at=at), sig


def verify_anchors(lines: Iterable[str]) -> tuple[int, list[AnchorProblem]]:
    """Check anchor log lines against the chain; return the number of anchors read and
    every problem: a line that does not parse or whose signature fails, an anchored
    event beyond the head or missing, or one whose hash differs from the anchored one.
    """
    head = AuditHead.objects.get(pk=1)
    problems: list[AnchorProblem] = []
    count = 0
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        count += 1
        try:
            anchor, signature = _parse_anchor(text)
        except (ValueError, KeyError):
            problems.append(AnchorProblem(number, None, "not an anchor line (unreadable)"))
            continue
        # As bytes: compare_digest refuses str with non-ASCII characters (a forged line's).
        if not hmac.compare_digest(signature.encode("utf-8"), anchor.signature().encode()):
            problems.append(
                AnchorProblem(
                    number,
                    anchor.event_id,
                    "signature does not verify: the line was forged or altered "
                    "(or signed under another audit key)",
                )
            )
            continue
        where = f"anchored at {anchor.anchored_at}"
        if anchor.event_id > head.last_id:
            problems.append(
                AnchorProblem(
                    number,
                    anchor.event_id,
                    f"{where} but the chain's head is event #{head.last_id}: "
                    "newest events were removed and the head moved back",
                )
            )
            continue
        if anchor.event_id == 0:
            stored: str | None = GENESIS_HASH
        else:
            stored = (
                AuditEvent.objects.filter(id=anchor.event_id).values_list("hash", flat=True).first()
            )
        if stored is None:
            problems.append(
                AnchorProblem(number, anchor.event_id, f"{where} but missing from the chain")
            )
        elif stored != anchor.hash:
            problems.append(
                AnchorProblem(
                    number,
                    anchor.event_id,
                    f"{where} with hash {anchor.hash[:16]}… but the chain holds "
                    f"{stored[:16]}… at that id: the event was replaced or the chain rewritten",
                )
            )
    return count, problems
