"""The HTTP edge shared by the field API (``field/api.py``) and tus (``field/tus.py``): the
device token from ``Authorization: Bearer``, problem documents, the answer's language, and
the one place an unexpected error is logged and answered with 500.
"""

import json
import logging
import traceback
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from kuzet.field.models import DeviceToken
from kuzet.field.services import TokenRefused, device_token_authenticate

logger = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def request_language(request: HttpRequest) -> str:
    """The first supported language of ``Accept-Language`` (cookies are not asked)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


def problem(status: int, code: str, title: str, detail: str = "", **extra: Any) -> HttpResponse:
    """An RFC 9457 problem document; ``code`` is the stable, machine-readable reason."""
    body = {
        "type": f"urn:kuzet:problem:{code}",
        "title": str(title),
        "status": status,
        "detail": str(detail or title),
        "code": code,
        **extra,
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=PROBLEM
    )


class Problem(Exception):
    """A refusal decided at the edge (a header or a body of the wrong form), answered as a
    problem document; ``extra`` members never hold a value sent."""

    def __init__(self, status: int, code: str, title: str, **extra: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.title, self.extra = status, code, title, extra

    def response(self) -> HttpResponse:
        return problem(self.status, self.code, self.title, **self.extra)


# --- The device token ---------------------------------------------------------------------


def bearer_token(request: HttpRequest) -> str:
    """The token of ``Authorization: Bearer <token>``; TokenRefused("token_missing") without."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("token_missing")
    return token.strip()


def device_authenticate(request: HttpRequest, token: str | None = None) -> DeviceToken:
    """The device signed in by the request's bearer token (or ``token``, already read from
    it); its user becomes ``request.user``. Raises TokenRefused."""
    device = device_token_authenticate(bearer_token(request) if token is None else token)
    request.user = device.user
    return device


def _token_title(code: str) -> str:
    return {
        "token_missing": _("Sign in on this device first."),
        "token_invalid": _("This device is not signed in. Sign in again."),
        "token_expired": _(
            "The sign-in of this device has expired. Sign in again; nothing on the device is lost."
        ),
        "token_revoked": _(
            "The access of this device was revoked. Sign in again; nothing on the device is lost."
        ),
    }.get(code, _("This device is not signed in. Sign in again."))


def token_refused(exc: TokenRefused) -> HttpResponse:
    """401 with the reason (missing, invalid, expired, revoked) and the Bearer challenge."""
    response = problem(401, exc.code, _token_title(exc.code))
    response["WWW-Authenticate"] = 'Bearer realm="kuzet"'
    return response


# --- The unexpected -----------------------------------------------------------------------


def server_error(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """Log an unexpected exception and answer 500. The log says where, not what: an
    exception's message, the path and the body may quote what was sent (a person's name),
    so only the exception's type, the line that raised it, the method and the route
    pattern are written."""
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f"{frame[0].filename}:{frame[0].lineno}" if frame else "?"
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None) or "?"
    logger.error(
        "field: unexpected %s at %s (%s %s)", type(exc).__name__, where, request.method, route
    )
    return problem(500, "server_error", _("Something went wrong on the server. Try again later."))
