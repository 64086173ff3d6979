"""Pages of recommendations: writing one on a visit and correcting it while it is a draft,
sending the visit's report (which issues them, after a confirmation), the list with
filters, one with its history."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuzet.core.access import VisitAction, check_audited
from kuzet.core.forms import show_service_errors
from kuzet.core.policy import Action, can
from kuzet.recommendations import hooks
from kuzet.recommendations.forms import AssessForm, RecommendationFilterForm, RecommendationForm
from kuzet.recommendations.models import Recommendation
from kuzet.recommendations.services import (
    NEEDS_EVIDENCE,
    allowed_next,
    recommendation_assess,
    recommendation_record,
    recommendation_update,
    visit_send,
)
from kuzet.visits.models import Section, Visit
from kuzet.visits.selectors import visit_filter_kwargs, visits_for
from kuzet.visits.services.access import visit_access
from kuzet.visits.services.lifecycle import step_summary
from kuzet.visits.workspace import record_edit_page, record_page, visit_or_404


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
        recommendation_record,
        _("The recommendation is saved as a draft; it is issued when the report is sent."),
        "recommendations",
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = _recommendations_for(request).filter(pk=pk).first()
    if recommendation is None:
        raise Http404
    visit = recommendation.visit
    if recommendation.status != Recommendation.Status.DRAFT:
        messages.error(request, _("An issued recommendation is not changed; its follow-up is."))
        return redirect("recommendations:recommendation_detail", pk)
    form = RecommendationForm(
        request.POST or None, visit=visit, initial=model_to_dict(recommendation)
    )
    return record_edit_page(
        request,
        visit,
        recommendation,
        section=Section.RECOMMENDATIONS,
        form=form,
        update=lambda **data: recommendation_update(recommendation=recommendation, **data),
        done=_("The recommendation is corrected."),
        title=_("Correct the recommendation"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Sending the approved report to its addressees: a page saying which recommendations
    it issues, to whom; the report is sent when that page's form is posted."""
    visit = visit_or_404(request, pk)
    check_audited(
        visit_access(request.user, visit),
        VisitAction.SEND,
        user=request.user,
        object_type="visits.visit",
        object_id=visit.pk,
        message=_("You may not take this step for this visit."),
    )
    if visit.status != Visit.Status.APPROVED:
        messages.error(request, _("Only an approved report is sent to its addressees."))
        return redirect("visits:review_tab", visit.pk)
    if request.method == "POST":
        try:
            visit_send(actor=request.user, visit=visit)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The report is sent to its addressees; its recommendations are issued."),
            )
        return redirect("visits:review_tab", visit.pk)
    drafts = visit.recommendations.filter(status=Recommendation.Status.DRAFT).select_related(
        "addressee"
    )
    by_addressee: dict[str, list[Recommendation]] = {}
    for recommendation in drafts.order_by("addressee__name_ru", "pk"):
        by_addressee.setdefault(recommendation.addressee.name, []).append(recommendation)
    return render(
        request,
        "recommendations/visit_send.html",
        {
            "visit": visit,
            "by_addressee": by_addressee,
            "count": drafts.count(),
            "summary": step_summary(visit),
        },
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
    recommendations = form.apply(recommendations)
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
            "can_correct": visit_access(request.user, recommendation.visit).record,
            "needs_evidence": sorted(NEEDS_EVIDENCE),
            **{
                key: value
                for extra in hooks.detail_context
                for key, value in extra(recommendation, can_assess).items()
            },
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
