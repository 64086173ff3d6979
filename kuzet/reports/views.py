"""Pages of reports: a visit's report and the annual report on screen, generating them as
PDF or DOCX in the background (with a page that shows the progress), downloads, exports."""

import io
from datetime import date
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kuzet.core.access import Refused, audit_refusal
from kuzet.core.params import id_param
from kuzet.core.policy import Action, can
from kuzet.instruments.models import InstrumentVersion
from kuzet.visits.services.access import visit_access
from kuzet.visits.services.media import media_for
from kuzet.visits.workspace import visit_or_404

from . import exports
from .models import GeneratedReport
from .render import with_charts
from .services import (
    LANGUAGES,
    ReportSpec,
    annual_spec,
    annual_translation_check,
    check_options,
    may_download,
    report_content,
    report_data,
    report_document,
    reports_for,
    visit_spec,
)
from .tasks import report_request
from .text import data_sha256

G = GeneratedReport


def _bad_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return render(request, "reports/bad_request.html", {"problems": exc.messages}, status=400)


def _denied(
    request: HttpRequest, object_type: str, object_id: str, refusal: Exception | None = None
) -> PermissionDenied:
    """The reports' edge: a refusal is audited (with its reason when typed), answered 403."""
    audit_refusal(
        user=request.user,
        object_type=object_type,
        object_id=object_id,
        refusal=refusal if isinstance(refusal, Refused) else None,
    )
    return PermissionDenied()


def _language(request: HttpRequest, source: Any) -> str:
    """``lang`` of the query or form; by default the page's language if it is ru or kk."""
    current = (get_language() or "ru").split("-")[0]
    return str(source.get("lang") or (current if current in LANGUAGES else "ru"))


def _visit_report_spec(request: HttpRequest, pk: int, source: Any) -> ReportSpec:
    visit = visit_or_404(request, pk)
    default = "internal" if visit_access(request.user, visit).see_identities else "external"
    try:
        return visit_spec(
            actor=request.user,
            visit=visit,
            language=_language(request, source),
            edition=str(source.get("edition") or default),
        )
    except PermissionDenied as refusal:
        raise _denied(request, "visits.visit", str(pk), refusal) from None


def _year_period(source: Any) -> tuple[date, date]:
    """``year`` (a calendar year, this one by default) or ``start`` and ``end`` dates."""
    start, end = source.get("start", ""), source.get("end", "")
    if start or end:
        try:
            return date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            raise ValidationError(
                {"period": [_("Give the period as two dates, YYYY-MM-DD.")]}
            ) from None
    year = str(source.get("year") or timezone.localdate().year)
    if not (year.isdigit() and len(year) == 4):
        raise ValidationError(
            {"year": [_("Unknown year “%(value)s”: give four digits.") % {"value": year[:20]}]}
        )
    return date(int(year), 1, 1), date(int(year), 12, 31)


def _annual_report_spec(request: HttpRequest, source: Any) -> ReportSpec:
    start, end = _year_period(source)
    try:
        return annual_spec(
            actor=request.user,
            start=start,
            end=end,
            language=_language(request, source),
            marked=source.get("untranslated") == "marked",
        )
    except PermissionDenied as refusal:
        raise _denied(request, "reports.annual", f"{start:%Y%m%d}-{end:%Y%m%d}", refusal) from None


def _page(request: HttpRequest, spec: ReportSpec, context: dict[str, Any]) -> HttpResponse:
    data = report_data(spec)
    document = with_charts(report_document(spec, data))
    return render(
        request,
        "reports/report_page.html",
        {
            "doc": document,
            "data_sha256": data_sha256(data),
            "lang": spec.language,
            "report_languages": G.Language.choices,
            **context,
        },
    )


@login_required
@require_GET
def visit_report(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        spec = _visit_report_spec(request, pk, request.GET)
    except ValidationError as exc:
        return _bad_request(request, exc)
    assert spec.visit is not None
    editions = G.Edition.choices
    if not visit_access(request.user, spec.visit).see_identities:
        editions = [(v, label) for v, label in editions if v == "external"]
    return _page(
        request,
        spec,
        {
            "edition": spec.edition,
            "editions": editions,
            "keep": [],
            "generate_url": reverse("reports:visit_generate", args=[pk]),
            "back_url": reverse("visits:review_tab", args=[pk]),
            "media_url": reverse("reports:media_export", args=[pk]),
            "back_label": spec.visit.institution.name,
        },
    )


@login_required
@require_POST
def visit_generate(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        spec = _visit_report_spec(request, pk, request.POST)
        report = report_request(
            actor=request.user, spec=spec, fmt=str(request.POST.get("format", ""))
        )
    except ValidationError as exc:
        return _bad_request(request, exc)
    return redirect("reports:generated_detail", report.uuid)


@login_required
@require_GET
def annual_report(request: HttpRequest) -> HttpResponse:
    try:
        spec = _annual_report_spec(request, request.GET)
    except ValidationError as exc:
        return _bad_request(request, exc)
    keep = (
        [("start", spec.start.isoformat()), ("end", spec.end.isoformat())]
        if request.GET.get("start")
        else [("year", str(spec.start.year))]
    )
    return _page(
        request,
        spec,
        {
            "edition": "",
            "editions": [],
            "keep": keep,
            "generate_url": reverse("reports:annual_generate"),
            # Either edition may lack a text: Kazakh-first findings and recommendations.
            "marked_option": True,
            "workspace_url": reverse("reports:annual_workspace", args=[spec.start.year]),
            "back_url": reverse("reports:index"),
            "back_label": _("Reports"),
        },
    )


@login_required
@require_POST
def annual_generate(request: HttpRequest) -> HttpResponse:
    try:
        spec = _annual_report_spec(request, request.POST)
        # Refused at once, with the list, when the Kazakh edition lacks translations.
        annual_translation_check(spec, report_data(spec))
        report = report_request(
            actor=request.user, spec=spec, fmt=str(request.POST.get("format", ""))
        )
    except ValidationError as exc:
        return _bad_request(request, exc)
    return redirect("reports:generated_detail", report.uuid)


def _report_or_404(request: HttpRequest, uuid: UUID) -> GeneratedReport:
    """The report, if the user may have it; otherwise 404 whether it exists or not (a
    refusal is audited)."""
    report = (
        G.objects.select_related("visit__institution", "requested_by").filter(uuid=uuid).first()
    )
    if report is None:
        raise Http404
    if not may_download(request.user, report):
        _denied(request, "reports.generatedreport", str(report.pk))
        raise Http404
    return report


@login_required
@require_GET
def generated_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    report = _report_or_404(request, uuid)
    same_data = 0
    if report.data_sha256:
        same_data = (
            G.objects.filter(data_sha256=report.data_sha256, status=G.Status.DONE)
            .exclude(pk=report.pk)
            .count()
        )
    response = render(
        request, "reports/generated_detail.html", {"report": report, "same_data": same_data}
    )
    if not report.is_finished:
        # The progress indicator: the page reloads itself (no script: the CSP forbids inline ones).
        response["Refresh"] = "2"
    return response


@login_required
@require_GET
def download(request: HttpRequest, uuid: UUID) -> HttpResponse | FileResponse:
    report = _report_or_404(request, uuid)
    if report.status != G.Status.DONE:
        raise Http404
    if not report.file:  # removed by manage.py expire_reports
        message = _(
            "This report expired and its file was removed. Generate it again from the reports page."
        )
        return HttpResponse(message, status=410, content_type="text/plain; charset=utf-8")
    if report.edition == "internal":
        exports.export_log(
            user=request.user, what=f"report:{report.pk}", params={"uuid": str(uuid)}, count=1
        )
    response = FileResponse(
        io.BytesIO(report_content(report)),
        as_attachment=True,
        filename=report.download_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_VISIT) and not can(
        request.user, Action.COMPILE_ANNUAL_REPORT
    ):
        raise PermissionDenied
    recent = [r for r in reports_for(request.user)[:100] if may_download(request.user, r)][:50]
    versions = (
        InstrumentVersion.objects.published()
        .exclude(instrument__kind="test")  # tests are not filled on visits
        .select_related("instrument")
        .order_by("instrument__code", "-number")
    )
    return render(
        request,
        "reports/index.html",
        {
            "reports": recent,
            "can_compile": can(request.user, Action.COMPILE_ANNUAL_REPORT),
            "year": timezone.localdate().year,
            "report_languages": G.Language.choices,
            "datasets": exports.DATASETS,
            "versions": versions,
            "lang": _language(request, request.GET),
        },
    )


def _params(request: HttpRequest) -> dict[str, str]:
    return {
        k: str(v) for k, v in request.GET.items() if k not in ("lang", "format", "version") and v
    }


@login_required
@require_GET
def export(request: HttpRequest, dataset: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    if not can(request.user, Action.VIEW_VISIT):
        raise _denied(request, "reports.export", dataset)
    language = _language(request, request.GET)
    problems = []
    if dataset not in exports.DATASETS:
        problems.append(
            _("Unknown export “%(value)s”: use %(allowed)s.")
            % {"value": dataset, "allowed": ", ".join(exports.DATASETS)}
        )
    if fmt not in exports.FORMATS:
        problems.append(
            _("Unknown format “%(value)s”: use %(allowed)s.")
            % {"value": fmt, "allowed": " or ".join(exports.FORMATS)}
        )
    try:
        check_options(language=language)
    except ValidationError as exc:
        problems += exc.messages
    version = None
    if dataset == "responses" and not problems:
        version_id = id_param(request.GET.get("version"))
        version = (
            InstrumentVersion.objects.published().filter(pk=version_id).first()
            if version_id is not None
            else None
        )
        if version is None:
            problems.append(_("Choose a published version of an instrument (version=…)."))
    if problems:
        return _bad_request(request, ValidationError(problems))
    params = _params(request)
    table = exports.table_for(dataset, request.user, params, language, version)
    rows = list(table.rows)
    what = f"{dataset}.{fmt}" + (f":{version.pk}" if version else "")
    exports.export_log(user=request.user, what=what, params=params, count=len(rows))
    name = f"kuzet-{dataset}-{timezone.localdate():%Y%m%d}.{fmt}"
    table = exports.Table(table.name, table.headers, rows)
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_chunks(table), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            exports.xlsx_bytes(table),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def media_export(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    visit = visit_or_404(request, pk)
    items: QuerySet[Any] = media_for(request.user, visit).order_by("uploaded_at", "pk")
    shown = list(items)
    exports.export_log(
        user=request.user, what=f"media.zip:{visit.pk}", params={"visit": str(pk)}, count=len(shown)
    )
    response = StreamingHttpResponse(
        exports.media_zip(user=request.user, visit=visit, items=shown),
        content_type="application/zip",
    )
    response["Content-Disposition"] = f'attachment; filename="kuzet-visit-{visit.pk}-media.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
