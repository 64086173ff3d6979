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
from django.utils.translation import get_language, override, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kuzet.core.access import audit_refusal
from kuzet.core.policy import Action, can

from . import translation
from .annual_analysis import CANDIDATES
from .annual_annex import annex_name, recommendations_annex
from .annual_data import example_pools
from .editorial import (
    EditConflict,
    annual_edition_open,
    comment_add,
    comment_resolve,
    edition_approve,
    section_examples,
    section_examples_set,
    section_save,
    section_set_status,
    section_title,
)
from .exports import export_log
from .models import AnnualComment, AnnualEdition, AnnualSection, TranslationClaim
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
        published = edition.status == AnnualEdition.Status.PUBLISHED
        pools = example_pools(year, language) if not published else {}
        printed = {
            c["code"]: c for c in ((edition.content or {}).get(language) or {}).get("chapters", [])
        }
        comments: dict[int, list[AnnualComment]] = {}
        for comment in AnnualComment.objects.filter(section__edition=edition).select_related(
            "author", "resolved_by"
        ):
            comments.setdefault(comment.section_id, []).append(comment)
        for section in edition.sections.select_related("updated_by").order_by("position"):
            mine = (kept or {}).get(section.pk)
            entry: dict[str, Any] = {
                "obj": section,
                "title": section_title(section.key, language),
                "text_ru": mine["text_ru"] if mine else section.text_ru,
                "text_kk": mine["text_kk"] if mine else section.text_kk,
                "conflict": mine is not None,
                "comments": comments.get(section.pk, []),
                "open_comments": sum(
                    1 for c in comments.get(section.pk, []) if c.resolved_at is None
                ),
                "chapter": section.key.startswith("chapter:"),
                "anchor": "sec-" + section.key.replace(":", "-"),
            }
            if entry["chapter"]:
                code = section.key.split(":", 1)[1]
                if published:
                    chapter = printed.get(code, {})
                    entry["printed"] = chapter.get("candidates", [])
                    entry["chosen"] = chapter.get("chosen", [])
                else:
                    entry.update(_examples_form(section, pools.get(code, [])))
            sections.append(entry)
    return render(
        request,
        "reports/annual_workspace.html",
        {
            "year": year,
            "edition": edition,
            "sections": sections,
            "approved_count": sum(1 for s in sections if s["obj"].status == "approved"),
            "may_approve": can(request.user, Action.APPROVE_ANNUAL_REPORT),
            "files": edition.files.order_by("language", "format") if edition else [],
            "default_examples": CANDIDATES,
        },
        status=status,
    )


def _examples_form(section: AnnualSection, pool: list[dict[str, Any]]) -> dict[str, Any]:
    """A chapter's candidates for the editors' choice: the chosen first, in their order,
    then the others as ranked; the chosen ones no longer candidates (stale)."""
    chosen = section_examples(section)
    by_finding = {c["finding"]: c for c in pool}
    rows = [
        {"c": by_finding[f], "place": n}
        for n, f in enumerate([f for f in chosen if f in by_finding], start=1)
    ]
    rows += [{"c": c, "place": None} for c in pool if c["finding"] not in chosen]
    # The examples the report gives are shown; the other candidates fold away.
    shown = sum(1 for r in rows if r["place"]) or CANDIDATES
    return {
        "candidates": rows,
        "shown": rows[:shown],
        "more": rows[shown:],
        "chosen": [f for f in chosen if f in by_finding],
        "stale": [f for f in chosen if f not in by_finding],
        "was": ",".join(str(f) for f in chosen),
    }


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


def _whole(value: str, what: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = 0
    if not 1 <= number <= 9999999:
        raise ValidationError(what % {"value": value[:20]})
    return number


def _chosen_order(post: Any) -> tuple[list[int], list[int]]:
    """The examples the form chose, in the order asked (numbers, then the up/down button),
    and the choice the editor saw."""
    bad_id = _("“%(value)s” is not an example of the list: reload the page.")
    was = [_whole(v, bad_id) for v in str(post.get("was", "")).split(",") if v.strip()]
    if post.get("clear"):
        return [], was
    picks = [_whole(str(v), bad_id) for v in post.getlist("pick")]
    places: dict[int, int] = {}
    for finding in picks:
        given = str(post.get(f"place-{finding}", "")).strip()
        if given:
            try:
                place = int(given)
            except ValueError:
                place = 0
            if not 1 <= place <= 999:
                raise ValidationError(
                    _("“%(value)s” is not a place in the order: give a whole number from 1 to 999.")
                    % {"value": given[:20]}
                )
            places[finding] = place
    order = sorted(range(len(picks)), key=lambda i: (places.get(picks[i], 1000), i))
    chosen = [picks[i] for i in order]
    move = str(post.get("move", ""))
    if ":" in move:
        finding_text, direction = move.split(":", 1)
        finding = _whole(finding_text, bad_id)
        if finding in chosen and direction in ("up", "down"):
            i = chosen.index(finding)
            j = i - 1 if direction == "up" else i + 1
            if 0 <= j < len(chosen):
                chosen[i], chosen[j] = chosen[j], chosen[i]
    return chosen, was


@login_required
@require_POST
def annual_section_examples(request: HttpRequest, section: int) -> HttpResponse:
    """Save the editors' choice and order of a chapter's examples."""
    _allowed(request, f"section:{section}")
    obj = get_object_or_404(AnnualSection.objects.select_related("edition"), pk=section)
    year = obj.edition.year
    try:
        chosen, was = _chosen_order(request.POST)
        section_examples_set(actor=request.user, section=obj, findings=chosen, was=was)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("reports:annual_workspace", args=[year]) + f"#x{obj.pk}")
    if chosen:
        messages.success(
            request,
            _("The chapter gives the %(n)s chosen examples in this order.") % {"n": len(chosen)},
        )
    else:
        messages.success(
            request, _("No example is chosen: the chapter gives the generated default.")
        )
    return redirect(reverse("reports:annual_workspace", args=[year]) + f"#x{obj.pk}")


@login_required
@require_POST
def annual_section_comment(request: HttpRequest, section: int) -> HttpResponse:
    """Add an internal comment to a section."""
    _allowed(request, f"section:{section}")
    obj = get_object_or_404(AnnualSection.objects.select_related("edition"), pk=section)
    anchor = reverse("reports:annual_workspace", args=[obj.edition.year]) + f"#c{obj.pk}"
    try:
        comment_add(actor=request.user, section=obj, text=str(request.POST.get("text", "")))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(anchor)
    messages.success(request, pgettext("annual report", "The comment is added."))
    return redirect(anchor)


@login_required
@require_POST
def annual_comment_resolve(request: HttpRequest, comment: int) -> HttpResponse:
    """Mark a comment resolved, or open it again."""
    _allowed(request, f"comment:{comment}")
    obj = get_object_or_404(AnnualComment.objects.select_related("section__edition"), pk=comment)
    comment_resolve(actor=request.user, comment=obj, resolved=request.POST.get("resolved") == "1")
    return redirect(
        reverse("reports:annual_workspace", args=[obj.section.edition.year]) + f"#c{obj.section_id}"
    )
