"""The tus 1.0.0 endpoint at /api/v1/uploads/ (contract: docs/field-api.md, "Uploads").

Core protocol with the creation, checksum, termination and expiration extensions. Plain
Django views rather than django-ninja: a chunk's body is streamed with ``request.read(n)``
(never ``request.body``) and tus needs its own headers and statuses (460) on every answer.
They only read headers, call one service of ``field/uploads.py`` and render the answer;
the service's refusals become HTTP in one place, ``_refusal``.
"""

import base64
import binascii
import functools
import hashlib
import json
import re
import uuid as uuid_module
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kuzet.core import metrics
from kuzet.field.http import (
    Problem,
    device_authenticate,
    problem,
    request_language,
    server_error,
    token_refused,
)
from kuzet.field.models import DeviceToken
from kuzet.field.services import TokenRefused, VisitClosed
from kuzet.field.uploads import (
    Checksum,
    ChecksumMismatch,
    EvidenceImmutable,
    HashMismatch,
    IncompleteChunk,
    OffsetMismatch,
    PastUploadLength,
    RecordNotReceived,
    StorageUnavailable,
    UploadConflict,
    UploadError,
    UploadExpired,
    UploadInvalid,
    UploadMeta,
    UploadNotFound,
    UploadState,
    UploadTooLarge,
    upload_append,
    upload_create,
    upload_state,
    upload_terminate,
)
from kuzet.visits.models import MediaEvidence
from kuzet.visits.services.media import too_large_message

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,checksum,termination,expiration"
ALGORITHMS: dict[str, Callable[[], Any]] = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
CHUNK_TYPE = "application/offset+octet-stream"
DIGITS = re.compile(r"^[0-9]{1,19}$")
SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
MEDIA_HEADER = "Kuzet-Media"


def _tus_headers(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _options() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = EXTENSIONS
    response["Tus-Max-Size"] = str(settings.KUZET_MEDIA_MAX_BYTES)
    response["Tus-Checksum-Algorithm"] = ",".join(ALGORITHMS)
    return response


def _refusal(exc: UploadError | VisitClosed) -> HttpResponse:
    """The one translation of the upload service's refusals into HTTP."""
    match exc:
        case UploadNotFound():
            return problem(404, "not_found", _("Not found."))
        case UploadExpired():
            return problem(410, "upload_expired", _("This upload has expired; start it again."))
        case UploadConflict(stored_hash=stored_hash):
            extra = {"hash": stored_hash} if stored_hash else {}
            title = _("A different item with this identifier was uploaded before.")
            return problem(409, "conflict", title, **extra)
        case UploadInvalid(errors=errors, fields=fields, detail=detail):
            return problem(
                422,
                "invalid_upload",
                _("The item breaks a rule."),
                detail=detail,
                errors=errors,
                **({"fields": fields} if fields else {}),
            )
        case RecordNotReceived(record=record):
            return problem(
                422,
                "missing_reference",
                _("The item refers to a record not received yet; send it again after the record."),
                references=[str(record)],
            )
        case UploadTooLarge(max_bytes=max_bytes):
            return problem(413, "too_large", too_large_message(), max_bytes=max_bytes)
        case EvidenceImmutable():
            title = _("This upload is evidence now; evidence is never deleted.")
            return problem(403, "evidence_immutable", title)
        case OffsetMismatch(offset=offset):
            response = problem(
                409,
                "offset_mismatch",
                _("The upload is at another offset: ask for it (HEAD) and continue from there."),
                offset=offset,
            )
            response["Upload-Offset"] = str(offset)
            return response
        case PastUploadLength():
            title = _("The chunk goes past the end of the file announced in Upload-Length.")
            return problem(413, "past_upload_length", title)
        case IncompleteChunk():
            title = _("The chunk arrived incomplete; nothing of it was kept. Send it again.")
            return problem(400, "incomplete_body", title)
        case ChecksumMismatch():
            response = problem(
                460,
                "checksum_mismatch",
                _(
                    "The chunk was damaged on the way (checksum mismatch); nothing of it "
                    "was kept. Send it again."
                ),
            )
            response.reason_phrase = "Checksum Mismatch"
            return response
        case HashMismatch(expected=expected, received=received):
            return problem(
                422,
                "hash_mismatch",
                _(
                    "The file received has SHA-256 %(received)s, but the device recorded "
                    "%(expected)s; nothing was stored. Keep the item and upload it again."
                )
                % {"received": received, "expected": expected},
                expected=expected,
                received=received,
            )
        case StorageUnavailable():
            title = _("The server could not store the data. Try again later.")
            return problem(503, "storage_unavailable", title)
        case VisitClosed(code="visit_locked"):
            return problem(403, exc.code, _("This visit is approved; changes are amendments."))
        case VisitClosed():
            return problem(403, "access_denied", _("You may not record anything on this visit."))
    raise TypeError(f"no answer for {type(exc).__name__}")


def tus_endpoint(methods: set[str]) -> Callable[..., Callable[..., HttpResponse]]:
    """Answers OPTIONS, checks Tus-Resumable (412) and the device token (401), turns the
    service's refusals and the endpoint's own into problem documents, and sets
    Tus-Resumable on every other answer."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if request.method == "OPTIONS":
                return _options()
            with translation.override(request_language(request)):
                response = _answer(view, methods, request, **kwargs)
            if request.method == "HEAD":
                response.content = b""
            return _tus_headers(response)

        return wrapper

    return decorate


def _answer(
    view: Callable[..., HttpResponse], methods: set[str], request: HttpRequest, **kwargs: Any
) -> HttpResponse:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        response = problem(
            412,
            "unsupported_version",
            _("The request must say Tus-Resumable: 1.0.0, the version this server speaks."),
        )
        response["Tus-Version"] = TUS_VERSION
        return response
    if request.method not in methods:
        response = problem(405, "method_not_allowed", _("This method is not allowed here."))
        response["Allow"] = ", ".join(sorted(methods | {"OPTIONS"}))
        return response
    try:
        if _signed_in_on_the_web(request):
            _csrf_checked(request)
            return view(request, None, **kwargs)
        return view(request, device_authenticate(request), **kwargs)
    except TokenRefused as exc:
        return token_refused(exc)
    except (UploadError, VisitClosed) as exc:
        return _refusal(exc)
    except Problem as exc:
        return exc.response()
    except Exception as exc:
        return server_error(request, exc)


def _signed_in_on_the_web(request: HttpRequest) -> bool:
    """A web page's upload: no device token, a signed-in session instead (whose second
    factor TwoFactorMiddleware has already asked for)."""
    return "Authorization" not in request.headers and request.user.is_authenticated


def _csrf_checked(request: HttpRequest) -> None:
    """A session's request must carry the page's CSRF token (header X-CSRFToken)."""

    def nothing(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    refused = CsrfViewMiddleware(nothing).process_view(request, nothing, (), {})
    if refused is not None:
        raise Problem(403, "csrf_failed", _("The page has expired; reload it and try again."))


def _with_state(response: HttpResponse, state: UploadState) -> HttpResponse:
    response["Upload-Offset"] = str(state.offset)
    response["Upload-Length"] = str(state.length)
    if state.expires_at is not None:
        response["Upload-Expires"] = http_date(state.expires_at.timestamp())
    if state.media is not None:
        response[MEDIA_HEADER] = str(state.media)
    return response


# --- Reading headers ---------------------------------------------------------------------


def _bad(code: str, title: str) -> Problem:
    return Problem(400, code, title)


def _byte_count(request: HttpRequest, header: str, code: str, title: str) -> int:
    value = request.headers.get(header, "").strip()
    if not DIGITS.match(value):
        raise _bad(code, title)
    return int(value)


def parse_metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs (a value may be
    absent); values must be base64 of UTF-8 text and keys unique."""
    pairs: dict[str, str] = {}
    if not header.strip():
        return pairs
    malformed = _bad(
        "malformed_metadata",
        _("Upload-Metadata must be comma-separated keys, each with a base64 value."),
    )
    for item in header.split(","):
        parts = item.strip().split(" ")
        key = parts[0]
        if not key or len(parts) > 2 or key in pairs:
            raise malformed
        try:
            value = base64.b64decode(parts[1], validate=True) if len(parts) == 2 else b""
            pairs[key] = value.decode("utf-8")
        except (binascii.Error, ValueError):
            raise malformed from None
    return pairs


def _metadata(pairs: dict[str, str]) -> tuple[uuid_module.UUID, UploadMeta]:
    """The item's identifier and description, or 422 naming each key that is wrong."""
    fields: dict[str, list[str]] = {}

    def wrong(key: str, message: str) -> None:
        fields.setdefault(key, []).append(message)

    media_uuid = _uuid(pairs.get("media_uuid", ""))
    if media_uuid is None:
        wrong("media_uuid", _("The item's identifier (a UUID) is required."))
    visit = pairs.get("visit", "").strip()
    if not DIGITS.match(visit):
        wrong("visit", _("The visit's number is required."))
    sha256 = pairs.get("sha256", "").strip()
    if not SHA256_HEX.match(sha256):
        wrong("sha256", _("The file's SHA-256 (64 hexadecimal characters) is required."))
    kind = pairs.get("kind", "").strip()
    if kind and kind not in MediaEvidence.Kind.values:
        wrong("kind", _("Choose a kind from the list."))
    record = None
    if pairs.get("record", "").strip():
        record = _uuid(pairs["record"])
        if record is None:
            wrong("record", _("A record is named by its UUID."))
    captured_at = None
    if pairs.get("captured_at", "").strip():
        captured_at = _moment(pairs["captured_at"])
        if captured_at is None:
            wrong(
                "captured_at",
                _(
                    "A time is given in ISO 8601 with its offset from UTC, "
                    "e.g. 2026-12-01T10:30:00+05:00."
                ),
            )
    consent = None
    if "appeal_consent" in pairs:
        try:
            consent = json.loads(pairs["appeal_consent"])
        except ValueError:
            consent = None
        if not isinstance(consent, dict):
            wrong("appeal_consent", _("The consent of a video appeal is a JSON object."))
            consent = None
    web_links: dict[str, int] = {}
    for key in ("finding", "interview"):
        if pairs.get(key, "").strip():
            if DIGITS.match(pairs[key].strip()):
                web_links[f"{key}_id"] = int(pairs[key])
            else:
                wrong(key, _("A record is named by its number."))
    if fields:
        raise Problem(
            422,
            "invalid_request",
            _("The request does not have the expected form."),
            errors=[f"{key}: {m}" for key, messages in fields.items() for m in messages],
            fields=fields,
        )
    assert media_uuid is not None
    return media_uuid, UploadMeta(
        visit_id=int(visit),
        sha256=sha256.lower(),
        kind=kind,
        filename=pairs.get("filename", "").strip(),
        filetype=pairs.get("filetype", "").strip(),
        captured_at=captured_at,
        device=" ".join(pairs.get("device", "").split()),
        record=record,
        appeal_consent=consent,
        description=pairs.get("description", "").strip(),
        **web_links,
    )


def _uuid(value: str) -> uuid_module.UUID | None:
    try:
        return uuid_module.UUID(value.strip())
    except ValueError:
        return None


def _moment(value: str) -> datetime | None:
    """An ISO 8601 time with its offset; None for anything else (a time without an offset
    is not guessed in some zone)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def _checksum(request: HttpRequest) -> Checksum | None:
    header = request.headers.get("Upload-Checksum", "").strip()
    if not header:
        return None
    name, _space, encoded = header.partition(" ")
    algorithm = ALGORITHMS.get(name.strip().lower())
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if algorithm is None or len(digest) != algorithm().digest_size:
        raise _bad(
            "invalid_checksum",
            _("Upload-Checksum must be “sha1” or “sha256” and the base64 digest of the chunk."),
        )
    return Checksum(algorithm=algorithm, digest=digest)


# --- Views -------------------------------------------------------------------------------


@tus_endpoint({"POST"})
def uploads(request: HttpRequest, device: DeviceToken | None) -> HttpResponse:
    """Creation: ``Upload-Length`` and ``Upload-Metadata`` → 201 and ``Location``."""
    if "Upload-Defer-Length" in request.headers:
        raise _bad("invalid_upload_length", _("Upload-Length is required: give the file's size."))
    length = _byte_count(
        request,
        "Upload-Length",
        "invalid_upload_length",
        _("Upload-Length must be the file's size in bytes."),
    )
    media_uuid, meta = _metadata(parse_metadata(request.headers.get("Upload-Metadata", "")))
    state, created = upload_create(
        user=request.user, device=device, media_uuid=media_uuid, length=length, meta=meta
    )
    if created:
        metrics.upload_event("created")
    response = _with_state(HttpResponse(status=201), state)
    response["Location"] = reverse("uploads:upload", args=[state.id])
    return response


@tus_endpoint({"HEAD", "PATCH", "DELETE"})
def upload(request: HttpRequest, device: DeviceToken | None, upload_id: str) -> HttpResponse:
    """HEAD (where it stands), PATCH (append a chunk), DELETE (abandon it)."""
    wanted = _uuid(upload_id)
    if wanted is None:
        raise Problem(404, "not_found", _("Not found."))
    user = request.user
    if request.method == "HEAD":
        return _with_state(HttpResponse(status=200), upload_state(user=user, upload_id=wanted))
    if request.method == "DELETE":
        upload_terminate(user=user, upload_id=wanted)
        return HttpResponse(status=204)
    if request.content_type != CHUNK_TYPE:
        raise Problem(
            415,
            "unsupported_media_type",
            _("A chunk is sent with Content-Type: application/offset+octet-stream."),
        )
    offset = _byte_count(
        request, "Upload-Offset", "invalid_offset", _("Upload-Offset must be a number of bytes.")
    )
    if not DIGITS.match(request.META.get("CONTENT_LENGTH", "").strip()):
        raise Problem(411, "length_required", _("A chunk needs a Content-Length."))
    state = upload_append(
        user=user,
        upload_id=wanted,
        offset=offset,
        length=int(request.META["CONTENT_LENGTH"]),
        body=request,
        checksum=_checksum(request),
    )
    if state.offset > offset:
        metrics.upload_event("chunk", state.offset - offset)
        if state.media is not None:
            metrics.upload_event("completed")
    return _with_state(HttpResponse(status=204), state)


app_name = "uploads"
urlpatterns = [
    path("", uploads, name="uploads"),
    path("<str:upload_id>", upload, name="upload"),
]
