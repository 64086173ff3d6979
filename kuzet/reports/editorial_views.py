"""Pages of the annual report's editorial workspace: the sections of a year's edition,
their narrative in Russian and Kazakh side by side, statuses, the Council's approval and
publishing (``kuzet.reports.editorial`` holds the rules)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kuzet.core.access import audit_refusal
from kuzet.core.policy import Action, can

from . import translation
from .annual_annex import annex_name, recommendations_annex
from .editorial import (
    EditConflict,
    annual_edition_open,
    edition_approve,
    section_save,
    section_set_status,
    section_title,
)
from .exports import export_log
from .models import AnnualEdition, AnnualSection, TranslationClaim
from .tasks import annual_edition_publish


def _allowed(request: HttpRequest, object_id: str) -> None:
    if not can(request.user, Action.COMPILE_ANNUAL_REPORT):
        audit_refusal(user=request.user, object_type="reports.annualedition", object_id=object_id)
        raise PermissionDenied


def _workspace(
    request: HttpRequest,
    year: int,
    kept: dict[int, dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    edition = AnnualEdition.objects.filter(year=year).first()
    language = (get_language() or "ru").split("-")[0]
    sections: list[dict[str, Any]] = []
    if edition is not None:
        for section in edition.sections.select_related("updated_by").order_by("position"):
            mine = (kept or {}).get(section.pk)
            sections.append(
                {
                    "obj": section,
                    "title": section_title(section.key, language),
                    "text_ru": mine["text_ru"] if mine else section.text_ru,
                    "text_kk": mine["text_kk"] if mine else section.text_kk,
                    "conflict": mine is not None,
                }
            )
    return render(
        request,
        "reports/annual_workspace.html",
        {
            "year": year,
            "edition": edition,
            "sections": sections,
            "unapproved": [s["title"] for s in sections if s["obj"].status != "approved"],
            "may_approve": can(request.user, Action.APPROVE_ANNUAL_REPORT),
            "files": edition.files.order_by("language", "format") if edition else [],
        },
        status=status,
    )


@login_required
@require_GET
def annual_workspace(request: HttpRequest, year: int) -> HttpResponse:
    _allowed(request, str(year))
    return _workspace(request, year)


@login_required
@require_POST
def annual_workspace_open(request: HttpRequest, year: int) -> HttpResponse:
    _allowed(request, str(year))
    annual_edition_open(actor=request.user, year=year)
    return redirect("reports:annual_workspace", year)


def _problem(request: HttpRequest, year: int, exc: ValidationError) -> HttpResponse:
    for message in exc.messages:
        messages.error(request, message)
    return redirect("reports:annual_workspace", year)


@login_required
@require_POST
def annual_section_save(request: HttpRequest, section: int) -> HttpResponse:
    _allowed(request, f"section:{section}")
    obj = get_object_or_404(AnnualSection.objects.select_related("edition"), pk=section)
    year = obj.edition.year
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return _problem(
            request, year, ValidationError(_("The form is incomplete: reload the page."))
        )
    try:
        section_save(
            actor=request.user,
            section=obj,
            text_ru=str(request.POST.get("text_ru", "")),
            text_kk=str(request.POST.get("text_kk", "")),
            version=version,
        )
    except EditConflict as conflict:
        # Nothing is lost: the editor's own text stays in the form beside the saved one.
        messages.error(request, str(conflict))
        return _workspace(request, year, kept={obj.pk: conflict.mine}, status=409)
    except ValidationError as exc:
        return _problem(request, year, exc)
    messages.success(request, _("The section is saved."))
    return redirect(reverse("reports:annual_workspace", args=[year]) + f"#s{obj.pk}")


@login_required
@require_POST
def annual_section_status(request: HttpRequest, section: int) -> HttpResponse:
    _allowed(request, f"section:{section}")
    obj = get_object_or_404(AnnualSection.objects.select_related("edition"), pk=section)
    try:
        section_set_status(actor=request.user, section=obj, status=str(request.POST.get("status")))
    except PermissionDenied:
        audit_refusal(
            user=request.user, object_type="reports.annualsection", object_id=str(section)
        )
        raise
    except ValidationError as exc:
        return _problem(request, obj.edition.year, exc)
    return redirect("reports:annual_workspace", obj.edition.year)


@login_required
@require_POST
def annual_edition_approve(request: HttpRequest, edition: int) -> HttpResponse:
    _allowed(request, str(edition))
    obj = get_object_or_404(AnnualEdition, pk=edition)
    try:
        edition_approve(actor=request.user, edition=obj)
    except ValidationError as exc:
        return _problem(request, obj.year, exc)
    messages.success(request, _("The Council has approved the report."))
    return redirect("reports:annual_workspace", obj.year)


@login_required
@require_POST
def annual_edition_publish_view(request: HttpRequest, edition: int) -> HttpResponse:
    _allowed(request, str(edition))
    obj = get_object_or_404(AnnualEdition, pk=edition)
    try:
        annual_edition_publish(
            actor=request.user, edition=obj, marked=request.POST.get("untranslated") == "marked"
        )
    except ValidationError as exc:
        return _problem(request, obj.year, exc)
    messages.success(request, _("The report is published; its files are being built."))
    return redirect("reports:annual_workspace", obj.year)


def _queue_url(year: int, language: str, anchor: str = "") -> str:
    url = reverse("reports:annual_translations", args=[year])
    return url + (f"?language={language}" if language else "") + anchor


@login_required
@require_GET
def annual_translations(request: HttpRequest, year: int) -> HttpResponse:
    """The translation queue of the year's report."""
    _allowed(request, f"translations:{year}")
    language = request.GET.get("language", "kk")
    if language not in ("kk", "ru", ""):
        return render(
            request,
            "reports/bad_request.html",
            {"problems": [_("Unknown language “%(value)s”: use kk or ru.") % {"value": language}]},
            status=400,
        )
    passages = translation.translation_queue(year, language)
    return render(
        request,
        "reports/annual_translations.html",
        {
            "year": year,
            "language": language,
            "passages": passages,
            "progress": translation.progress(passages),
            "edition": translation.edition_of(year),
        },
    )


@login_required
@require_POST
def annual_translation_claim(request: HttpRequest, year: int) -> HttpResponse:
    _allowed(request, f"translations:{year}")
    source = str(request.POST.get("source", ""))
    language = str(request.POST.get("language", ""))
    back = str(request.POST.get("queue", "kk"))
    back = back if back in ("kk", "ru", "") else "kk"
    try:
        if request.POST.get("action") == "release":
            claim = TranslationClaim.objects.filter(
                year=year, source=source, language=language
            ).first()
            if claim is not None:
                translation.translation_release(actor=request.user, claim=claim)
            messages.success(request, _("The passage is back in the queue."))
        else:
            translation.translation_claim(
                actor=request.user, year=year, source=source, language=language
            )
            messages.success(request, _("The passage is yours to translate."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(_queue_url(year, back, f"#p-{source.replace(':', '')}"))


@login_required
@require_POST
def annual_translation_save(request: HttpRequest, year: int) -> HttpResponse:
    _allowed(request, f"translations:{year}")
    source = str(request.POST.get("source", ""))
    back = str(request.POST.get("queue", "kk"))
    back = back if back in ("kk", "ru", "") else "kk"
    try:
        translation.translation_save(
            actor=request.user,
            year=year,
            source=source,
            language=str(request.POST.get("language", "")),
            text=str(request.POST.get("text", "")),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_queue_url(year, back, f"#p-{source.replace(':', '')}"))
    messages.success(request, _("The translation is saved."))
    return redirect(_queue_url(year, back))


@login_required
@require_GET
def annual_recommendations_annex(request: HttpRequest, year: int) -> HttpResponse:
    """The annex: every recommendation of the year as a workbook, in ``lang``."""
    _allowed(request, f"annex:{year}")
    language = request.GET.get("lang", "ru")
    if language not in ("ru", "kk") or not 2000 <= year <= 2100:
        return render(
            request,
            "reports/bad_request.html",
            {"problems": [_("Use lang=ru or lang=kk, and a year between 2000 and 2100.")]},
            status=400,
        )
    with override(language):
        content, count = recommendations_annex(year=year, language=language)
    export_log(
        user=request.user,
        what=f"annual-recommendations-{year}.xlsx",
        params={"year": str(year), "lang": language},
        count=count,
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{annex_name(year, language)}"'
    return response
