"""The tus 1.0.0 endpoint at /api/v1/uploads/ (contract: docs/field-api.md, "Uploads").

Core protocol with the creation, checksum, termination and expiration extensions. Plain
Django views rather than django-ninja: a chunk's body is streamed with ``request.read(n)``
(never ``request.body``) and tus needs its own headers and statuses (460) on every answer.
They only read headers, call one service of ``field/uploads.py`` and render the answer.
"""

import base64
import binascii
import functools
import hashlib
import json
import logging
import re
import traceback
import uuid as uuid_module
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kuzet.field.api import _token_title, problem, request_language
from kuzet.field.models import DeviceToken
from kuzet.field.services import TokenRefused, device_token_authenticate
from kuzet.field.uploads import (
    Checksum,
    UploadMeta,
    UploadProblem,
    UploadState,
    upload_append,
    upload_create,
    upload_state,
    upload_terminate,
)
from kuzet.visits.models import MediaEvidence

logger = logging.getLogger(__name__)
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


def _problem(exc: UploadProblem) -> HttpResponse:
    response = problem(exc.status, exc.code, exc.title, **exc.extra)
    if exc.status == 460:
        response.reason_phrase = "Checksum Mismatch"
    if "offset" in exc.extra:
        response["Upload-Offset"] = str(exc.extra["offset"])
    return response


def tus_endpoint(methods: set[str]) -> Callable[..., Callable[..., HttpResponse]]:
    """Answers OPTIONS, checks Tus-Resumable (412) and the device token (401), turns
    UploadProblem into a problem document, and sets Tus-Resumable on every other answer."""

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
        device = _authenticate(request)
        return view(request, device, **kwargs)
    except TokenRefused as exc:
        response = problem(401, exc.code, _token_title(exc.code))
        response["WWW-Authenticate"] = 'Bearer realm="kuzet"'
        return response
    except UploadProblem as exc:
        return _problem(exc)
    except Exception as exc:
        # Where, not what: an exception's message may quote what was sent.
        frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f"{frame[0].filename}:{frame[0].lineno}" if frame else "?"
        logger.error("uploads: unexpected %s at %s (%s)", type(exc).__name__, where, request.method)
        return problem(
            500, "server_error", _("Something went wrong on the server. Try again later.")
        )


def _authenticate(request: HttpRequest) -> DeviceToken:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("token_missing")
    device = device_token_authenticate(token.strip())
    request.user = device.user
    return device


def _with_state(response: HttpResponse, state: UploadState) -> HttpResponse:
    response["Upload-Offset"] = str(state.offset)
    response["Upload-Length"] = str(state.length)
    if state.expires_at is not None:
        response["Upload-Expires"] = http_date(state.expires_at.timestamp())
    if state.media is not None:
        response[MEDIA_HEADER] = str(state.media)
    return response


# --- Reading headers ---------------------------------------------------------------------


def _bad(code: str, title: str) -> UploadProblem:
    return UploadProblem(400, code, title)


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
            wrong("captured_at", _("A time is given in ISO 8601, e.g. 2026-12-01T10:30:00+05:00."))
    consent = None
    if "appeal_consent" in pairs:
        try:
            consent = json.loads(pairs["appeal_consent"])
        except ValueError:
            consent = None
        if not isinstance(consent, dict):
            wrong("appeal_consent", _("The consent of a video appeal is a JSON object."))
            consent = None
    if fields:
        raise UploadProblem(
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
    )


def _uuid(value: str) -> uuid_module.UUID | None:
    try:
        return uuid_module.UUID(value.strip())
    except ValueError:
        return None


def _moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


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
def uploads(request: HttpRequest, device: DeviceToken) -> HttpResponse:
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
    state, _created = upload_create(
        user=device.user, device=device, media_uuid=media_uuid, length=length, meta=meta
    )
    response = _with_state(HttpResponse(status=201), state)
    response["Location"] = reverse("uploads:upload", args=[state.id])
    return response


@tus_endpoint({"HEAD", "PATCH", "DELETE"})
def upload(request: HttpRequest, device: DeviceToken, upload_id: str) -> HttpResponse:
    """HEAD (where it stands), PATCH (append a chunk), DELETE (abandon it)."""
    wanted = _uuid(upload_id)
    if wanted is None:
        raise UploadProblem(404, "not_found", _("Not found."))
    user = device.user
    if request.method == "HEAD":
        return _with_state(HttpResponse(status=200), upload_state(user=user, upload_id=wanted))
    if request.method == "DELETE":
        upload_terminate(user=user, upload_id=wanted)
        return HttpResponse(status=204)
    if request.content_type != CHUNK_TYPE:
        raise UploadProblem(
            415,
            "unsupported_media_type",
            _("A chunk is sent with Content-Type: application/offset+octet-stream."),
        )
    offset = _byte_count(
        request, "Upload-Offset", "invalid_offset", _("Upload-Offset must be a number of bytes.")
    )
    if not DIGITS.match(request.META.get("CONTENT_LENGTH", "").strip()):
        raise UploadProblem(411, "length_required", _("A chunk needs a Content-Length."))
    state = upload_append(
        user=user,
        upload_id=wanted,
        offset=offset,
        length=int(request.META["CONTENT_LENGTH"]),
        body=request,
        checksum=_checksum(request),
    )
    return _with_state(HttpResponse(status=204), state)


app_name = "uploads"
urlpatterns = [
    path("", uploads, name="uploads"),
    path("<str:upload_id>", upload, name="upload"),
]
