"""Device tokens (issue, authenticate, revoke) and receiving sealed records from tablets."""

import hashlib
import json
import logging
import secrets
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel
from pydantic import ValidationError as SchemaError

from kuzet.core.access import Refused, VisitAction, audit_refusal
from kuzet.core.audit import acting_as, audit_batch, bulk_create_audited
from kuzet.core.lookups import shared_lookups
from kuzet.core.policy import Action, can
from kuzet.field import keys
from kuzet.field.models import DeviceToken, Submission
from kuzet.field.records import (
    MissingReference,
    Record,
    RecordRejected,
    apply_record,
    parse_data,
    prepare_response,
    rejected_by_schema,
)
from kuzet.people.demo import DEMO_USERNAMES
from kuzet.visits.models import Visit
from kuzet.visits.services.access import visit_access
from kuzet.visits.services.responses import NewResponse, responses_insert

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "kzt_"  # noqa: S105  (a recognisable prefix, not a secret)
# A token's "last used" time is written at most once a minute.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenRefused(Exception):
    """A bearer token that does not authenticate; ``code`` is token_invalid, token_expired
    or token_revoked."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@transaction.atomic
def device_token_issue(*, user: Any, name: str) -> tuple[DeviceToken, str]:
    """A new token for ``user``'s device: the token itself (shown once) and its row."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with acting_as(user):
        device = DeviceToken(
            user=user,
            name=" ".join(name.split())[:100],
            token_hash=token_hash(token),
            expires_at=timezone.now() + timedelta(days=settings.DEVICE_TOKEN_DAYS),
        )
        device.full_clean()
        device.save()
    return device, token


def device_token_authenticate(token: str) -> DeviceToken:
    """The active token row for ``token``; raises TokenRefused saying why not."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise TokenRefused("token_invalid")
    device = DeviceToken.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if device is None:
        raise TokenRefused("token_invalid")
    user = device.user
    if device.revoked_at is not None:
        raise TokenRefused("token_revoked")
    if device.expires_at <= timezone.now():
        raise TokenRefused("token_expired")
    if not user.is_active or (user.get_username() in DEMO_USERNAMES and not settings.DEMO):
        raise TokenRefused("token_revoked")
    now = timezone.now()
    # Kept to the minute: not one write per request of a device syncing many records.
    if device.last_used_at is None or now - device.last_used_at >= LAST_USED_PRECISION:
        DeviceToken.objects.filter(pk=device.pk).update(last_used_at=now)
        device.last_used_at = now
    return device


def may_revoke(actor: Any, device: DeviceToken) -> bool:
    return bool(device.user_id == actor.pk or can(actor, Action.MANAGE_USERS))


@transaction.atomic
def device_token_revoke(*, actor: Any, device: DeviceToken) -> DeviceToken:
    """Revoke a token (its user or an administrator); revoking twice changes nothing."""
    if not may_revoke(actor, device):
        raise PermissionDenied(_("You may not revoke this device's access."))
    device = DeviceToken.objects.select_for_update().get(pk=device.pk)
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.revoked_by = actor
        device.save(update_fields=["revoked_at", "revoked_by"])
    return device


# --- Submissions ---------------------------------------------------------------------


class SealedRecordError(Exception):
    """The envelope cannot be opened, or what it holds is not a record (HTTP 400)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SubmissionConflict(Exception):
    """The UUID is taken by different content (HTTP 409); ``stored_hash`` is given only to
    the user who sent the stored record."""

    def __init__(self, stored_hash: str | None) -> None:
        super().__init__("conflict")
        self.stored_hash = stored_hash


class VisitClosed(Exception):
    """The user may not record on the visit, or it is approved (HTTP 403); ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Envelope:
    kid: str
    key: str
    iv: str
    ct: str
    v: int = keys.ENVELOPE_VERSION

    @property
    def content_hash(self) -> str:
        return keys.content_hash(self.key, self.iv, self.ct)


def _existing(uuid: uuid_module.UUID, user: Any, digest: str) -> Submission | None:
    """The stored submission of ``uuid`` if it is this one again; raises on a conflict."""
    stored = Submission.objects.filter(uuid=uuid).first()
    if stored is None:
        return None
    if stored.user_id != user.pk:
        raise SubmissionConflict(None)
    if stored.content_hash != digest:
        raise SubmissionConflict(stored.content_hash)
    return stored


def _claim(*uuids: uuid_module.UUID) -> None:
    """Hold the records' identifiers for the rest of the transaction: a second attempt of
    the same record (a resend racing its first attempt, still committing) waits here for the
    first to commit or roll back, then finds its receipt. Several are taken in one statement,
    in the order of their keys (two batches holding the same records cannot deadlock).
    SQLite needs no lock: its write transactions (IMMEDIATE) already run one at a time."""
    if connection.vendor != "postgresql" or not uuids:
        return
    lock_keys = sorted({int.from_bytes(u.bytes[:8], signed=True) for u in uuids})
    with connection.cursor() as cursor:
        if len(lock_keys) == 1:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", lock_keys)
        else:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(k) FROM "
                "(SELECT k FROM unnest(%s::bigint[]) AS k ORDER BY k) AS keys",
                [lock_keys],
            )


def _open(uuid: uuid_module.UUID, envelope: Envelope) -> Record:
    try:
        plaintext = keys.open_envelope(
            kid=envelope.kid, key=envelope.key, iv=envelope.iv, ct=envelope.ct, v=envelope.v
        )
    except keys.EnvelopeError as error:
        raise SealedRecordError(error.code) from None
    try:
        raw = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SealedRecordError("malformed_record") from None
    if not isinstance(raw, dict):
        raise SealedRecordError("malformed_record")
    try:
        inner = uuid_module.UUID(str(raw.get("uuid")))
    except ValueError:
        inner = None
    if inner != uuid:
        raise SealedRecordError("uuid_mismatch")
    try:
        return Record.model_validate(raw)
    except SchemaError as error:
        raise rejected_by_schema(error) from None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


def _visit_for_recording(user: Any, visit_id: int) -> Visit:
    # The team and the institution come along: the record's service checks them again.
    visit = (
        Visit.objects.filter(pk=visit_id)
        .select_related("institution")
        .prefetch_related("team")
        .first()
    )
    if visit is None:
        raise VisitClosed("access_denied")
    access = visit_access(user, visit)
    try:
        access.check(VisitAction.CONDUCT)
    except Refused as refusal:
        audit_refusal(user=user, object_type="visits.visit", object_id=visit.pk, refusal=refusal)
        raise VisitClosed("access_denied") from None
    if not access.record:
        raise VisitClosed("visit_locked")
    return visit


def submission_receive(
    *, user: Any, device: DeviceToken, uuid: uuid_module.UUID, envelope: Envelope
) -> tuple[Submission, bool]:
    """Receive one sealed record: (the submission, whether it is new).

    The same UUID with the same content is the stored submission again; with other
    content a SubmissionConflict. Two attempts of one record at once are stored once: the
    second waits for the first (``_claim``) and answers with its receipt. Otherwise the envelope is opened and the record stored
    through its service, in one transaction and in the user's name. Raises
    SealedRecordError, VisitClosed, records.RecordRejected or records.MissingReference,
    having stored nothing.
    """
    digest = envelope.content_hash
    stored = _existing(uuid, user, digest)
    if stored is not None:
        return stored, False
    record = _open(uuid, envelope)
    with acting_as(user):
        visit = _visit_for_recording(user, record.visit)
        data = parse_data(record)
        try:
            with transaction.atomic(), audit_batch():
                _claim(uuid)
                # Received while this request was opening it (a resend racing the first)?
                stored = _existing(uuid, user, digest)
                if stored is not None:
                    return stored, False
                submission = _store(user, device, uuid, digest, visit, record, data)
        except IntegrityError:
            # The same record arrived twice at once: the other request stored it.
            stored = _existing(uuid, user, digest)
            if stored is None:
                raise
            return stored, False
        except RecordRejected:
            # The same record sent twice at once (a retry reaching another instance before
            # the first answer): the first stored it, and its rows made this one clash
            # ("this code was just taken"). The stored submission is the answer.
            stored = _existing(uuid, user, digest)
            if stored is None:
                raise
            return stored, False
        except PermissionDenied:
            raise VisitClosed("access_denied") from None
    return submission, True


def _store(
    user: Any,
    device: DeviceToken,
    uuid: uuid_module.UUID,
    digest: str,
    visit: Visit,
    record: Record,
    data: BaseModel,
) -> Submission:
    obj = apply_record(actor=user, visit=visit, record_type=record.type, data=data)
    submission = _submission(user, device, uuid, digest, visit, record, obj, timezone.now())
    submission.save()
    return submission


def _submission(
    user: Any,
    device: DeviceToken,
    uuid: uuid_module.UUID,
    digest: str,
    visit: Visit,
    record: Record,
    obj: Any,
    received_at: datetime,
) -> Submission:
    """The submission row (not saved) of a record that became ``obj``."""
    return Submission(
        uuid=uuid,
        user=user,
        device_token=device,
        type=record.type,
        visit=visit,
        content_hash=digest,
        received_at=received_at,
        finalized_on_device_at=_aware(record.finalized_at),
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
    )


# --- Several records in one request -----------------------------------------------------

RESPONSE = Submission.Type.RESPONSE
# Records in one batch at most (the body is limited to DATA_UPLOAD_MAX_MEMORY_SIZE too).
MAX_BATCH = 100


@dataclass
class Received:
    """What became of one record of a batch: its submission (``created``: new, else the
    stored one again), or the exception that refused it — the one the single endpoint
    would have answered with."""

    uuid: uuid_module.UUID
    submission: Submission | None = None
    created: bool = False
    error: Exception | None = None


@dataclass(frozen=True)
class _New:
    """A record of a batch, opened and ready to be stored."""

    index: int
    uuid: uuid_module.UUID
    digest: str
    visit: Visit
    record: Record
    data: BaseModel


def _again(stored: Submission, user: Any, digest: str) -> Received:
    """A record received before: its receipt again, or a conflict."""
    try:
        if stored.user_id != user.pk:
            raise SubmissionConflict(None)
        if stored.content_hash != digest:
            raise SubmissionConflict(stored.content_hash)
    except SubmissionConflict as conflict:
        return Received(stored.uuid, error=conflict)
    return Received(stored.uuid, submission=stored)


def submissions_receive(
    *, user: Any, device: DeviceToken, items: list[tuple[uuid_module.UUID, Envelope]]
) -> list[Received]:
    """Receive several sealed records at once, each as ``submission_receive`` would, in the
    order given: one result per item, in that order.

    Each record stands or falls alone: one that is refused (a broken rule, a closed visit,
    an envelope that does not open, a conflict) is left out with its reason and the others
    are stored. The new ones are stored in one transaction, in the order sent (a record may
    refer to one before it in the same batch): consecutive checklist responses together
    (``_store_responses``), the others each in a savepoint of its own; their audit events
    are chained once at its end. A record sent twice in one batch is answered the second
    time as a resend.
    """
    results: list[Received | None] = [None] * len(items)
    digests = [envelope.content_hash for _uuid, envelope in items]
    stored = {s.uuid: s for s in Submission.objects.filter(uuid__in={u for u, _e in items})}
    first: dict[uuid_module.UUID, int] = {}
    pending: list[_New] = []
    visits: dict[int, Visit | Exception] = {}
    with acting_as(user), shared_lookups():
        for index, ((uuid, envelope), digest) in enumerate(zip(items, digests, strict=True)):
            if uuid in first:
                continue  # answered after the first of them
            first[uuid] = index
            if uuid in stored:
                results[index] = _again(stored[uuid], user, digest)
                continue
            try:
                record = _open(uuid, envelope)
                if record.visit not in visits:
                    try:
                        visits[record.visit] = _visit_for_recording(user, record.visit)
                    except VisitClosed as closed:
                        visits[record.visit] = closed
                visit = visits[record.visit]
                if isinstance(visit, Exception):
                    raise visit
                pending.append(_New(index, uuid, digest, visit, record, parse_data(record)))
            except (SealedRecordError, RecordRejected, VisitClosed) as error:
                results[index] = Received(uuid, error=error)
        if pending:
            with transaction.atomic(), audit_batch():
                _claim(*(new.uuid for new in pending))
                again = {
                    s.uuid: s
                    for s in Submission.objects.filter(uuid__in=[new.uuid for new in pending])
                }
                fresh = []
                for new in pending:
                    if new.uuid in again:  # received while this batch was being opened
                        results[new.index] = _again(again[new.uuid], user, new.digest)
                    else:
                        fresh.append(new)
                for responses, group in groupby(fresh, lambda new: new.record.type == RESPONSE):
                    run = list(group)
                    store = _store_responses if responses else _store_each
                    for new, result in zip(run, store(user, device, run), strict=True):
                        results[new.index] = result
    for index, (uuid, _envelope) in enumerate(items):
        if results[index] is None:  # the same record again in this batch
            earlier = results[first[uuid]]
            assert earlier is not None
            results[index] = (
                _again(earlier.submission, user, digests[index])
                if earlier.submission is not None
                else earlier
            )
    return [result for result in results if result is not None]


def _store_each(user: Any, device: DeviceToken, records: list[_New]) -> list[Received]:
    """Store records one by one, each in a savepoint of its own."""
    results = []
    for new in records:
        try:
            with transaction.atomic():
                submission = _store(
                    user, device, new.uuid, new.digest, new.visit, new.record, new.data
                )
        except PermissionDenied:
            results.append(Received(new.uuid, error=VisitClosed("access_denied")))
        except Exception as error:
            results.append(Received(new.uuid, error=error))
        else:
            results.append(Received(new.uuid, submission=submission, created=True))
    return results


def _store_responses(user: Any, device: DeviceToken, records: list[_New]) -> list[Received]:
    """Store consecutive checklist responses together: each checked alone (one refused is
    left out with its reason), then the rest inserted in one statement per table —
    responses, their compliance marks, submissions, audit events — as ``_store`` would
    have stored each (the run's events: its responses', then its submissions'). Should
    anything else go wrong (an identifier taken meanwhile, say), the run is rolled back
    and stored record by record, where each finds out alone."""
    results: dict[int, Received] = {}
    ready: list[tuple[_New, NewResponse]] = []
    try:
        with transaction.atomic():
            for new in records:
                try:
                    prepared = prepare_response(actor=user, visit=new.visit, data=new.data)
                except PermissionDenied:
                    results[new.index] = Received(new.uuid, error=VisitClosed("access_denied"))
                except (RecordRejected, MissingReference) as error:
                    results[new.index] = Received(new.uuid, error=error)
                else:
                    ready.append((new, prepared))
            responses_insert([prepared for _new, prepared in ready])
            received_at = timezone.now()
            submissions = bulk_create_audited(
                [
                    _submission(
                        user,
                        device,
                        new.uuid,
                        new.digest,
                        new.visit,
                        new.record,
                        prepared.response,
                        received_at,
                    )
                    for new, prepared in ready
                ]
            )
    except Exception as error:
        # The class only: a database's message can quote the values of a row.
        logger.warning(
            "%d checklist records could not be stored together (%s): storing one by one",
            len(records),
            type(error).__name__,
        )
        return _store_each(user, device, records)
    for (new, _prepared), submission in zip(ready, submissions, strict=True):
        results[new.index] = Received(new.uuid, submission=submission, created=True)
    return [results[new.index] for new in records]


def receipt_of(*, user: Any, uuid: uuid_module.UUID) -> Submission | None:
    return Submission.objects.filter(uuid=uuid, user=user).first()


def receipts_of(*, user: Any, uuids: list[uuid_module.UUID]) -> dict[uuid_module.UUID, Submission]:
    """The submissions of ``user`` among ``uuids``, by UUID, in one query."""
    return {s.uuid: s for s in Submission.objects.filter(uuid__in=uuids, user=user)}
