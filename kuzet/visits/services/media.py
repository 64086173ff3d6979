"""Media evidence: receiving an upload (hashed as it streams in), recognising what it is,
storing it with its chain of custody, and opening it for whoever may see it."""

import codecs
import hashlib
import re
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from kuzet.core.access import VisitAction
from kuzet.visits.models import (
    AUDIENCES,
    CustodyEvent,
    Finding,
    Interview,
    MediaEvidence,
    Visit,
    media_path,
)
from kuzet.visits.services.access import require_can_record, visit_access
from kuzet.visits.services.appeals import appeal_check_visible, appeal_may_watch, appeal_register

K = MediaEvidence.Kind
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# Enough for every signature below (an ISO media "ftyp" box, a RIFF header).
HEAD_BYTES = 16
# A device's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=10)


def too_large_message() -> str:
    return _("The file is larger than the limit of %(max)s; nothing was stored.") % {
        "max": filesizeformat(settings.KUZET_MEDIA_MAX_BYTES)
    }


class EvidenceUploadHandler(TemporaryFileUploadHandler):
    """Streams an upload to a temporary file, computing its SHA-256 chunk by chunk.

    Stops the upload (the partial temporary file is deleted) once the files of the request
    exceed ``KUZET_MEDIA_MAX_BYTES``; the view then finds ``too_large`` set. Installed by the
    view before anything reads ``request.POST`` or ``request.FILES``.
    """

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit: int = settings.KUZET_MEDIA_MAX_BYTES
        self.received = 0
        self.too_large = False
        self.hasher = hashlib.sha256()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.hasher = hashlib.sha256()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            self.upload_interrupted()  # closes and removes the partial temporary file
            raise StopUpload(connection_reset=False)
        self.hasher.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        self.file.sha256 = self.hasher.hexdigest()  # type: ignore[attr-defined]
        return super().file_complete(file_size)


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes say a file is, and its content type for each kind it may be."""

    name: StrOrPromise
    content_types: dict[str, str]

    @property
    def default_kind(self) -> str:
        return next(iter(self.content_types))


def _photo(name: StrOrPromise, content_type: str) -> Sniffed:
    return Sniffed(name, {K.PHOTO: content_type})


def _audio(name: StrOrPromise, content_type: str) -> Sniffed:
    return Sniffed(name, {K.AUDIO: content_type})


def _recording(name: StrOrPromise, video: str, audio: str) -> Sniffed:
    # Containers that hold video or sound alone: telling them apart means parsing the
    # tracks, so the uploader's choice between the two stands.
    return Sniffed(name, {K.VIDEO: video, K.AUDIO: audio})


# ISO base media files ("ftyp" box): the major brand says what the file is.
FTYP_BRANDS: dict[bytes, Sniffed] = {
    **{
        brand: _photo(gettext_lazy("HEIC image"), "image/heic")
        for brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx")
    },
    **{brand: _photo(gettext_lazy("HEIF image"), "image/heif") for brand in (b"mif1", b"msf1")},
    **{brand: _audio(gettext_lazy("M4A audio"), "audio/mp4") for brand in (b"M4A ", b"M4B ")},
    b"qt  ": _recording(gettext_lazy("QuickTime movie"), "video/quicktime", "audio/mp4"),
    **{
        brand: _recording(gettext_lazy("MP4 video"), "video/mp4", "audio/mp4")
        for brand in (
            b"isom",
            b"iso2",
            b"iso4",
            b"iso5",
            b"iso6",
            b"mp41",
            b"mp42",
            b"avc1",
            b"M4V ",
            b"mmp4",
            b"dash",
            b"MSNV",
        )
    },
    **{
        brand: _recording(gettext_lazy("3GPP video"), "video/3gpp", "audio/3gpp")
        for brand in (b"3gp4", b"3gp5", b"3gp6", b"3g2a")
    },
}
# (offset, signature, what it is): first match wins.
SIGNATURES: list[tuple[int, bytes, Sniffed]] = [
    (0, b"\xff\xd8\xff", _photo(gettext_lazy("JPEG image"), "image/jpeg")),
    (0, b"\x89PNG\r\n\x1a\n", _photo(gettext_lazy("PNG image"), "image/png")),
    (0, b"GIF87a", _photo(gettext_lazy("GIF image"), "image/gif")),
    (0, b"GIF89a", _photo(gettext_lazy("GIF image"), "image/gif")),
    (0, b"%PDF-", Sniffed(gettext_lazy("PDF document"), {K.DOCUMENT: "application/pdf"})),
    (
        0,
        b"\x1a\x45\xdf\xa3",
        _recording(gettext_lazy("WebM/Matroska recording"), "video/webm", "audio/webm"),
    ),
    (
        0,
        b"OggS",
        Sniffed(gettext_lazy("Ogg recording"), {K.AUDIO: "audio/ogg", K.VIDEO: "video/ogg"}),
    ),
    (0, b"ID3", _audio(gettext_lazy("MP3 audio"), "audio/mpeg")),
]
# Common files that are not evidence, named in the refusal so that the uploader sees why.
REFUSED: list[tuple[bytes, StrOrPromise]] = [
    (b"MZ", gettext_lazy("a Windows program")),
    (b"\x7fELF", gettext_lazy("a program")),
    (b"PK\x03\x04", gettext_lazy("a ZIP archive or an Office document")),
    (b"Rar!", gettext_lazy("a RAR archive")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("an old Office document")),
    (b"{\\rtf", gettext_lazy("an RTF document")),
    (b"7z\xbc\xaf\x27\x1c", gettext_lazy("a 7-Zip archive")),
    (b"\x1f\x8b", gettext_lazy("a GZIP archive")),
    (b"II*\x00", gettext_lazy("a TIFF image")),
    (b"MM\x00*", gettext_lazy("a TIFF image")),
    (b"fLaC", gettext_lazy("FLAC audio")),
    (b"FLV", gettext_lazy("a Flash video")),
    (b"0&\xb2u\x8e", gettext_lazy("a Windows Media file (WMV/WMA)")),
]


def sniff(head: bytes) -> Sniffed | None:
    """What a file is, from its first bytes; ``None`` if Kuzet does not accept it.

    A table of a dozen fixed signatures rather than python-magic: that would need libmagic
    on every server, and its answers change with the installed version.
    """
    for offset, signature, sniffed in SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return sniffed
    if head[4:8] == b"ftyp":
        return FTYP_BRANDS.get(head[8:12])
    if head[:4] == b"RIFF":
        if head[8:12] == b"WAVE":
            return _audio(gettext_lazy("WAV audio"), "audio/wav")
        if head[8:12] == b"WEBP":
            return _photo(gettext_lazy("WebP image"), "image/webp")
    # An MPEG audio frame without an ID3 tag: 11 sync bits, then a valid version and layer.
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        version, layer = head[1] >> 3 & 0b11, head[1] >> 1 & 0b11
        if version != 0b01 and layer != 0b00:
            return _audio(gettext_lazy("MP3 audio"), "audio/mpeg")
    return None


def describe_unknown(head: bytes) -> str:
    """A short, non-identifying description of a refused file for the error message."""
    if not head:
        return _("an empty file")
    for signature, name in REFUSED:
        if head.startswith(signature):
            return str(name)
    if head[4:8] == b"ftyp":
        return _("a video or audio file of a format Kuzet does not accept (“%(brand)s”)") % {
            "brand": head[8:12].decode("ascii", "replace").strip()
        }
    if head[:4] == b"RIFF":
        if head[8:12] == b"AVI ":
            return _("an AVI video")
        return _("a RIFF file of type “%(type)s”") % {
            "type": head[8:12].decode("ascii", "replace").strip()
        }
    try:
        # Incremental: the first bytes may end inside a character.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        text = ""
    if text and all(ch.isprintable() or ch.isspace() for ch in text):
        return _("text")
    # Not its first bytes in hexadecimal: they say nothing to the person uploading.
    return _("a file of a type Kuzet does not recognise")


def _read_head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def _sha256_of(upload: UploadedFile) -> str:
    """The hash the upload handler computed; computed here (streaming) for other callers."""
    known = getattr(upload, "sha256", "")
    if known:
        return str(known)
    hasher = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        hasher.update(chunk)
    upload.seek(0)
    return hasher.hexdigest()


def media_add(
    *,
    actor: Any,
    visit: Visit,
    upload: UploadedFile,
    kind: str = "",
    finding: Finding | None = None,
    interview: Interview | None = None,
    description: str = "",
    captured_at: datetime | None = None,
    device: str = "",
    expected_sha256: str = "",
    appeal_consent: dict[str, Any] | None = None,
) -> MediaEvidence:
    """Store an item of evidence on ``visit`` with its custody record (a video appeal, with
    the person's ``appeal_consent``, enters the register of appeals).

    ``kind`` empty means "as the file's content says". Raises PermissionDenied, or
    ValidationError with nothing stored: the file's content decides what it is, never its
    name or the type the client claims.
    """
    media_check(
        actor=actor,
        visit=visit,
        kind=kind,
        finding=finding,
        interview=interview,
        captured_at=captured_at,
        expected_sha256=expected_sha256,
        appeal_consent=appeal_consent,
    )
    expected = expected_sha256.strip().lower()
    kind, content_type = _content_checked(size=upload.size, head=_read_head(upload), kind=kind)
    sha256 = _sha256_of(upload)
    _hash_checked(received=sha256, expected=expected)
    assert upload.size is not None  # checked by _content_checked

    item = MediaEvidence(
        visit=visit,
        finding=finding,
        interview=interview,
        kind=kind,
        original_name=(upload.name or "")[-255:],
        content_type=content_type,
        size=upload.size,
        sha256=sha256,
        description=description.strip(),
        captured_at=captured_at,
        device=device.strip(),
        appeal_consent=appeal_consent,
        uploaded_by=actor,
    )
    item.full_clean(exclude=["file"])
    upload.seek(0)
    # Streamed by the storage API (a temporary file is moved, not read into memory).
    item.file.save(upload.name or "evidence", upload, save=False)
    _evidence_save(item, actor=actor, hash_verified=bool(expected))
    return item


def media_check(
    *,
    actor: Any,
    visit: Visit,
    kind: str = "",
    finding: Finding | None = None,
    interview: Interview | None = None,
    captured_at: datetime | None = None,
    expected_sha256: str = "",
    appeal_consent: Any = None,
) -> None:
    """The rules an item must meet before a byte of it is read: raises PermissionDenied, or
    ValidationError keyed by field. (A resumable upload asks before the transfer starts.)"""
    require_can_record(actor, visit)
    errors: dict[str, list[str]] = {}
    if finding is not None and finding.visit_id != visit.pk:
        errors["finding"] = [_("The finding belongs to another visit.")]
    if interview is not None:
        if interview.visit_id != visit.pk:
            errors["interview"] = [_("The interview belongs to another visit.")]
        elif not visit_access(actor, visit).see_identities:
            errors["interview"] = [_("Only the visit's team links evidence to an interview.")]
    if kind and kind not in K.values:
        errors["kind"] = [_("Choose a kind from the list.")]
    expected = expected_sha256.strip().lower()
    if expected and not SHA256_HEX.match(expected):
        errors["expected_sha256"] = [_("A SHA-256 is 64 hexadecimal characters.")]
    if captured_at is not None and captured_at > timezone.now() + CLOCK_SKEW:
        errors["captured_at"] = [_("The capture time is in the future.")]
    if appeal_consent is not None:
        problem = _appeal_consent_problem(appeal_consent, kind)
        if problem:
            errors["appeal_consent"] = [problem]
    if errors:
        raise ValidationError(errors)


def _appeal_consent_problem(consent: Any, kind: str) -> str:
    """Why a video appeal's consent is not acceptable ("" if it is): the person agreed to be
    recorded, and said to whom the recording may be shown."""
    if kind != K.VIDEO:
        return _("Only a video recording is a video appeal.")
    shown_to = consent.get("shown_to") if isinstance(consent, dict) else None
    if (
        not isinstance(consent, dict)
        or set(consent) != {"recorded", "shown_to"}
        or consent["recorded"] is not True
        or not isinstance(shown_to, list)
        or len(shown_to) > 20
        or not all(isinstance(who, str) and who in AUDIENCES for who in shown_to)
    ):
        return _(
            "A video appeal needs the person's consent to be recorded and the list of those "
            "to whom it may be shown (%(codes)s)."
        ) % {"codes": ", ".join(AUDIENCES)}
    return ""


def _content_checked(*, size: int | None, head: bytes, kind: str) -> tuple[str, str]:
    """The kind and content type of a file of ``size`` bytes starting with ``head``;
    ValidationError if it is too large, empty or not something Kuzet accepts as ``kind``."""
    if size is None or size > settings.KUZET_MEDIA_MAX_BYTES:
        raise ValidationError({"file": [too_large_message()]})
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    sniffed = sniff(head)
    if sniffed is None:
        raise ValidationError(
            {
                "file": [
                    _(
                        "This file is not a photo, recording or PDF document Kuzet accepts "
                        "(found: %(found)s)."
                    )
                    % {"found": describe_unknown(head)}
                ]
            }
        )
    kind = kind or sniffed.default_kind
    if kind not in sniffed.content_types:
        raise ValidationError(
            {
                "kind": [
                    _("The file's content (%(found)s) cannot be stored as “%(kind)s”.")
                    % {"found": sniffed.name, "kind": K(kind).label}
                ]
            }
        )
    return kind, sniffed.content_types[kind]


def _hash_checked(*, received: str, expected: str) -> None:
    if expected and expected != received:
        raise ValidationError(
            {
                "expected_sha256": [
                    _(
                        "The file received has SHA-256 %(received)s, but the device recorded "
                        "%(expected)s; nothing was stored. Upload the file again."
                    )
                    % {"received": received, "expected": expected}
                ]
            }
        )


def _evidence_save(item: MediaEvidence, *, actor: Any, hash_verified: bool) -> None:
    """Save ``item`` (its file already in storage) with its first custody events; on any
    failure the stored file is deleted."""
    try:
        with transaction.atomic():
            item.save()
            now = timezone.now()
            if item.captured_at is not None:
                _custody(
                    item, CustodyEvent.Kind.CAPTURED, actor, item.captured_at, _device_detail(item)
                )
            _custody(item, CustodyEvent.Kind.UPLOADED, actor, now, f"sha256 {item.sha256}")
            if hash_verified:
                _custody(item, CustodyEvent.Kind.HASH_VERIFIED, actor, now, f"sha256 {item.sha256}")
            if item.appeal_consent is not None:
                appeal_register(media=item)
    except BaseException:
        item.file.storage.delete(item.file.name)
        raise


def media_stored_name(*, visit: Visit, uuid: uuid_module.UUID) -> str:
    """Where the file of item ``uuid`` of ``visit`` is stored (for a caller that writes it)."""
    return media_path(MediaEvidence(visit=visit, uuid=uuid), "")


def media_add_stored(
    *,
    actor: Any,
    visit: Visit,
    uuid: uuid_module.UUID,
    stored_name: str,
    size: int,
    sha256: str,
    head: bytes,
    expected_sha256: str,
    original_name: str = "",
    kind: str = "",
    finding: Finding | None = None,
    interview: Interview | None = None,
    captured_at: datetime | None = None,
    device: str = "",
    description: str = "",
    appeal_consent: dict[str, Any] | None = None,
) -> MediaEvidence:
    """Make the file already written at ``stored_name`` (by a caller that computed its size,
    SHA-256 and first bytes as it streamed it there) the item of evidence ``uuid``, under the
    same rules as ``media_add``. The device's hash is required and must match. On refusal
    (PermissionDenied, ValidationError) or any failure the stored file is deleted.
    """
    storage = MediaEvidence._meta.get_field("file").storage
    try:
        media_check(
            actor=actor,
            visit=visit,
            kind=kind,
            finding=finding,
            interview=interview,
            captured_at=captured_at,
            expected_sha256=expected_sha256,
            appeal_consent=appeal_consent,
        )
        expected = expected_sha256.strip().lower()
        if not expected:
            raise ValidationError({"expected_sha256": [_("The device's SHA-256 is required.")]})
        kind, content_type = _content_checked(size=size, head=head, kind=kind)
        _hash_checked(received=sha256, expected=expected)
        item = MediaEvidence(
            uuid=uuid,
            visit=visit,
            finding=finding,
            interview=interview,
            kind=kind,
            original_name=original_name[-255:],
            content_type=content_type,
            size=size,
            sha256=sha256,
            captured_at=captured_at,
            device=device.strip()[:200],
            description=description.strip(),
            appeal_consent=appeal_consent,
            uploaded_by=actor,
        )
        item.file.name = stored_name
        item.full_clean(exclude=["file"])
    except BaseException:
        storage.delete(stored_name)
        raise
    _evidence_save(item, actor=actor, hash_verified=True)
    return item


def _device_detail(item: MediaEvidence) -> str:
    return (_("device: %(device)s") % {"device": item.device})[:300] if item.device else ""


def _custody(item: MediaEvidence, kind: str, actor: Any, at: datetime, detail: str = "") -> None:
    event = CustodyEvent(media=item, kind=kind, actor=actor, at=at, detail=detail[:300])
    event.full_clean()
    event.save()


def media_for(actor: Any, visit: Visit) -> QuerySet[MediaEvidence]:
    """The items of ``visit`` that ``actor`` may see (the visit itself already checked):
    items linked to an interview only for those who may see the people's identities, since a
    photo or a recording identifies the person."""
    items = visit.media.select_related("uploaded_by", "finding", "interview__person")
    if not visit_access(actor, visit).see_identities:
        items = items.filter(interview__isnull=True)
    # A video appeal: only for those the person allowed it to be shown to.
    refused = [
        item.pk
        for item in items.filter(appeal_consent__isnull=False).select_related("visit")
        if not appeal_may_watch(actor, item)
    ]
    return items.exclude(pk__in=refused) if refused else items


def media_check_visible(actor: Any, media: MediaEvidence) -> None:
    """Raises a ``core.access.Refused`` unless ``actor`` may see the visit and, for an item
    linked to an interview, the identities of the people met."""
    access = visit_access(actor, media.visit)
    message = _("You may not see this item.")
    access.check(VisitAction.VIEW, message)
    if media.interview_id is not None:
        access.check(VisitAction.SEE_IDENTITIES, message)
    if media.appeal_consent is not None:
        appeal_check_visible(actor, media)


def media_open(*, actor: Any, media: MediaEvidence, download: bool, detail: str = "") -> IO[bytes]:
    """Open the stored file for ``actor`` and add the view or download to its custody record.

    Raises a ``core.access.Refused`` (nothing recorded here; the caller audits the attempt).
    """
    media_check_visible(actor, media)
    kind = CustodyEvent.Kind.DOWNLOADED if download else CustodyEvent.Kind.VIEWED
    handle: IO[bytes] = media.file.storage.open(media.file.name, "rb")
    try:
        with transaction.atomic():
            _custody(media, kind, actor, timezone.now(), detail)
    except BaseException:
        handle.close()
        raise
    return handle
