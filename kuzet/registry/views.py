"""Pages of the inventory: the list, an institution and the import."""

import csv
from datetime import date
from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_http_methods

from kuzet.core.policy import Action, can
from kuzet.core.spreadsheets import listed, upload_size_message
from kuzet.registry import norm_texts, selectors, services
from kuzet.registry.forms import ImportUploadForm, InventoryFilterForm, NormTextsUploadForm
from kuzet.registry.models import Institution, Norm
from kuzet.registry.services import (
    IMPORT_COLUMNS,
    IMPORT_EXAMPLE,
    REQUIRED_COLUMNS,
    ImportResult,
    RowError,
)

PAGE_SIZE = 50


@login_required
@require_GET
def institution_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_INVENTORY):
        raise PermissionDenied
    form = InventoryFilterForm(request.GET or None)
    # An unknown filter value (a stale link) is reported on the form and ignored.
    filters = form.cleaned_data if form.is_valid() else {}
    institutions = selectors.institution_list(user=request.user, filters=filters)
    page = Paginator(institutions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/institution_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_import": can(request.user, Action.IMPORT_INSTITUTIONS),
        },
    )


@login_required
@require_GET
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = selectors.institution_for_user(user=request.user, pk=pk)
    if institution is None:
        raise Http404
    return render(
        request,
        "registry/institution_detail.html",
        {
            "institution": institution,
            "days_since_last_visit": institution.days_since_last_visit(),
            # Editing happens in the admin; ask it rather than repeat its rule here.
            "can_edit": admin.site.has_permission(request)
            and admin.site.get_model_admin(Institution).has_change_permission(request, institution),
            "can_plan": institution.status == Institution.Status.ACTIVE
            and can(request.user, Action.PLAN_VISIT, institution.region_id),
        },
    )


@login_required
@require_GET
def institution_import_template(request: HttpRequest) -> HttpResponse:
    """A CSV with the import columns and one example row, to fill in a spreadsheet."""
    if not can(request.user, Action.IMPORT_INSTITUTIONS):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kuzet-institutions.csv"'
    response.write("\ufeff")  # so that Excel opens it as UTF-8
    writer = csv.writer(response)
    writer.writerow(IMPORT_COLUMNS)
    writer.writerow([IMPORT_EXAMPLE.get(column, "") for column in IMPORT_COLUMNS])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def institution_import(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.IMPORT_INSTITUTIONS):
        raise PermissionDenied
    result: ImportResult | None = None
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        refusal = upload_size_message(upload.size)
        if refusal:
            result = ImportResult(errors=[RowError(1, "", refusal)])
        else:
            result = services.institutions_import(
                file_name=upload.name, data=upload.read(), actor=request.user
            )
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "columns": IMPORT_COLUMNS,
        "required": REQUIRED_COLUMNS,
    }
    context["shown_errors"], context["more_errors"] = listed(result.errors if result else [])
    return render(
        request,
        "registry/institution_import.html",
        context,
        status=422 if result and not result.ok else 200,
    )


@login_required
@require_GET
def norm_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_INSTRUMENTS):
        raise PermissionDenied
    text = request.GET.get("q", "").strip()[:200]
    on = _day(request.GET.get("on", ""))
    day = on or timezone.localdate()
    norms = Norm.objects.search(text) if text else Norm.objects.all()
    page = Paginator(norms.prefetch_related("versions"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for norm in page.object_list:
        norm.in_force = norm.version_on(day)
    return render(
        request,
        "registry/norm_list.html",
        {
            "page": page,
            "q": text,
            "on": day,
            "on_given": on is not None,
            "can_import": can(request.user, Action.MANAGE_REFERENCE_DATA),
        },
    )


def _day(value: str) -> date | None:
    """A date given as YYYY-MM-DD, or None (missing, malformed or impossible)."""
    try:
        return parse_date(value.strip()[:10])
    except ValueError:  # well formed but impossible (2025-02-30)
        return None


@login_required
@require_GET
def norm_texts_import_template(request: HttpRequest) -> HttpResponse:
    """A CSV with the columns of an official-texts file and one example row."""
    if not can(request.user, Action.MANAGE_REFERENCE_DATA):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kuzet-norm-texts.csv"'
    response.write("\ufeff")  # so that Excel opens it as UTF-8
    writer = csv.writer(response)
    writer.writerow(norm_texts.COLUMNS)
    writer.writerow([norm_texts.EXAMPLE.get(column, "") for column in norm_texts.COLUMNS])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def norm_texts_import(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.MANAGE_REFERENCE_DATA):
        raise PermissionDenied
    result: norm_texts.TextsResult | None = None
    form = NormTextsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        refusal = upload_size_message(upload.size)
        if refusal:
            result = norm_texts.TextsResult(errors=[norm_texts.TextError(1, "", refusal)])
        else:
            result = norm_texts.norm_texts_import(
                file_name=upload.name or "", data=upload.read(), actor=request.user
            )
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "columns": norm_texts.COLUMNS,
        "required": norm_texts.REQUIRED_COLUMNS,
    }
    context["shown_errors"], context["more_errors"] = listed(result.errors if result else [])
    return render(
        request,
        "registry/norm_texts_import.html",
        context,
        status=422 if result and not result.ok else 200,
    )
