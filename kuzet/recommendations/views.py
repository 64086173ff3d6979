"""Pages of recommendations: issuing one on a visit, the list with filters, one with its history."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuzet.core.forms import show_service_errors
from kuzet.core.policy import Action, can
from kuzet.recommendations.forms import AssessForm, RecommendationFilterForm, RecommendationForm
from kuzet.recommendations.models import Recommendation
from kuzet.recommendations.services import (
    NEEDS_EVIDENCE,
    allowed_next,
    recommendation_assess,
    recommendation_issue,
)
from kuzet.visits.selectors import visit_filter_kwargs, visits_for
from kuzet.visits.workspace import record_page


def _recommendations_for(request: HttpRequest):  # type: ignore[no-untyped-def]
    return Recommendation.objects.filter(visit__in=visits_for(request.user)).select_related(
        "addressee", "visit", "visit__institution"
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_new(request: HttpRequest, pk: int) -> HttpResponse:
    return record_page(
        request,
        pk,
        RecommendationForm,
        "recommendations/recommendation_new.html",
        recommendation_issue,
        _("The recommendation is issued."),
        "recommendations",
    )


@login_required
@require_GET
def recommendation_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_VISIT):
        raise PermissionDenied
    form = RecommendationFilterForm(request.GET or None)
    recommendations = _recommendations_for(request)
    # A dashboard figure links here with its period, region, department and types.
    recommendations = recommendations.filter(**visit_filter_kwargs(request.GET, prefix="visit__"))
    if form.is_valid():
        if form.cleaned_data["status"]:
            recommendations = recommendations.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["addressee"]:
            recommendations = recommendations.filter(addressee=form.cleaned_data["addressee"])
        if form.cleaned_data["overdue"]:
            recommendations = recommendations.overdue()
    page = Paginator(recommendations, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "recommendations/recommendation_list.html",
        {"form": form, "page": page, "today": timezone.localdate()},
    )


@login_required
@require_GET
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = _recommendations_for(request).filter(pk=pk).first()
    if recommendation is None:
        raise Http404
    can_assess = can(request.user, Action.FOLLOW_UP_RECOMMENDATION, recommendation.visit.region_id)
    form = AssessForm()
    status_field = form.fields["status"]
    assert isinstance(status_field, forms.ChoiceField)
    status_field.choices = [
        (s, Recommendation.Status(s).label) for s in allowed_next(recommendation)
    ]
    return render(
        request,
        "recommendations/recommendation_detail.html",
        {
            "recommendation": recommendation,
            "history": recommendation.history.select_related("assessed_by", "source_visit"),
            "form": form if can_assess and allowed_next(recommendation) else None,
            "needs_evidence": sorted(NEEDS_EVIDENCE),
        },
    )


@login_required
@require_POST
def recommendation_assess_view(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = _recommendations_for(request).filter(pk=pk).first()
    if recommendation is None:
        raise Http404
    form = AssessForm(request.POST)
    if form.is_valid():
        try:
            recommendation_assess(
                actor=request.user,
                recommendation=recommendation,
                status=form.cleaned_data["status"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The assessment is recorded."))
    else:
        show_service_errors(form, ValidationError(form.errors))
        messages.error(request, _("Choose the new status."))
    return redirect("recommendations:recommendation_detail", pk)
