"""The public site (``/public/<language>/``): no sign-in, no third-party anything, every count
through the small-number rule. Pages and data files are kept in the cache under the data's
version (``data.version``): a publication or a new status is visible on the next request."""

import csv
import hashlib
import io
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kuzet.core.access import Refused
from kuzet.core.policy import Action, can
from kuzet.core.small import small, small_or_none
from kuzet.public import data
from kuzet.public.models import PublishedReport
from kuzet.public.services import publishable, report_publish, report_withdraw
from kuzet.recommendations.models import Addressee
from kuzet.reports.models import GeneratedReport
from kuzet.reports.services import report_content

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
# Query parameters a page reads; any other is ignored (and not part of the cache key).
KNOWN_PARAMS = ("year", "addressee")
CACHE_SECONDS = 24 * 3600
LICENCE = (
    "Creative Commons Attribution 4.0 International (CC BY 4.0), "
    "https://creativecommons.org/licenses/by/4.0/"
)


class BadParameter(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Validate the language, render in it, and answer from the cache when the data's
    version, the page and its known parameters are the same; a bad parameter is a 400 page
    that says which one (never cached)."""

    @wraps(view)
    def wrapper(request: HttpRequest, lang: str, **kwargs: Any) -> HttpResponse:
        if lang not in LANGUAGE_CODES:
            raise Http404
        params = "&".join(
            f"{name}={request.GET.get(name, '')[:40]}"
            for name in KNOWN_PARAMS
            if name in request.GET
        )
        raw = f"{data.version()}|{lang}|{request.path}|{params}"
        key = "public:" + hashlib.sha256(raw.encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            content, headers = hit
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            response["X-Kuzet-Cache"] = "hit"
            return response
        with translation.override(lang):
            try:
                response = view(request, lang, **kwargs)
            except BadParameter as bad:
                response = render(
                    request, "public/bad_parameter.html", {"message": bad.message, "lang": lang},
                    status=400,
                )  # fmt: skip
                response["Content-Language"] = lang
                return response
            if hasattr(response, "render"):
                response.render()
        response["Content-Language"] = lang
        if response.status_code == 200 and not response.streaming:
            headers = {
                name: response[name]
                for name in ("Content-Type", "Content-Disposition", "Content-Language")
                if response.has_header(name)
            }
            cache.set(key, (response.content, headers), CACHE_SECONDS)
        response["X-Kuzet-Cache"] = "miss"
        return response

    return wrapper


def _year(request: HttpRequest) -> int | None:
    value = request.GET.get("year", "")
    if not value:
        return None
    if not value.isdigit() or int(value) not in data.years():
        raise BadParameter(
            _("There is no published year “%(value)s”. Choose one of: %(years)s.")
            % {"value": value[:20], "years": ", ".join(map(str, data.years())) or "—"}
        )
    return int(value)


def _rows(rows: list[data.Row]) -> list[dict[str, Any]]:
    return [
        {"key": r.key, "label": r.label, **{c: small(n) for c, n in r.as_dict().items()}}
        for r in rows
    ]


def root(request: HttpRequest) -> HttpResponse:
    lang = translation.get_language_from_request(request)
    return HttpResponseRedirect(
        reverse("public:index", args=[lang if lang in LANGUAGE_CODES else "ru"])
    )


def _context(lang: str, **extra: Any) -> dict[str, Any]:
    return {
        "lang": lang,
        "languages": settings.LANGUAGES,
        "threshold": settings.KUZET_SMALL_COUNT,
        **extra,
    }


@require_GET
@public_page
def index(request: HttpRequest, lang: str) -> HttpResponse:
    year = _year(request)
    return render(
        request,
        "public/index.html",
        _context(
            lang,
            year=year,
            years=data.years(),
            by_year=_rows(data.indicators("year", language=lang)),
            by_region=_rows(data.indicators("region", year, language=lang)),
            by_department=_rows(data.indicators("department", year, language=lang)),
        ),
    )


@require_GET
@public_page
def reports(request: HttpRequest, lang: str) -> HttpResponse:
    return render(
        request, "public/reports.html", _context(lang, publications=data.published_reports())
    )


@require_GET
def report_file(request: HttpRequest, lang: str, pk: int) -> HttpResponse:
    """A published report's file (not cached here: it is already a stored file)."""
    if lang not in LANGUAGE_CODES:
        raise Http404
    publication = data.published_reports().filter(pk=pk).first()
    if publication is None:
        raise Http404
    report = publication.report
    response = HttpResponse(
        report_content(report),
        content_type="application/pdf" if report.format == "pdf" else (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
    )  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{report.download_name}"'
    return response


@require_GET
@public_page
def addressees(request: HttpRequest, lang: str) -> HttpResponse:
    code = request.GET.get("addressee", "")
    chosen = None
    lines: list[data.AddresseeLine] = []
    if code:
        chosen = Addressee.objects.filter(code=code[:60]).first()
        if chosen is None:
            raise BadParameter(_("There is no addressee “%(value)s”.") % {"value": code[:40]})
        lines = data.addressee_lines(chosen, timezone.localdate(), language=lang)
    table = [
        {"addressee": a, "issued": small(n), "implemented": small(d)}
        for a, n, d in data.addressees_table()
    ]
    return render(
        request,
        "public/addressees.html",
        _context(lang, table=table, chosen=chosen, lines=lines),
    )


@require_GET
@public_page
def open_data(request: HttpRequest, lang: str) -> HttpResponse:
    return render(
        request,
        "public/open_data.html",
        _context(lang, datasets=DATASETS, licence=LICENCE),
    )


def _dataset_rows(dataset: str, lang: str) -> list[dict[str, Any]]:
    if dataset == "addressees":
        return [
            {
                "addressee": a.code,
                "name": a.name,
                "recommendations": small_or_none(n),
                "implemented": small_or_none(d),
            }
            for a, n, d in data.addressees_table()
        ]
    if dataset == "years":
        return [
            {"year": r.key, **{c: small_or_none(n) for c, n in r.as_dict().items()}}
            for r in data.indicators("year", language=lang)
        ]
    group = {"regions": "region", "departments": "department"}[dataset]
    out = []
    for year in data.years():
        for r in data.indicators(group, year, language=lang):
            out.append(
                {
                    "year": year,
                    group: r.key,
                    "name": r.label,
                    **{c: small_or_none(n) for c, n in r.as_dict().items()},
                }
            )
    return out


DATASETS = ("years", "regions", "departments", "addressees")


@require_GET
@public_page
def data_file(request: HttpRequest, lang: str, dataset: str, fmt: str) -> HttpResponse:
    if dataset not in DATASETS or fmt not in ("csv", "json"):
        raise Http404
    rows = _dataset_rows(dataset, lang)
    note = _(
        "Counts below %(n)d are withheld (null in JSON, empty in CSV) so that no person "
        "can be singled out."
    ) % {"n": settings.KUZET_SMALL_COUNT}
    if fmt == "json":
        body = json.dumps(
            {"dataset": dataset, "licence": LICENCE, "note": note, "rows": rows},
            ensure_ascii=False,
            indent=1,
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kuzet-{dataset}-{lang}.{fmt}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """The secretariat's publication decisions: one report at a time."""
    if not can(request.user, Action.PUBLISH_REPORTS):
        raise PermissionDenied
    if request.method == "POST":
        try:
            if "withdraw" in request.POST:
                value = request.POST["withdraw"][:12]
                publication = (
                    PublishedReport.objects.filter(pk=int(value)).first()
                    if value.isdigit()
                    else None
                )
                if publication is None:
                    raise Http404
                report_withdraw(actor=request.user, publication=publication)
                messages.success(request, _("The report is withdrawn from the public site."))
            else:
                value = request.POST.get("report", "")[:12]
                report = (
                    GeneratedReport.objects.filter(pk=int(value)).first()
                    if value.isdigit()
                    else None
                )
                if report is None:
                    raise Http404
                report_publish(
                    actor=request.user, report=report, title=request.POST.get("title", "")
                )
                messages.success(request, _("The report is published on the public site."))
        except (ValidationError, Refused) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        return redirect("public:manage")
    candidates = [
        (report, publishable(report))
        for report in GeneratedReport.objects.filter(
            status=GeneratedReport.Status.DONE, edition=GeneratedReport.Edition.EXTERNAL
        ).select_related("visit__institution", "publication")[:200]
    ]
    return render(request, "public/manage.html", {"candidates": candidates})
