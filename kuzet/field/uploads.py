"""Resumable uploads of media evidence: the state behind the tus endpoint (``field/tus.py``).

State lives in the database (``Upload``, ``UploadChunk``), so an upload survives a restart
and any app server can take the next chunk; bytes live only in the evidence's storage. Each
accepted PATCH is streamed in (constant memory) and recorded in the same transaction that
moves the offset on, by compare-and-set (two requests racing at one offset: one wins, the
other's bytes are not counted). The last chunk completes the upload: the whole-file SHA-256
is computed from what was stored and checked against the device's, then the file becomes an
item of evidence through ``visits.services.media`` (its rules, its chain of custody), in the
transaction that moves the offset to the end. Until that commits nothing is evidence.

Two ways of keeping the bytes, by storage:

* Django's ``FileSystemStorage`` (the default): one file per upload, each chunk written at
  its offset as it arrives; at completion the file is read once to hash it and becomes the
  evidence file by a hard link, not a copy (``_append_in_place``). Each byte is written once
  and hashed once (plus the client's own ``Upload-Checksum`` of its chunk, when sent).
* Any other storage (an object store has no append and no rename): each chunk one object
  ``uploads/<id>/<offset>-<random>``; at completion the objects are read in order and
  written as one evidence file while it is hashed.

Why the SHA-256 is computed at completion rather than carried across PATCHes: hashlib's
state cannot be stored between requests (another process may take the next chunk), and
SHA-256 of chunks does not compose into the file's. Reading the file once more costs little
next to receiving it, and it hashes what was stored, not what was received.
"""

import contextlib
import fcntl
import hashlib
import logging
import os
import secrets
import time
import uuid as uuid_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.audit import acting_as
from kuzet.field.models import DeviceToken, Submission, Upload, UploadChunk
from kuzet.field.services import VisitClosed, _visit_for_recording
from kuzet.visits.models import Finding, Interview, MediaEvidence, Visit
from kuzet.visits.services.media import (
    HEAD_BYTES,
    media_add_stored,
    media_check,
    media_stored_name,
)

logger = logging.getLogger(__name__)
# Bytes read from a request or a stored chunk at a time.
READ_SIZE = 1024 * 1024


# --- Refusals: what went wrong, in the upload's terms (``field/tus.py`` answers them) ----


class UploadError(Exception):
    """An upload refused; the subclass says why. None holds a value that could name a person.
    A visit the user may not record on (or an approved one) is ``VisitClosed``."""


class UploadNotFound(UploadError):
    """No upload (nor item of evidence) of this user under this identifier."""


class UploadExpired(UploadError):
    """The upload was not finished in time; it must be started again."""


class UploadConflict(UploadError):
    """Another item was uploaded under this identifier; ``stored_hash`` is given only to the
    user who uploaded it."""

    def __init__(self, stored_hash: str | None = None) -> None:
        super().__init__()
        self.stored_hash = stored_hash


class UploadInvalid(UploadError):
    """The item breaks a rule of evidence: the ``errors``, by field where known."""

    def __init__(
        self, errors: list[str], fields: dict[str, list[str]] | None = None, detail: str = ""
    ) -> None:
        super().__init__()
        self.errors, self.fields, self.detail = errors, fields or {}, detail

    @classmethod
    def from_validation(cls, error: ValidationError) -> "UploadInvalid":
        fields: dict[str, list[str]] = error.message_dict if hasattr(error, "error_dict") else {}
        return cls(list(error.messages), fields, detail=" ".join(error.messages))


class RecordNotReceived(UploadError):
    """The item is linked to a record the server has not received yet."""

    def __init__(self, record: uuid_module.UUID) -> None:
        super().__init__()
        self.record = record


class UploadTooLarge(UploadError):
    """The file is larger than the limit, ``max_bytes`` (``KUZET_MEDIA_MAX_BYTES``)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__()
        self.max_bytes = max_bytes


class EvidenceImmutable(UploadError):
    """The upload is finished: it is evidence, which is never deleted."""


class OffsetMismatch(UploadError):
    """The chunk does not start where the upload stands (``offset``)."""

    def __init__(self, offset: int) -> None:
        super().__init__()
        self.offset = offset


class PastUploadLength(UploadError):
    """The chunk goes past the length announced at creation."""


class IncompleteChunk(UploadError):
    """A chunk sent with a checksum arrived cut short; nothing of it was kept."""


class ChecksumMismatch(UploadError):
    """A chunk's bytes do not match its ``Upload-Checksum``; nothing of it was kept."""


class HashMismatch(UploadError):
    """The whole file's SHA-256 is not the one the device recorded; nothing was stored."""

    def __init__(self, *, expected: str, received: str) -> None:
        super().__init__()
        self.expected, self.received = expected, received


class StorageUnavailable(UploadError):
    """The storage refused to write the bytes."""


@dataclass(frozen=True)
class UploadMeta:
    """What ``Upload-Metadata`` says about the item (checked for form by the endpoint)."""

    visit_id: int
    sha256: str
    kind: str = ""
    filename: str = ""
    filetype: str = ""
    captured_at: datetime | None = None
    device: str = ""
    record: uuid_module.UUID | None = None
    appeal_consent: dict[str, Any] | None = None
    # From a web page (which links records by their number, not a synced record's UUID).
    finding_id: int | None = None
    interview_id: int | None = None
    description: str = ""


@dataclass(frozen=True)
class UploadState:
    """What HEAD and PATCH tell the device: where the upload stands."""

    id: uuid_module.UUID
    length: int
    offset: int
    expires_at: datetime | None  # None once the item is evidence
    media: uuid_module.UUID | None  # the item of evidence, once complete


def _state(upload: Upload) -> UploadState:
    complete = upload.media_id is not None
    return UploadState(
        id=upload.id,
        length=upload.length,
        offset=upload.offset,
        expires_at=None if complete else upload.expires_at,
        media=upload.id if complete else None,
    )


def _media_state(media: MediaEvidence) -> UploadState:
    return UploadState(
        id=media.uuid, length=media.size, offset=media.size, expires_at=None, media=media.uuid
    )


def _expiry() -> datetime:
    return timezone.now() + timedelta(hours=settings.KUZET_UPLOAD_EXPIRY_HOURS)


def _storage() -> Storage:
    # The evidence's own storage: chunks and the file they become live side by side.
    storage: Storage = MediaEvidence._meta.get_field("file").storage
    return storage or default_storage


def _expired(upload: Upload) -> bool:
    return upload.media_id is None and upload.expires_at <= timezone.now()


# --- Creation -------------------------------------------------------------------------


def _linked(
    visit: Visit, record: uuid_module.UUID | None
) -> tuple[Interview | None, Finding | None]:
    """The interview or finding a synced record became (``record``: its client UUID)."""
    if record is None:
        return None, None
    submission = Submission.objects.filter(uuid=record, visit=visit).first()
    if submission is None:
        raise RecordNotReceived(record)
    if submission.type == Submission.Type.INTERVIEW:
        return Interview.objects.get(pk=submission.object_id), None
    if submission.type == Submission.Type.FINDING:
        return None, Finding.objects.get(pk=submission.object_id)
    linked_to_what = _("An item is linked to an interview or a finding.")
    raise UploadInvalid([linked_to_what], {"record": [linked_to_what]})


def _linked_on_web(visit: Visit, meta: UploadMeta) -> tuple[Interview | None, Finding | None]:
    """The interview and finding of ``visit`` a web page names by number."""
    interview = finding = None
    fields: dict[str, list[str]] = {}
    if meta.interview_id is not None:
        interview = visit.interviews.filter(pk=meta.interview_id).first()
        if interview is None:
            fields["interview"] = [_("This visit has no such interview.")]
    if meta.finding_id is not None:
        finding = visit.findings.filter(pk=meta.finding_id).first()
        if finding is None:
            fields["finding"] = [_("This visit has no such finding.")]
    if fields:
        raise UploadInvalid([m for messages in fields.values() for m in messages], fields)
    return interview, finding


def _existing(
    user: Any, media_uuid: uuid_module.UUID, length: int, sha256: str
) -> UploadState | None:
    """The state of this item's upload if it was created before: the same item again is
    answered with it; another item under the same identifier is a conflict."""
    upload = Upload.objects.filter(pk=media_uuid).first()
    if upload is not None:
        if upload.user_id != user.pk:
            raise UploadConflict()
        if _expired(upload):
            _discard(upload)
            return None
        if upload.length != length or upload.sha256 != sha256:
            raise UploadConflict(upload.sha256 if upload.media_id else None)
        return _state(upload)
    media = MediaEvidence.objects.filter(uuid=media_uuid).first()
    if media is not None:
        if media.uploaded_by_id != user.pk:
            raise UploadConflict()
        if media.size != length or media.sha256 != sha256:
            raise UploadConflict(media.sha256)
        return _media_state(media)
    return None


def upload_create(
    *,
    user: Any,
    device: DeviceToken | None,
    media_uuid: uuid_module.UUID,
    length: int,
    meta: UploadMeta,
) -> tuple[UploadState, bool]:
    """Start the upload of item ``media_uuid`` (``length`` bytes): (its state, whether new).

    The same item again (same user, length and hash) answers the upload already started,
    or the finished item; nothing is created twice. The visit, the linked record and the
    item's rules are checked now, before a byte is sent. Raises UploadError or VisitClosed.
    """
    if length > settings.KUZET_MEDIA_MAX_BYTES:
        raise UploadTooLarge(settings.KUZET_MEDIA_MAX_BYTES)
    if length == 0:
        raise UploadInvalid.from_validation(ValidationError({"file": [_("The file is empty.")]}))
    existing = _existing(user, media_uuid, length, meta.sha256)
    if existing is not None:
        return existing, False
    with acting_as(user):
        visit = _visit_for_recording(user, meta.visit_id)
        interview, finding = _linked(visit, meta.record)
        if meta.finding_id is not None or meta.interview_id is not None:
            interview, finding = _linked_on_web(visit, meta)
        try:
            media_check(
                actor=user,
                visit=visit,
                kind=meta.kind,
                finding=finding,
                interview=interview,
                captured_at=meta.captured_at,
                expected_sha256=meta.sha256,
                appeal_consent=meta.appeal_consent,
            )
        except PermissionDenied:
            raise VisitClosed("access_denied") from None
        except ValidationError as error:
            raise UploadInvalid.from_validation(error) from None
    upload = Upload(
        id=media_uuid,
        user=user,
        device_token=device,
        visit=visit,
        interview=interview,
        finding=finding,
        kind=meta.kind,
        filename=meta.filename[-255:],
        filetype=meta.filetype[:100],
        sha256=meta.sha256,
        captured_at=meta.captured_at,
        device=(meta.device or (device.name if device else ""))[:200],
        description=meta.description,
        appeal_consent=meta.appeal_consent,
        length=length,
        expires_at=_expiry(),
    )
    try:
        with transaction.atomic():
            upload.save(force_insert=True)
    except IntegrityError:
        # The same item created twice at once: the other request created it.
        existing = _existing(user, media_uuid, length, meta.sha256)
        if existing is None:
            raise
        return existing, False
    return _state(upload), True


# --- State, termination, expiry --------------------------------------------------------


def _own_upload(user: Any, upload_id: uuid_module.UUID) -> Upload | None:
    return Upload.objects.filter(pk=upload_id, user=user).first()


def upload_state(*, user: Any, upload_id: uuid_module.UUID) -> UploadState:
    """Where ``user``'s upload stands: UploadNotFound for anyone else's, UploadExpired once
    expired."""
    upload = _own_upload(user, upload_id)
    if upload is not None:
        if _expired(upload):
            raise UploadExpired
        return _state(upload)
    media = MediaEvidence.objects.filter(uuid=upload_id, uploaded_by=user).first()
    if media is None:
        raise UploadNotFound
    return _media_state(media)


def upload_terminate(*, user: Any, upload_id: uuid_module.UUID) -> None:
    """Abandon an unfinished upload: its bytes and state are deleted. A finished one is
    evidence, which is never deleted."""
    upload = _own_upload(user, upload_id)
    if upload is None:
        if MediaEvidence.objects.filter(uuid=upload_id, uploaded_by=user).exists():
            raise EvidenceImmutable
        raise UploadNotFound
    if upload.media_id is not None:
        raise EvidenceImmutable
    _discard(upload)


def uploads_expire(*, now: datetime | None = None) -> int:
    """Delete the uploads whose time has passed (bytes and state; a finished upload's state
    only: its file is evidence, though copies a dead completion left beside it go). Returns
    how many."""
    count = 0
    expired = Upload.objects.filter(expires_at__lte=now or timezone.now()).select_related("media")
    for upload in expired.iterator():
        if upload.media is None:
            _discard(upload)
        else:
            _drop_strays(_storage(), upload.pk, upload.media.file.name)
            _discard_bytes(upload.pk)
            Upload.objects.filter(pk=upload.pk).delete()
        count += 1
    return count


def _discard(upload: Upload) -> None:
    """Delete an unfinished upload: its stored bytes, then its rows."""
    _discard_bytes(upload.pk)
    Upload.objects.filter(pk=upload.pk, media__isnull=True).delete()


def _discard_bytes(upload_id: uuid_module.UUID) -> None:
    """Delete every object under ``uploads/<id>/``: the recorded chunks and any left by a
    request that died half-way."""
    storage = _storage()
    names = set(UploadChunk.objects.filter(upload_id=upload_id).values_list("name", flat=True))
    folder = f"uploads/{upload_id}"
    with contextlib.suppress(FileNotFoundError, NotImplementedError):
        names.update(f"{folder}/{name}" for name in storage.listdir(folder)[1])
    for name in names:
        storage.delete(name)
    # A filesystem keeps the empty directory; other storages have no directories.
    with contextlib.suppress(NotImplementedError, OSError):
        Path(storage.path(folder)).rmdir()


# --- Appending and completion ---------------------------------------------------------


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class _BodyReader:
    """Reads at most ``limit`` bytes of a request body, counting and hashing them; a body
    that ends early (the connection dropped) reads as its end and sets ``interrupted``."""

    # Read once, front to back: a storage must not seek it (django-storages' S3 backend
    # rewinds only what says it is seekable, and then streams it in multipart parts).
    closed = False

    def __init__(self, body: Readable, limit: int, digest: Callable[[], Any] | None) -> None:
        self.body, self.remaining = body, limit
        self.received = 0
        self.interrupted = False
        self.checksum = digest() if digest else None

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        wanted = self.remaining if size is None or size < 0 else min(size, self.remaining)
        try:
            data = self.body.read(min(wanted, READ_SIZE))
        except OSError:  # includes UnreadablePostError
            data = b""
        if not data:
            self.interrupted, self.remaining = True, 0
            return b""
        self.remaining -= len(data)
        self.received += len(data)
        if self.checksum is not None:
            self.checksum.update(data)
        return data


class _Concatenation:
    """The stored chunks read one after another, hashed (SHA-256) as they are read."""

    closed = False  # not seekable either (see _BodyReader)

    def __init__(self, storage: Storage, names: list[str]) -> None:
        self.storage, self.names = storage, list(names)
        self.current: Any = None
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.head = b""

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        size = READ_SIZE if size is None or size < 0 else size
        while True:
            if self.current is None:
                if not self.names:
                    return b""
                self.current = self.storage.open(self.names.pop(0), "rb")
            data = self.current.read(size)
            if data:
                break
            self.current.close()
            self.current = None
        self.sha256.update(data)
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self.size += len(data)
        return bytes(data)

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None


class _Stream(File):
    """A readable object as a Django ``File`` the storage API copies from, in large reads."""

    DEFAULT_CHUNK_SIZE = READ_SIZE


def _save(storage: Storage, name: str, source: Any) -> str:
    try:
        return storage.save(name, _Stream(source, name=name.rsplit("/", 1)[-1]))
    except OSError:
        logger.exception("uploads: storage refused an object")
        raise StorageUnavailable from None


@dataclass(frozen=True)
class Checksum:
    """``Upload-Checksum``: the algorithm's constructor and the digest the client sent."""

    algorithm: Callable[[], Any]
    digest: bytes


def upload_append(
    *,
    user: Any,
    upload_id: uuid_module.UUID,
    offset: int,
    length: int,
    body: Readable,
    checksum: Checksum | None = None,
) -> UploadState:
    """Append ``length`` bytes read from ``body`` at ``offset``; the last ones complete the
    upload into an item of evidence. Raises UploadNotFound, UploadExpired, OffsetMismatch,
    PastUploadLength, ChecksumMismatch, IncompleteChunk (cut short under a checksum),
    StorageUnavailable; HashMismatch, UploadInvalid or VisitClosed discard the upload.
    """
    state = upload_state(user=user, upload_id=upload_id)
    if offset != state.offset:
        raise OffsetMismatch(state.offset)
    if offset + length > state.length:
        raise PastUploadLength
    upload = _own_upload(user, upload_id)
    if length == 0 or upload is None:
        return state

    storage = _storage()
    if _in_place(storage, upload, offset):
        try:
            return _append_in_place(storage, upload, offset, length, body, checksum, state)
        except _Lost:
            if not Upload.objects.filter(pk=upload.pk, media__isnull=True).exists():
                # Completed or abandoned meanwhile: what this one wrote is a stray file.
                with contextlib.suppress(OSError):
                    storage.delete(_data_name(upload.pk))
            raise OffsetMismatch(upload_state(user=user, upload_id=upload_id).offset) from None
    reader = _BodyReader(body, length, checksum.algorithm if checksum else None)
    part = _save(storage, f"uploads/{upload.pk}/{offset:020d}-{secrets.token_hex(4)}", reader)
    try:
        if checksum is not None and reader.checksum is not None:
            if reader.interrupted:
                raise IncompleteChunk
            if not secrets.compare_digest(reader.checksum.digest(), checksum.digest):
                raise ChecksumMismatch
        if reader.received == 0:
            storage.delete(part)
            return state
        if offset + reader.received < upload.length:
            return _commit_chunk(upload, offset, reader.received, part)
        return _complete(upload, part)
    except _Lost:
        # Another request appended at this offset first (or the upload is gone).
        storage.delete(part)
        raise OffsetMismatch(upload_state(user=user, upload_id=upload_id).offset) from None
    except BaseException:
        storage.delete(part)
        raise


class _Lost(Exception):
    """Another request moved the offset on first: nothing of this one was kept."""


def _commit_chunk(upload: Upload, offset: int, size: int, part: str) -> UploadState:
    with transaction.atomic():
        moved = Upload.objects.filter(pk=upload.pk, offset=offset, media__isnull=True).update(
            offset=offset + size, expires_at=_expiry()
        )
        if not moved:
            raise _Lost
        UploadChunk.objects.create(upload_id=upload.pk, offset=offset, size=size, name=part)
    upload.refresh_from_db()
    return _state(upload)


def _complete(upload: Upload, last_part: str) -> UploadState:
    """Concatenate the chunks into the evidence file, verify its hash and record it."""
    storage = _storage()
    user = upload.user
    try:
        # Asked again before the file is assembled: the team may have changed.
        with acting_as(user):
            visit = _visit_for_recording(user, upload.visit_id)
    except VisitClosed:
        _discard(upload)
        raise
    names = [chunk.name for chunk in upload.chunks.order_by("offset")] + [last_part]
    source = _Concatenation(storage, names)
    try:
        final = _save(storage, media_stored_name(visit=visit, uuid=upload.pk), source)
    finally:
        source.close()
    received = source.sha256.hexdigest()
    if source.size != upload.length or received != upload.sha256:
        storage.delete(final)
        storage.delete(last_part)
        _discard(upload)
        raise HashMismatch(expected=upload.sha256, received=received)
    try:
        _recorded(upload, visit, final, source.size, received, source.head)
    except _Lost:
        # Another request completed it first: keep its file, drop this copy.
        winner = MediaEvidence.objects.filter(uuid=upload.pk).first()
        if winner is None or winner.file.name != final:
            storage.delete(final)
        raise
    except (PermissionDenied, ValidationError) as exc:
        # The item can never be stored as it is (the file was deleted by the service).
        _discard(upload)
        if isinstance(exc, ValidationError):
            raise UploadInvalid.from_validation(exc) from None
        raise VisitClosed("access_denied") from None
    storage.delete(last_part)
    _drop_strays(storage, upload.pk, final)
    _discard_bytes(upload.pk)
    UploadChunk.objects.filter(upload_id=upload.pk).delete()
    upload.refresh_from_db()
    return _state(upload)


def _drop_strays(storage: Storage, upload_id: uuid_module.UUID, kept: str) -> None:
    """Delete the copies a completion of upload ``upload_id`` left when its process died
    before the item was recorded: the storage gave this one a free variant of the item's
    name (``<uuid>_<suffix>``) because such a copy held the name. Once the item is recorded
    under ``kept`` no other completion of it can be recorded, so every other copy is unused."""
    folder, _, base = kept.rpartition("/")
    stem = str(upload_id)
    try:
        names = storage.listdir(folder)[1]
    except (FileNotFoundError, NotImplementedError):
        return
    for name in names:
        if name != base and (name == stem or name.startswith(f"{stem}_")):
            with contextlib.suppress(OSError):
                storage.delete(f"{folder}/{name}")


# --- Appending in place: a storage on the local filesystem ----------------------------
#
# With Django's own FileSystemStorage an upload is one file, ``uploads/<id>/data``: each
# PATCH writes its body at its offset as it streams in (written once, constant memory) and
# moves the offset on by compare-and-set, as above. Bytes past the offset (a chunk cut
# short, damaged, or a loser of a race) are not counted and are overwritten by the next
# chunk. The completion hashes the file once, under an exclusive lock that waits for every
# request still writing, and links it to the evidence name (no copy): only the verified
# bytes become evidence, and nothing writes to them after.

DATA = "data"
# How long a completion waits for requests still writing the file (a stale retry).
WRITERS_WAIT = 10.0


def _data_name(upload_id: uuid_module.UUID) -> str:
    return f"uploads/{upload_id}/{DATA}"


def _in_place(storage: Storage, upload: Upload, offset: int) -> bool:
    """Whether this chunk is written into the upload's one file: the storage keeps plain
    files (Django's FileSystemStorage, not a subclass that saves otherwise), and the upload
    was not begun in separate chunk objects (before this way of storing)."""
    plain = isinstance(storage, FileSystemStorage) and (
        getattr(storage.__class__, "_save", None) is vars(FileSystemStorage)["_save"]
    )
    if not plain:
        return False
    return offset == 0 or not upload.chunks.exclude(name=_data_name(upload.pk)).exists()


def _made_folder(storage: FileSystemStorage, path: Path) -> None:
    mode = storage.directory_permissions_mode
    if mode is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    old = os.umask(0o777 & ~mode)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    finally:
        os.umask(old)


@contextlib.contextmanager
def _locked(path: Path, *, create: bool, exclusive: bool) -> Iterator[int]:
    """The file at ``path`` opened and locked (shared by writers; exclusive for the
    completion, waiting at most WRITERS_WAIT). Raises _Lost when the file is no longer the
    one at ``path`` (completed meanwhile), StorageUnavailable when writers do not finish."""
    flags = os.O_RDWR | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o666)
    except FileNotFoundError:
        raise _Lost from None
    try:
        if exclusive:
            deadline = time.monotonic() + WRITERS_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StorageUnavailable from None
                    time.sleep(0.05)
        else:
            fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            raise _Lost
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _append_in_place(
    storage: Storage,
    upload: Upload,
    offset: int,
    length: int,
    body: Readable,
    checksum: Checksum | None,
    state: UploadState,
) -> UploadState:
    assert isinstance(storage, FileSystemStorage)
    name = _data_name(upload.pk)
    path = Path(storage.path(name))
    reader = _BodyReader(body, length, checksum.algorithm if checksum else None)
    try:
        _made_folder(storage, path)
        with _locked(path, create=True, exclusive=False) as fd:
            if storage.file_permissions_mode is not None:
                os.fchmod(fd, storage.file_permissions_mode)
            position = offset
            while data := reader.read(READ_SIZE):
                view = memoryview(data)
                while view:
                    written = os.pwrite(fd, view, position)
                    position += written
                    view = view[written:]
    except OSError:
        logger.exception("uploads: could not write an upload's file")
        raise StorageUnavailable from None
    if checksum is not None and reader.checksum is not None:
        if reader.interrupted:
            raise IncompleteChunk
        if not secrets.compare_digest(reader.checksum.digest(), checksum.digest):
            raise ChecksumMismatch
    if reader.received == 0:
        return state
    if offset + reader.received < upload.length:
        return _commit_chunk(upload, offset, reader.received, name)
    return _complete_in_place(storage, upload, name, path)


def _file_hashed(fd: int) -> tuple[str, int, bytes]:
    """SHA-256, size and first bytes of the open file ``fd``, read once from its start."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    buffer = bytearray(READ_SIZE)
    view = memoryview(buffer)
    while True:
        count = os.preadv(fd, [buffer], size)
        if not count:
            break
        if len(head) < HEAD_BYTES:
            head += bytes(view[: HEAD_BYTES - len(head)][:count])
        digest.update(view[:count])
        size += count
    return digest.hexdigest(), size, head


def _linked_over(path: Path, final_path: Path) -> None:
    """Hard-link ``path`` as ``final_path``, replacing a file already there in one step.

    Only the item's own name is used, never a free variant of it: what is found there is
    the link a completion of this same upload made before its process died uncommitted
    (the item's name holds its UUID, and this runs under the upload's exclusive lock), so a
    retry replaces it rather than leaving it beside the evidence as a second copy."""
    try:
        os.link(path, final_path)
        return
    except FileExistsError:
        pass
    staged = path.with_name(f"{DATA}-{secrets.token_hex(4)}")
    os.link(path, staged)
    try:
        os.replace(staged, final_path)
    finally:
        staged.unlink(missing_ok=True)


def _complete_in_place(
    storage: FileSystemStorage, upload: Upload, name: str, path: Path
) -> UploadState:
    """Verify the upload's file and make it the evidence file under its name (a hard link,
    then the upload's name removed), in the transaction that records the item."""
    user = upload.user
    try:
        with acting_as(user):
            visit = _visit_for_recording(user, upload.visit_id)
    except VisitClosed:
        _discard(upload)
        raise
    with _locked(path, create=False, exclusive=True) as fd:
        try:
            received, size, head = _file_hashed(fd)
        except OSError:
            logger.exception("uploads: could not read an upload's file")
            raise StorageUnavailable from None
        if size != upload.length or received != upload.sha256:
            _discard(upload)
            raise HashMismatch(expected=upload.sha256, received=received)
        final = media_stored_name(visit=visit, uuid=upload.pk)
        final_path = Path(storage.path(final))
        try:
            _made_folder(storage, final_path)
            _linked_over(path, final_path)
        except OSError:
            logger.exception("uploads: could not link an upload's file as evidence")
            raise StorageUnavailable from None
        try:
            item = _recorded(upload, visit, final, size, received, head)
        except (PermissionDenied, ValidationError) as exc:
            # The item can never be stored as it is (the service deleted the link).
            _discard(upload)
            if isinstance(exc, ValidationError):
                raise UploadInvalid.from_validation(exc) from None
            raise VisitClosed("access_denied") from None
        except BaseException:
            # Nothing recorded: the upload's own file stays, the chunk can be sent again.
            with contextlib.suppress(OSError):
                if not MediaEvidence.objects.filter(file=final).exists():
                    final_path.unlink(missing_ok=True)
            raise
        del item
        path.unlink(missing_ok=True)
    _discard_bytes(upload.pk)
    UploadChunk.objects.filter(upload_id=upload.pk).delete()
    upload.refresh_from_db()
    return _state(upload)


def _recorded(
    upload: Upload, visit: Visit, final: str, size: int, received: str, head: bytes
) -> MediaEvidence:
    """The item of evidence recorded, with the offset moved to the end by compare-and-set
    (raises _Lost when another request did it first)."""
    user = upload.user
    with acting_as(user), transaction.atomic():
        moved = Upload.objects.filter(
            pk=upload.pk, offset=upload.offset, media__isnull=True
        ).update(offset=upload.length)
        if not moved:
            raise _Lost
        item = media_add_stored(
            actor=user,
            visit=visit,
            uuid=upload.pk,
            stored_name=final,
            size=size,
            sha256=received,
            head=head,
            expected_sha256=upload.sha256,
            original_name=upload.filename,
            kind=upload.kind,
            finding=upload.finding,
            interview=upload.interview,
            captured_at=upload.captured_at,
            device=upload.device,
            description=upload.description,
            appeal_consent=upload.appeal_consent,
        )
        Upload.objects.filter(pk=upload.pk).update(media=item)
    return item


def media_receipt_of(*, user: Any, uuid: uuid_module.UUID) -> dict[str, Any] | None:
    """The receipt of an item of evidence ``user`` uploaded from a device, in the shape of a
    record's receipt; ``hash`` is the SHA-256 the server stored."""
    return media_receipts_of(user=user, uuids=[uuid]).get(uuid)


def media_receipts_of(
    *, user: Any, uuids: list[uuid_module.UUID]
) -> dict[uuid_module.UUID, dict[str, Any]]:
    """The receipts (as ``media_receipt_of``) of the items among ``uuids`` that ``user``
    uploaded, by UUID, in one query."""
    found = MediaEvidence.objects.filter(uuid__in=uuids, uploaded_by=user).only(
        "uuid", "sha256", "uploaded_at"
    )
    return {
        media.uuid: {
            "uuid": media.uuid,
            "hash": media.sha256,
            "received_at": media.uploaded_at,
            "type": "media",
            "object_id": media.pk,
        }
        for media in found
    }
