"""The visit's overview and record tabs, its times in and out, and its lifecycle steps."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kuzet.core.forms import show_service_errors
from kuzet.visits.forms import TransitionForm, VisitTimesForm
from kuzet.visits.models import Visit
from kuzet.visits.preparation import preparation_pack
from kuzet.visits.services.lifecycle import (
    CONFIRMED_STEPS,
    SEND_STEP,
    next_steps,
    step_check,
    step_summary,
    visit_times_set,
    visit_transition,
)
from kuzet.visits.workspace import TABS, render_tab, visit_or_404


@login_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    return render_tab(
        request,
        visit,
        "overview",
        "visits/tab_overview.html",
        {
            "team": visit.team.select_related("user"),
            "steps": next_steps(request.user, visit),
            "times_form": VisitTimesForm(
                initial={
                    "started_at": visit.started_at and timezone.localtime(visit.started_at),
                    "ended_at": visit.ended_at and timezone.localtime(visit.ended_at),
                }
            ),
            "pack": preparation_pack(visit),
        },
    )


@login_required
@require_GET
def visit_tab(request: HttpRequest, pk: int, tab: str) -> HttpResponse:
    """The record tabs: interviews, findings, allegations, recommendations."""
    visit = visit_or_404(request, pk)
    extra: dict[str, Any]
    if tab == "interviews":
        extra = {"interviews": visit.interviews.select_related("person", "conducted_by")}
    elif tab == "findings":
        extra = {"findings": visit.findings.prefetch_related("interviews__person", "items")}
    elif tab == "allegations":
        extra = {
            "allegations": visit.allegations.select_related("person"),
            "has_interviews": visit.interviews.exists(),
        }
    elif tab == "recommendations":
        extra = {"recommendations": visit.recommendations.select_related("addressee")}
    else:
        raise Http404
    return render_tab(request, visit, tab, f"visits/tab_{tab}.html", extra)


@login_required
@require_POST
def visit_times_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    form = VisitTimesForm(request.POST)
    if form.is_valid():
        try:
            visit_times_set(actor=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The times in and out are saved."))
            return redirect("visits:visit_detail", visit.pk)
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    return redirect("visits:visit_detail", visit.pk)


@login_required
@require_POST
def visit_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One step of the lifecycle. A step that cannot be taken back is first shown on a
    confirmation page saying what it locks (the same form, posted again with ``confirmed``);
    sending the report has its own page, with the recommendations it issues."""
    visit = visit_or_404(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return _back_to_tab(request, pk)
    to_status, comment = form.cleaned_data["to_status"], form.cleaned_data["comment"]
    if (visit.status, to_status) == SEND_STEP:
        return redirect("recommendations:visit_send", visit.pk)
    if to_status in CONFIRMED_STEPS and not form.cleaned_data["confirmed"]:
        try:
            step_check(actor=request.user, visit=visit, to_status=to_status, comment=comment)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return _back_to_tab(request, pk)
        return render(
            request,
            "visits/step_confirm.html",
            {
                "visit": visit,
                "to_status": to_status,
                "step_label": Visit.Status(to_status).label,
                "comment": comment,
                "tab": request.POST.get("tab", ""),
                "summary": step_summary(visit),
                "open_comments": visit.review_comments.filter(resolved_at=None),
                "back": _tab_url(request.POST.get("tab", ""), pk),
            },
        )
    try:
        visit_transition(actor=request.user, visit=visit, to_status=to_status, comment=comment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The visit is now “%(status)s”.")
            % {"status": Visit.Status(form.cleaned_data["to_status"]).label},
        )
    return _back_to_tab(request, pk)


def _tab_url(tab: str, pk: int) -> str:
    """The tab a form was posted from (the overview if it is not a known tab)."""
    if tab == "review":
        return reverse("visits:review_tab", args=[pk])
    if tab in dict(TABS) and tab != "overview":
        return reverse("visits:visit_tab", args=[pk, tab])
    return reverse("visits:visit_detail", args=[pk])


def _back_to_tab(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(_tab_url(request.POST.get("tab", ""), pk))
