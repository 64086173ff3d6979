"""The field API at /api/v1/ (contract: docs/field-api.md).

Endpoints only check their input, call one service and render the result. Every error is
``application/problem+json`` in the language of ``Accept-Language``, never a traceback,
and never holds an interviewed person's identity (values sent are not echoed back).
"""

import functools
import json
import uuid as uuid_module
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypeVar

from django.contrib.auth import user_logged_in
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from pydantic import Field, StrictStr, ValidationInfo, field_validator

from kuzet.core import metrics
from kuzet.core.http import client_ip
from kuzet.core.policy import SignInStep, sign_in_step
from kuzet.field import keys
from kuzet.field.http import (
    device_authenticate,
    problem,
    request_language,
    server_error,
    token_refused,
)
from kuzet.field.models import DeviceToken
from kuzet.field.package import etag_of, package_content, to_json
from kuzet.field.records import (
    DATA_SCHEMAS,
    MissingReference,
    RecordRejected,
    rejected_by_service,
)
from kuzet.field.services import (
    MAX_BATCH,
    Envelope,
    SealedRecordError,
    SubmissionConflict,
    TokenRefused,
    VisitClosed,
    device_token_issue,
    receipt_of,
    receipts_of,
    submission_receive,
    submissions_receive,
)
from kuzet.field.uploads import media_receipt_of, media_receipts_of
from kuzet.people.throttle import SignInThrottled, remember_browser, sign_in_authenticate
from kuzet.people.two_factor import TooManyAttempts, has_confirmed_device, two_factor_verify

# Largest base64 ciphertext accepted: a record of about 1 MB of answers, with room to spare.
MAX_CIPHERTEXT_CHARS = 4 * 1024 * 1024

View = TypeVar("View", bound=Callable[..., Any])


def in_request_language(view: View) -> View:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with translation.override(request_language(request)):
            return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class FieldAPI(NinjaAPI):
    def on_exception(self, request: HttpRequest, exc: Any) -> HttpResponse:
        with translation.override(request_language(request)):
            return super().on_exception(request, exc)

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Error answers are sent as ``application/problem+json`` (RFC 9457), and the schema
        says so: ninja would document every answer as ``application/json``."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for code, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(code) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        # A sealed record's ``data`` by its type (docs/field-api.md): the envelope carries
        # it as an object the server reads with these schemas.
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for kind, model in DATA_SCHEMAS.items():
            found = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, nested in found.pop("$defs", {}).items():
                components.setdefault(name, nested)
            found["description"] = f"The data of a sealed record of type “{kind}”."
            components[model.__name__] = found
        return schema


class NotAnObject(ValueError):
    """The body is JSON, but not an object: ``[]``, ``"x"``, ``3`` or ``null``."""


class ObjectBodyParser(Parser):
    """Every endpoint takes a JSON object. Without this, ninja reads a list or a string as
    an object with no fields and answers "uuid: Field required", which hides what is wrong."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise NotAnObject
        return data


class DeviceTokenAuth(HttpBearer):
    """``Authorization: Bearer kzt_…``; a refused token says why (expired, revoked)."""

    def __call__(self, request: HttpRequest) -> Any:
        return device_authenticate(request)

    def authenticate(self, request: HttpRequest, token: str) -> DeviceToken:
        return device_authenticate(request, token)


api = FieldAPI(
    title="Kuzet field API",
    version="1",
    description="The contract between Kuzet's server and the offline field app: docs/field-api.md.",
    urls_namespace="api-v1",
    # Swagger UI would load scripts from a CDN: no third-party service at run time.
    docs_url=None,
    auth=DeviceTokenAuth(),
    parser=ObjectBodyParser(),
)


# --- Errors -------------------------------------------------------------------------


@api.exception_handler(TokenRefused)
def _token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    return token_refused(exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _token_refused(request, TokenRefused("token_missing"))


class SignInRefused(Exception):
    def __init__(self, status: int, code: str, title: str, retry_after: int | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.title = status, code, title
        self.retry_after = retry_after


@api.exception_handler(SignInRefused)
def _sign_in_refused(request: HttpRequest, exc: SignInRefused) -> HttpResponse:
    if exc.retry_after is None:
        return problem(exc.status, exc.code, exc.title)
    response = problem(exc.status, exc.code, exc.title, retry_after=exc.retry_after)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _path(loc: Any) -> str:
    parts = list(loc)
    # ninja prefixes the source and the parameter: ("body", "payload", "uuid").
    if parts and parts[0] in ("body", "path", "query", "header"):
        parts = parts[1:]
        if len(parts) > 1 and parts[0] == "payload":
            parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


@api.exception_handler(SchemaValidationError)
def _schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    # An empty body never reaches the parser: ninja finds the whole payload missing.
    if exc.errors and all(
        error.get("type") == "missing" and tuple(error.get("loc", ())) == ("body", "payload")
        for error in exc.errors
    ):
        return problem(400, "malformed_body", _("The request body must be a JSON object."))
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_path(error.get("loc", ())) or "(body)", []).append(
            str(error.get("msg", ""))
        )
    return problem(
        422,
        "invalid_request",
        _("The request does not have the expected form."),
        errors=[f"{path}: {m}" for path, messages in fields.items() for m in messages],
        fields=fields,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        # ninja turns whatever the parser raised into HttpError(400) "from" it.
        if isinstance(exc.__cause__, NotAnObject):
            return problem(400, "malformed_body", _("The request body must be a JSON object."))
        return problem(400, "malformed_body", _("The request body is not valid JSON."))
    if exc.status_code == 429:
        return problem(429, "throttled", _("Too many requests. Try again in a moment."))
    return problem(exc.status_code, "error", _("The request cannot be answered."))


@api.exception_handler(MultiPartParserError)
def _unreadable_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # A body sent as multipart/form-data (with or without a boundary): every endpoint
    # takes JSON, so it is answered as a malformed body, not a server error.
    return problem(400, "malformed_body", _("The request body is not valid JSON."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(403, "access_denied", _("You may not do this."))


@api.exception_handler(DjangoValidationError)
def _invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return _record_rejected(request, rejected_by_service(exc))


@api.exception_handler(SealedRecordError)
def _sealed_record_error(request: HttpRequest, exc: SealedRecordError) -> HttpResponse:
    titles = {
        "unknown_key": _(
            "The record is sealed to a key this server does not hold. Refresh the package."
        ),
        "tampered": _("The sealed record cannot be opened: it was changed or damaged."),
        "malformed_envelope": _("The sealed record is incomplete or damaged."),
        "malformed_record": _("The sealed record is not a complete record."),
        "uuid_mismatch": _("The record inside does not carry the submission's identifier."),
    }
    return problem(400, exc.code, titles.get(exc.code, titles["malformed_envelope"]))


@api.exception_handler(SubmissionConflict)
def _conflict(request: HttpRequest, exc: SubmissionConflict) -> HttpResponse:
    extra = {"hash": exc.stored_hash} if exc.stored_hash else {}
    return problem(
        409,
        "conflict",
        _("A different record with this identifier was received before."),
        **extra,
    )


@api.exception_handler(VisitClosed)
def _visit_closed(request: HttpRequest, exc: VisitClosed) -> HttpResponse:
    if exc.code == "visit_locked":
        return problem(403, exc.code, _("This visit is approved; changes are amendments."))
    return problem(403, exc.code, _("You may not record anything on this visit."))


@api.exception_handler(RecordRejected)
def _record_rejected(request: HttpRequest, exc: RecordRejected) -> HttpResponse:
    extra: dict[str, Any] = {"errors": exc.errors}
    if exc.fields:
        extra["fields"] = exc.fields
    if isinstance(exc.errors, dict):
        detail = _("%(count)s answers are missing or invalid.") % {"count": len(exc.errors)}
    else:
        detail = " ".join(exc.errors)
    return problem(422, "invalid_record", _("The record breaks a rule."), detail, **extra)


@api.exception_handler(MissingReference)
def _missing_reference(request: HttpRequest, exc: MissingReference) -> HttpResponse:
    return problem(
        422,
        "missing_reference",
        _("The record refers to records not received yet; send it again after them."),
        references=exc.uuids,
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    return server_error(request, exc)


# --- Schemas ------------------------------------------------------------------------


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[str] | dict[str, list[str]] | None = None
    fields: dict[str, list[str]] | None = None


class TokenIn(Schema):
    username: StrictStr = Field(max_length=150)
    password: StrictStr = Field(max_length=4096)
    otp: StrictStr | None = Field(default=None, max_length=16)
    device_name: StrictStr = Field(min_length=1, max_length=100)


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    role: str


class TokenOut(Schema):
    token: str
    device_id: int
    device_name: str
    expires_at: datetime
    user: UserOut


class EnvelopeIn(Schema):
    """A sealed record: v1 ``RSA-OAEP-256+A256GCM`` (``key`` the wrapped AES key) or v2
    ``ECDH-ES+HKDF-SHA256+A256GCM`` (``key`` the ephemeral P-256 public key)."""

    v: Literal[1, 2]
    alg: Literal["RSA-OAEP-256+A256GCM", "ECDH-ES+HKDF-SHA256+A256GCM"]
    kid: StrictStr = Field(max_length=64)
    key: StrictStr = Field(max_length=2048)
    iv: StrictStr = Field(max_length=64)
    ct: StrictStr = Field(max_length=MAX_CIPHERTEXT_CHARS)

    @field_validator("alg")
    @classmethod
    def _alg_of_its_version(cls, alg: str, info: ValidationInfo) -> str:
        version = info.data.get("v")
        if version is not None and keys.ALGORITHMS[version] != alg:
            raise ValueError(f"envelope version {version} is {keys.ALGORITHMS[version]}")
        return alg


class SubmissionIn(Schema):
    uuid: uuid_module.UUID
    envelope: EnvelopeIn


class ReceiptOut(Schema):
    uuid: uuid_module.UUID
    hash: str
    received_at: datetime
    type: str
    object_id: int


class ReceiptsIn(Schema):
    uuids: list[uuid_module.UUID] = Field(min_length=1, max_length=MAX_BATCH)


class ReceiptsOut(Schema):
    # One per UUID asked, in the order asked: the receipt, or null when there is none.
    receipts: list[ReceiptOut | None]


class BatchIn(Schema):
    submissions: list[SubmissionIn] = Field(min_length=1, max_length=MAX_BATCH)


class BatchItemOut(Schema):
    uuid: uuid_module.UUID
    # What the single endpoint would have answered for this record: 201, 200, 400, 403,
    # 409, 422 (or 500); ``receipt`` for 200 and 201, ``problem`` for the others.
    status: int
    receipt: ReceiptOut | None = None
    # A problem document as the single endpoint sends it (with ``hash`` on a conflict,
    # ``references`` on a missing reference).
    problem: dict[str, Any] | None = None


class BatchOut(Schema):
    results: list[BatchItemOut]


class ServerKeyOut(Schema):
    kid: str
    spki: str


class PackageOut(Schema):
    generated_at: datetime
    user: UserOut
    server_key: ServerKeyOut
    # Envelope v2's P-256 key (ECDH-ES): a client that knows v2 seals to it; older clients
    # keep sealing v1 to ``server_key``.
    server_key_v2: ServerKeyOut
    visits: list[dict[str, Any]]
    institutions: list[dict[str, Any]]
    instruments: list[dict[str, Any]]
    norms: list[dict[str, Any]]
    previous_visits: list[dict[str, Any]]
    open_recommendations: list[dict[str, Any]]
    addressees: list[dict[str, Any]]
    choices: dict[str, list[list[str]]]
    rules: dict[str, Any]
    time_zone: str


ERRORS: dict[int, Any] = {code: Problem for code in (400, 401, 403, 404, 409, 422, 429, 500)}


def _user_out(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.full_name,
        "role": user.role,
    }


def _receipt(submission: Any) -> dict[str, Any]:
    return {
        "uuid": submission.uuid,
        "hash": submission.content_hash,
        "received_at": submission.received_at,
        "type": submission.type,
        "object_id": submission.object_id,
    }


# --- Endpoints ----------------------------------------------------------------------


@api.post("/auth/device-token", auth=None, response={201: TokenOut, **ERRORS}, tags=["auth"])
@in_request_language
def device_token(
    request: HttpRequest, payload: TokenIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """Sign a device in with password (and TOTP): a device token, shown once."""
    try:
        user = sign_in_authenticate(request, username=payload.username, password=payload.password)
    except SignInThrottled as throttled:
        raise SignInRefused(
            429, "sign_in_throttled", throttled.message(), throttled.retry_after
        ) from None
    if user is None:
        raise SignInRefused(401, "invalid_credentials", _("Wrong login or password."))
    remember_browser(response, user)
    has_device, verified = has_confirmed_device(user), False
    if has_device:
        if not payload.otp or not payload.otp.strip():
            raise SignInRefused(
                401, "otp_required", _("Enter the code from your authenticator app.")
            )
        try:
            totp = two_factor_verify(user=user, token=payload.otp, address=client_ip(request))
        except TooManyAttempts as throttled:
            raise SignInRefused(
                429, "otp_throttled", throttled.message(), throttled.retry_after
            ) from None
        if totp is None:
            raise SignInRefused(
                401,
                "otp_invalid",
                _("This code is not valid. Check the time on your phone and try again."),
            )
        verified = True
    step = sign_in_step(user, has_second_factor=has_device, verified_second_factor=verified)
    if step == SignInStep.ENROL_SECOND_FACTOR:
        raise SignInRefused(
            403,
            "enrol_two_factor",
            _("Your role needs two-factor authentication: set it up on the web first."),
        )
    # The sign-in of a device is a sign-in: audited, last login kept.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    device, token = device_token_issue(user=user, name=payload.device_name)
    return Status(
        201,
        {
            "token": token,
            "device_id": device.pk,
            "device_name": device.name,
            "expires_at": device.expires_at,
            "user": _user_out(user),
        },
    )


def _etag_matches(header: str, etag: str) -> bool:
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in wanted or etag in wanted


@api.get("/field/package", response={200: PackageOut, 304: None, **ERRORS}, tags=["field"])
@in_request_language
def field_package(request: HttpRequest) -> HttpResponse:
    """Everything the signed-in user needs offline; ``If-None-Match`` gives 304."""
    content = package_content(request.auth.user)  # type: ignore[attr-defined]
    etag = etag_of(to_json(content))
    if _etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
    else:
        body = to_json({"generated_at": timezone.now().isoformat(), **content})
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Accept-Language, Authorization"
    return response


@api.post(
    "/field/submissions", response={200: ReceiptOut, 201: ReceiptOut, **ERRORS}, tags=["field"]
)
@in_request_language
def field_submission(request: HttpRequest, payload: SubmissionIn) -> Status[dict[str, Any]]:
    """One finalized record, sealed to the server's key: 201 new, 200 the same again.

    Seal once and store the envelope; after a lost answer, a 5xx or a timeout send the same
    envelope again (200 with the receipt if the first attempt committed, also while it is
    still committing). A record sealed again is other content: 409. ``key``, ``iv`` and
    ``ct`` are standard padded base64; ``ct`` at most 4,194,304 characters. The record's
    data rules (required fields, choices, interview and consent rules, answers): see
    docs/field-api.md, "Writing a client: the rules in full"."""
    device: DeviceToken = request.auth  # type: ignore[attr-defined]
    envelope = Envelope(
        kid=payload.envelope.kid,
        key=payload.envelope.key,
        iv=payload.envelope.iv,
        ct=payload.envelope.ct,
        v=payload.envelope.v,
    )
    submission, created = submission_receive(
        user=device.user, device=device, uuid=payload.uuid, envelope=envelope
    )
    metrics.submission_received(created=created)
    return Status(201 if created else 200, _receipt(submission))


@api.post("/field/submissions/batch", response={200: BatchOut, **ERRORS}, tags=["field"])
@in_request_language
def field_submission_batch(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    """Several finalized records at once (1 to 100, the body at most 5 MiB): 200 with one
    result per record, in the order sent.

    Each record is received exactly as by ``POST /field/submissions`` and stands or falls
    alone: its ``status`` is what that endpoint would have answered (201 new, 200 the same
    again, else a problem), with the ``receipt`` or the ``problem``. A record refused is
    not stored, and the others are. Sending the same batch again is safe: the records
    stored answer 200 with their receipts. Keep every record not answered 200 or 201 and
    act on it as on the single endpoint's answer; after a lost answer or a 5xx, send the
    whole batch again."""
    device: DeviceToken = request.auth  # type: ignore[attr-defined]
    items = [
        (
            item.uuid,
            Envelope(
                kid=item.envelope.kid,
                key=item.envelope.key,
                iv=item.envelope.iv,
                ct=item.envelope.ct,
                v=item.envelope.v,
            ),
        )
        for item in payload.submissions
    ]
    results = []
    for received in submissions_receive(user=device.user, device=device, items=items):
        if received.submission is not None:
            metrics.submission_received(created=received.created)
            results.append(
                {
                    "uuid": received.uuid,
                    "status": 201 if received.created else 200,
                    "receipt": _receipt(received.submission),
                }
            )
        else:
            assert received.error is not None
            answer = api.on_exception(request, received.error)
            results.append(
                {
                    "uuid": received.uuid,
                    "status": answer.status_code,
                    "problem": json.loads(answer.content),
                }
            )
    return {"results": results}


@api.get("/field/receipts/{uuid}", response={200: ReceiptOut, **ERRORS}, tags=["field"])
@in_request_language
def field_receipt(request: HttpRequest, uuid: str) -> dict[str, Any]:
    """The receipt of a submission, or of a media item uploaded (tus), of this token's user."""
    try:
        wanted = uuid_module.UUID(uuid)
    except ValueError:
        raise Http404 from None
    submission = receipt_of(user=request.auth.user, uuid=wanted)  # type: ignore[attr-defined]
    if submission is None:
        media = media_receipt_of(user=request.auth.user, uuid=wanted)  # type: ignore[attr-defined]
        if media is None:
            raise Http404
        return media
    return _receipt(submission)


@api.post("/field/receipts", response={200: ReceiptsOut, **ERRORS}, tags=["field"])
@in_request_language
def field_receipts(request: HttpRequest, payload: ReceiptsIn) -> dict[str, Any]:
    """The receipts of several submissions or media items (1 to 100) at once: one per UUID,
    in the order asked, each as ``GET /field/receipts/{uuid}`` answers it, or ``null`` where
    that endpoint would answer 404. A client confirms a batch it sent with one request."""
    user = request.auth.user  # type: ignore[attr-defined]
    found: dict[uuid_module.UUID, dict[str, Any]] = {
        wanted: _receipt(submission)
        for wanted, submission in receipts_of(user=user, uuids=payload.uuids).items()
    }
    # Media items only for what is not a record (a sync of records asks no more).
    others = [wanted for wanted in payload.uuids if wanted not in found]
    if others:
        found.update(media_receipts_of(user=user, uuids=others))
    return {"receipts": [found.get(wanted) for wanted in payload.uuids]}
