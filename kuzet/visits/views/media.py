"""Pages of a visit's media evidence: the tab with the items and their custody, the upload,
and the file itself (served after a permission check; every view or download is recorded)."""

import mimetypes
import re
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from kuzet.core.access import Refused, audit_refusal
from kuzet.core.forms import show_service_errors
from kuzet.visits.models import CustodyEvent, Finding, Interview, MediaEvidence, Visit
from kuzet.visits.services.access import require_can_record, visit_access
from kuzet.visits.services.media import (
    EvidenceUploadHandler,
    media_add,
    media_check_visible,
    media_for,
    media_open,
    too_large_message,
)
from kuzet.visits.workspace import render_tab, visit_or_404


class InterviewChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # The person's code only: never a name.
        if obj.person_id:
            return str(obj.person.code)
        return f"{obj.get_kind_display()}, {obj.conducted_at:%d.%m.%Y}"


class MediaUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("as the file's content says")), *MediaEvidence.Kind.choices],
        required=False,
    )
    finding = forms.ModelChoiceField(
        Finding.objects.none(), label=gettext_lazy("Finding"), required=False
    )
    interview = InterviewChoiceField(
        Interview.objects.none(), label=gettext_lazy("Interview (person's code)"), required=False
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    captured_at = forms.DateTimeField(
        label=gettext_lazy("Captured at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        required=False,
    )
    device = forms.CharField(label=gettext_lazy("Device"), max_length=200, required=False)
    expected_sha256 = forms.CharField(
        label=gettext_lazy("SHA-256 computed on the device"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("If given, the upload is refused unless the file received matches."),
    )
    # Last: the browser sends the fields in this order, and those after a file that is
    # stopped for its size would be lost.
    file = forms.FileField(label=gettext_lazy("File"), required=False)

    def __init__(self, *args: Any, visit: Visit, identities: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        finding = self.fields["finding"]
        assert isinstance(finding, forms.ModelChoiceField)
        finding.queryset = visit.findings.all()
        if identities:
            interview = self.fields["interview"]
            assert isinstance(interview, forms.ModelChoiceField)
            interview.queryset = visit.interviews.select_related("person")
        else:
            del self.fields["interview"]


def _upload_form(request: HttpRequest, visit: Visit, *args: Any) -> MediaUploadForm:
    return MediaUploadForm(
        *args, visit=visit, identities=visit_access(request.user, visit).see_identities
    )


def _render_media_tab(
    request: HttpRequest,
    visit: Visit,
    form: MediaUploadForm,
    status: int = 200,
    errors: list[str] | None = None,
) -> HttpResponse:
    items = media_for(request.user, visit).prefetch_related(
        Prefetch("custody", queryset=CustodyEvent.objects.select_related("actor"))
    )
    shown = list(items)
    response = render_tab(
        request,
        visit,
        "media",
        "visits/tab_media.html",
        {
            "items": shown,
            "hidden_count": visit.media.count() - len(shown),
            "form": form,
            "upload_errors": errors or [],
            "max_bytes": settings.KUZET_MEDIA_MAX_BYTES,
            # A time typed in the form is in the site's zone (sent with its offset).
            "utc_offset": timezone.localtime().strftime("%z")[:3]
            + ":"
            + timezone.localtime().strftime("%z")[3:],
        },
    )
    response.status_code = status
    return response


@login_required
@require_GET
def media_tab(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    uploaded = _uuid_or_none(request.GET.get("uploaded", ""))
    if uploaded is not None:
        # Back from a resumable upload (upload.js): say what was stored, as after the form.
        item = media_for(request.user, visit).filter(uuid=uploaded, uploaded_by_id=request.user.pk)
        if stored := item.first():
            messages.success(
                request,
                _("Stored: %(kind)s, SHA-256 %(sha256)s.")
                % {"kind": stored.get_kind_display(), "sha256": stored.sha256},
            )
        return redirect("visits:media_tab", visit.pk)
    return _render_media_tab(request, visit, _upload_form(request, visit))


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


@csrf_exempt
@login_required
@require_POST
def media_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Checks who may upload before the body is read, then streams it through
    ``EvidenceUploadHandler``; the CSRF check follows (it reads the body)."""
    visit = visit_or_404(request, pk)
    try:
        require_can_record(request.user, visit)
    except Refused as refusal:
        audit_refusal(user=request.user, object_type="visits.visit", object_id=pk, refusal=refusal)
        raise
    except ValidationError as exc:
        return _render_media_tab(
            request, visit, _upload_form(request, visit), status=422, errors=exc.messages
        )
    handler = EvidenceUploadHandler(request)
    request.upload_handlers = [handler]
    return _receive_upload(request, visit, handler)


@csrf_protect
def _receive_upload(
    request: HttpRequest, visit: Visit, handler: EvidenceUploadHandler
) -> HttpResponse:
    form = _upload_form(request, visit, request.POST, request.FILES)
    valid = form.is_valid()
    if handler.too_large:
        form.add_error("file", too_large_message())
    elif valid and not form.cleaned_data["file"]:
        form.add_error("file", _("Choose a file to upload."))
    elif valid:
        data = form.cleaned_data
        try:
            item = media_add(
                actor=request.user,
                visit=visit,
                upload=data["file"],
                kind=data["kind"],
                finding=data["finding"],
                interview=data.get("interview"),
                description=data["description"],
                captured_at=data["captured_at"],
                device=data["device"],
                expected_sha256=data["expected_sha256"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Stored: %(kind)s, SHA-256 %(sha256)s.")
                % {"kind": item.get_kind_display(), "sha256": item.sha256},
            )
            return redirect("visits:media_tab", visit.pk)
    return _render_media_tab(request, visit, form, status=422)


class _Unsatisfiable(Exception):
    pass


RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(request: HttpRequest, item: MediaEvidence) -> tuple[int, int] | None:
    """The one byte range asked for (first, last), or None for the whole file.

    Only a single range is honoured: anything else (several ranges, a malformed header, an
    ``If-Range`` that is not this item's ETag) is answered with the whole file, as RFC 9110
    allows. Raises _Unsatisfiable for a range outside the file.
    """
    match = RANGE.match(request.headers.get("Range", "").strip())
    if match is None:
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range != _etag(item):
        return None
    first, last = match.groups()
    size = item.size
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0:
            raise _Unsatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise _Unsatisfiable
    return start, (min(int(last), size - 1) if last else size - 1)


def _etag(item: MediaEvidence) -> str:
    # The content never changes, so its hash is a strong validator.
    return f'"{item.sha256}"'


class _RangeReader:
    """``length`` bytes of an open file from ``start``, read in chunks by FileResponse."""

    def __init__(self, handle: Any, start: int, length: int) -> None:
        self.handle = handle
        self.remaining = length
        handle.seek(start)

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        want = self.remaining if size < 0 else min(size, self.remaining)
        chunk: bytes = self.handle.read(want)
        self.remaining -= len(chunk)
        return chunk

    def close(self) -> None:
        self.handle.close()


def _served_name(item: MediaEvidence) -> str:
    # Not the uploaded name, which may name the person photographed.
    extension = mimetypes.guess_extension(item.content_type) or ""
    return f"{item.kind}-{item.uuid}{extension}"


@login_required
@require_GET
def media_file(request: HttpRequest, uuid: UUID) -> HttpResponseBase:
    item = MediaEvidence.objects.filter(uuid=uuid).first()
    if item is None:
        raise Http404
    try:
        media_check_visible(request.user, item)
    except Refused as refused:
        audit_refusal(
            user=request.user,
            object_type="visits.mediaevidence",
            object_id=item.pk,
            refusal=refused,
        )
        # As for an item that does not exist: the answer does not reveal that it does.
        raise Http404 from None
    download = request.GET.get("download") == "1"
    try:
        byte_range = _byte_range(request, item)
    except _Unsatisfiable:
        refusal = HttpResponse(status=416)
        refusal["Content-Range"] = f"bytes */{item.size}"
        return refusal
    detail = f"bytes {byte_range[0]}-{byte_range[1]}/{item.size}" if byte_range else ""
    handle = media_open(actor=request.user, media=item, download=download, detail=detail)
    options: dict[str, Any] = {
        "as_attachment": download,
        "filename": _served_name(item),
        "content_type": item.content_type,
    }
    if byte_range is None:
        response = FileResponse(handle, **options)
    else:
        start, end = byte_range
        response = FileResponse(_RangeReader(handle, start, end - start + 1), status=206, **options)
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{item.size}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = _etag(item)
    response["X-Content-Type-Options"] = "nosniff"
    # Evidence is not kept in shared or browser caches: each view is a custody event.
    response["Cache-Control"] = "private, no-store"
    return response
