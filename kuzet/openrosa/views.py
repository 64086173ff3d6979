"""The OpenRosa server for ODK Collect, KoBoCollect and Enketo at ``/openrosa/``
(docs/openrosa.md): form list, form download, manifest, submission; and the page where a
user makes the credential an ODK client signs in with.

ODK clients sign in with HTTP Basic over TLS: the user's login and an app password (a
field device token), never the account's password.
"""

import base64
import binascii
import io
import json
import zlib
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kuzet.field.models import DeviceToken
from kuzet.field.services import (
    TokenRefused,
    VisitClosed,
    device_token_authenticate,
    device_token_issue,
)
from kuzet.instruments.models import InstrumentVersion
from kuzet.openrosa import services
from kuzet.openrosa.xforms import form_id_of, form_title, md5_hash, parse_form_id, xform
from kuzet.visits.models import Visit
from kuzet.visits.services.access import LOCKED, visit_access

XFORMS_LIST = "http://openrosa.org/xforms/xformsList"
MANIFEST = "http://openrosa.org/xforms/xformsManifest"
RESPONSE = "http://openrosa.org/http/response"
REALM = "Kuzet"


def _language() -> str:
    return (get_language() or "ru").split("-")[0]


def _answer(body: str, status: int = 200, *, declaration: bool = True) -> HttpResponse:
    response = HttpResponse(
        ('<?xml version="1.0" encoding="UTF-8"?>\n' if declaration else "") + body,
        status=status,
        content_type="text/xml; charset=utf-8",
    )
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = http_date()
    return response


def _message(text: str, status: int, nature: str = "") -> HttpResponse:
    nature_attr = f" nature={quoteattr(nature)}" if nature else ""
    response = _answer(
        f'<OpenRosaResponse xmlns="{RESPONSE}"><message{nature_attr}>{escape(text)}</message>'
        "</OpenRosaResponse>",
        status,
    )
    response["X-OpenRosa-Accept-Content-Length"] = str(settings.KUZET_OPENROSA_MAX_POST_BYTES)
    return response


def _device(request: HttpRequest) -> DeviceToken | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, _colon, password = (
            base64.b64decode(value.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    try:
        device = device_token_authenticate(password)
    except TokenRefused:
        return None
    return device if device.user.get_username() == username else None


def _challenge() -> HttpResponse:
    response = _message(_("Sign in with your login and an app password from Kuzet."), 401)
    response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def openrosa(view: Any) -> Any:
    """An OpenRosa endpoint: TLS (Basic sends the password in the clear otherwise), then
    the app password; the view gets the device token."""

    @csrf_exempt
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.is_secure() and not settings.DEBUG:
            return _message(_("Use the server's https:// address."), 403)
        device = _device(request)
        if device is None:
            return _challenge()
        return view(request, device, *args, **kwargs)

    return wrapped


def _visits(user: Any) -> list[Visit]:
    """The visits the user may record on now (as the field app's package)."""
    candidates = (
        Visit.objects.filter(team__user=user)
        .exclude(status__in=LOCKED)
        .select_related("institution")
        .order_by("planned_date", "pk")
        .distinct()
    )
    return [v for v in candidates if visit_access(user, v).record]


def _forms(user: Any) -> list[tuple[Visit, InstrumentVersion]]:
    out = []
    for visit in _visits(user):
        versions = InstrumentVersion.objects.published().for_types([visit.institution.type_id])
        for version in versions.newest():
            out.append((visit, version))
    return out


def _form(user: Any, form_id: str) -> tuple[Visit, InstrumentVersion] | None:
    parsed = parse_form_id(form_id)
    if parsed is None:
        return None
    code, visit_pk = parsed
    for visit, version in _forms(user):
        if visit.pk == visit_pk and version.instrument.code == code:
            return visit, version
    return None


@require_http_methods(["GET", "HEAD"])
@openrosa
def form_list(request: HttpRequest, device: DeviceToken) -> HttpResponse:
    wanted = request.GET.get("formID")
    language = _language()
    items = []
    for visit, version in _forms(device.user):
        form_id = form_id_of(version, visit)
        if wanted and wanted != form_id:
            continue
        text = xform(version, visit, language)
        download = request.build_absolute_uri(reverse("openrosa:form", args=[form_id]))
        manifest = request.build_absolute_uri(reverse("openrosa:manifest", args=[form_id]))
        items.append(
            f"<xform><formID>{escape(form_id)}</formID>"
            f"<name>{escape(form_title(version, visit, language))}</name>"
            f"<version>{version.number}</version><hash>{md5_hash(text)}</hash>"
            f"<downloadUrl>{escape(download)}</downloadUrl>"
            f"<manifestUrl>{escape(manifest)}</manifestUrl></xform>"
        )
    return _answer(f'<xforms xmlns="{XFORMS_LIST}">{"".join(items)}</xforms>')


@require_http_methods(["GET", "HEAD"])
@openrosa
def form_download(request: HttpRequest, device: DeviceToken, form_id: str) -> HttpResponse:
    found = _form(device.user, form_id)
    if found is None:
        return _message(_("No such form for you; download the form list again."), 404)
    visit, version = found
    # Byte for byte the text whose MD5 the form list gave.
    return _answer(xform(version, visit, _language()), declaration=False)


@require_http_methods(["GET", "HEAD"])
@openrosa
def manifest(request: HttpRequest, device: DeviceToken, form_id: str) -> HttpResponse:
    if _form(device.user, form_id) is None:
        return _message(_("No such form for you; download the form list again."), 404)
    # Kuzet's forms carry their lists inline: no media files.
    return _answer(f'<manifest xmlns="{MANIFEST}"></manifest>')


@require_http_methods(["HEAD", "POST"])
@openrosa
def submission(request: HttpRequest, device: DeviceToken) -> HttpResponse:
    if request.method == "HEAD":
        response = _message("", 204)
        response.content = b""
        return response
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.KUZET_OPENROSA_MAX_POST_BYTES:
        return _too_large()
    try:
        parts = request.FILES
    except RequestDataTooBig:
        return _too_large()
    except MultiPartParserError:
        return _message(_("The request is not a readable multipart/form-data submission."), 400)
    xml_part = parts.get("xml_submission_file")
    if xml_part is None:
        return _message(
            _(
                "The submission's XML (xml_submission_file) is missing: files cannot be sent without it."
            ),
            400,
        )
    if (xml_part.size or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return _too_large()
    files: dict[str, UploadedFile] = {
        name: upload
        for name in parts
        if name != "xml_submission_file" and isinstance(upload := parts[name], UploadedFile)
    }
    try:
        outcome = services.odk_submission_receive(
            user=device.user, device=device, xml=xml_part.read(), files=files
        )
    except services.SubmissionRefused as refused:
        return _message(refused.message, refused.status)
    except VisitClosed as closed:
        text = (
            _("The visit is closed for new records.")
            if closed.code == "visit_locked"
            else _("You may not record on this visit.")
        )
        return _message(text, 403)
    return _message(outcome.message, 201, nature="submit_success")


def _too_large() -> HttpResponse:
    return _message(
        _("The request is larger than %(max)s bytes; send the files in several parts.")
        % {"max": settings.KUZET_OPENROSA_MAX_POST_BYTES},
        413,
    )


@login_required
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest) -> HttpResponse:
    """Make an app password for ODK Collect, shown once with the settings QR code."""
    context: dict[str, Any] = {
        "server_url": request.build_absolute_uri(reverse("openrosa:root")).rstrip("/"),
        "username": request.user.get_username(),
    }
    if request.method == "POST":
        name = " ".join(request.POST.get("name", "").split())[:80] or "ODK Collect"
        _device_row, token = device_token_issue(user=request.user, name=f"ODK: {name}")
        context["password"] = token
        context["qr_svg"] = _settings_qr(context["server_url"], context["username"], token)
    return render(request, "openrosa/connect.html", context)


def _settings_qr(server_url: str, username: str, password: str) -> str:
    """ODK Collect's settings QR code: zlib-compressed JSON, base64 (an inline SVG)."""
    settings_json = json.dumps(
        {
            "general": {
                "server_url": server_url.rstrip("/"),
                "username": username,
                "password": password,
            },
            "admin": {},
        }
    )
    payload = base64.b64encode(zlib.compress(settings_json.encode("utf-8"))).decode("ascii")
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]


def root(request: HttpRequest) -> HttpResponse:
    """The server URL typed into ODK Collect; clients append /formList and /submission."""
    return _message(_("Kuzet OpenRosa server: use /formList and /submission."), 200)
