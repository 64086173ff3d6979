"""Pages of the instruments: list, preview, upload and publish, diff, assignment to types."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuzet.core.policy import Action, can
from kuzet.core.spreadsheets import listed
from kuzet.instruments import services
from kuzet.instruments.diff import version_diff
from kuzet.instruments.forms import AssignTypesForm, UploadForm
from kuzet.instruments.models import Instrument, InstrumentVersion
from kuzet.instruments.xlsform import write_xlsform
from kuzet.registry.models import Norm


def _require(request: HttpRequest, action: Action) -> None:
    if not can(request.user, action):
        raise PermissionDenied


def _visible_versions(request: HttpRequest) -> Any:
    """Drafts are the secretariat's; so are tests, whose documents hold their right answers."""
    versions = InstrumentVersion.objects.all()
    if can(request.user, Action.MANAGE_INSTRUMENTS):
        return versions
    return versions.published().exclude(instrument__kind=Instrument.Kind.TEST)


def _version(request: HttpRequest, code: str, number: int) -> InstrumentVersion:
    version = (
        _visible_versions(request)
        .select_related("instrument")
        .filter(instrument__code=code, number=number)
        .first()
    )
    if version is None:
        raise Http404
    return version


@login_required
@require_GET
def instrument_list(request: HttpRequest) -> HttpResponse:
    _require(request, Action.VIEW_INSTRUMENTS)
    instruments = Instrument.objects.prefetch_related(
        Prefetch("versions", queryset=_visible_versions(request).order_by("-number")),
        "assignments__institution_type",
    )
    if not can(request.user, Action.MANAGE_INSTRUMENTS):
        instruments = instruments.exclude(kind=Instrument.Kind.TEST)
    return render(
        request,
        "instruments/instrument_list.html",
        {"instruments": instruments, "can_manage": can(request.user, Action.MANAGE_INSTRUMENTS)},
    )


@login_required
@require_GET
def version_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    _require(request, Action.VIEW_INSTRUMENTS)
    version = _version(request, code, number)
    language = request.GET.get("lang", "")
    if language not in ("ru", "kk", "en"):
        language = (
            (request.LANGUAGE_CODE or "ru") if request.LANGUAGE_CODE in ("ru", "kk", "en") else "ru"
        )
    codes = {c for s in _norm_codes(version.document) for c in s}
    norms = {n.code: n for n in Norm.objects.filter(code__in=codes)}
    return render(
        request,
        "instruments/version_detail.html",
        {
            "version": version,
            "instrument": version.instrument,
            "document": version.document,
            "language": language,
            "norms": norms,
            "can_manage": can(request.user, Action.MANAGE_INSTRUMENTS),
            "other_versions": _visible_versions(request)
            .filter(instrument=version.instrument)
            .exclude(pk=version.pk),
        },
    )


def _norm_codes(document: dict[str, Any]) -> list[list[str]]:
    from kuzet.instruments.schema import questions

    return [n.item.get("norms", []) for n in questions(document)]


@login_required
@require_http_methods(["GET", "POST"])
def version_upload(request: HttpRequest) -> HttpResponse:
    _require(request, Action.MANAGE_INSTRUMENTS)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        outcome = services.instrument_version_import(
            data=upload.read(),
            actor=request.user,
            filename=upload.name or "",
            attachments={f.name: f.read() for f in form.cleaned_data["lists"]},
        )
        if outcome.version is not None:
            if outcome.unchanged:
                messages.info(
                    request,
                    _("This file is identical to version %(number)s.")
                    % {"number": outcome.version.number},
                )
            return redirect(
                "instruments:version_detail",
                outcome.version.instrument.code,
                outcome.version.number,
            )
        errors = outcome.errors
    shown, more = listed(errors or [])
    return render(
        request,
        "instruments/version_upload.html",
        {"form": form, "errors": errors, "shown_errors": shown, "more_errors": more},
        status=422 if errors else 200,
    )


@login_required
@require_POST
def version_publish(request: HttpRequest, code: str, number: int) -> HttpResponse:
    _require(request, Action.MANAGE_INSTRUMENTS)
    version = _version(request, code, number)
    if version.is_published:
        messages.info(request, _("This version is already published."))
    else:
        services.instrument_version_publish(version=version, actor=request.user)
        messages.success(
            request, _("Version %(number)s is published.") % {"number": version.number}
        )
    return redirect("instruments:version_detail", code, number)


@login_required
@require_POST
def version_discard(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """Deleting a draft cannot be undone: the first post shows what goes, the second (with
    ``confirmed``) deletes it."""
    _require(request, Action.MANAGE_INSTRUMENTS)
    version = _version(request, code, number)
    if version.is_published:
        messages.error(
            request, _("A published version cannot be discarded; publish a new version instead.")
        )
        return redirect("instruments:version_detail", code, number)
    if request.POST.get("confirmed") != "1":
        return render(
            request,
            "instruments/version_discard_confirm.html",
            {"instrument": version.instrument, "version": version},
        )
    services.instrument_version_discard(version=version)
    messages.success(request, _("The draft was discarded."))
    return redirect("instruments:instrument_list")


@login_required
@require_GET
def version_xlsform(request: HttpRequest, code: str, number: int) -> HttpResponse:
    _require(request, Action.VIEW_INSTRUMENTS)
    version = _version(request, code, number)
    response = HttpResponse(
        write_xlsform(version.document),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{code}-v{number}.xlsx"'
    return response


@login_required
@require_GET
def version_compare(request: HttpRequest, code: str) -> HttpResponse:
    _require(request, Action.VIEW_INSTRUMENTS)
    instrument = get_object_or_404(Instrument, code=code)
    versions = list(_visible_versions(request).filter(instrument=instrument).order_by("number"))
    by_number = {v.number: v for v in versions}
    try:
        old = by_number[int(request.GET.get("a", ""))]
        new = by_number[int(request.GET.get("b", ""))]
    except (KeyError, ValueError):
        old, new = (versions[-2], versions[-1]) if len(versions) >= 2 else (None, None)
    diff = version_diff(old.document, new.document) if old and new else None
    return render(
        request,
        "instruments/version_compare.html",
        {"instrument": instrument, "versions": versions, "old": old, "new": new, "diff": diff},
    )


@login_required
@require_http_methods(["GET", "POST"])
def instrument_types(request: HttpRequest, code: str) -> HttpResponse:
    _require(request, Action.MANAGE_INSTRUMENTS)
    instrument = get_object_or_404(Instrument, code=code)
    current = list(instrument.assignments.values_list("institution_type__code", flat=True))
    form = AssignTypesForm(request.POST or None, initial={"types": current})
    if request.method == "POST" and form.is_valid():
        services.instrument_assign_types(
            instrument=instrument, type_codes=form.cleaned_data["types"]
        )
        messages.success(request, _("The institution types were saved."))
        return redirect("instruments:instrument_list")
    return render(
        request, "instruments/instrument_types.html", {"instrument": instrument, "form": form}
    )
