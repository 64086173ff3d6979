"""Pages of the addressee portal (``/portal/``): an official's recommendations and answers,
the invitation link, and the NPM's side (inviting officials, assessing answers, overdue
recommendations by addressee)."""

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuzet.core.access import Refused
from kuzet.core.forms import show_service_errors
from kuzet.core.policy import Action, can
from kuzet.portal.forms import AnswerForm, AssessAnswerForm, InviteForm
from kuzet.portal.models import Answer, EvidenceFile
from kuzet.portal.services import (
    answer_assess,
    answer_record,
    invitations_list,
    official_invite,
    official_of,
    recommendation_for_official,
    recommendations_for_official,
)
from kuzet.recommendations.models import OPEN_STATUSES, Addressee, Recommendation
from kuzet.visits.selectors import visits_for


def _official_or_404(request: HttpRequest) -> Any:
    official = official_of(request.user)
    if official is None:
        raise Http404
    return official


def answers_of(recommendation: Recommendation) -> list[Answer]:
    """The answers of a recommendation with their plans, files and assessments."""
    return list(
        recommendation.answers.select_related("author").prefetch_related(
            "plan", "files", "assessments__assessed_by"
        )
    )


def npm_answers_context(recommendation: Recommendation, can_assess: bool) -> dict[str, Any]:
    """The officials' answers on the NPM's page of a recommendation, with the form to
    assess one when the reader may (``recommendations.hooks.detail_context``)."""
    return {
        "answers": answers_of(recommendation),
        "assess_form": (
            AssessAnswerForm() if can_assess and recommendation.status in OPEN_STATUSES else None
        ),
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    official = _official_or_404(request)
    recommendations = recommendations_for_official(request.user).order_by("deadline", "pk")
    overdue = request.GET.get("overdue") == "on"
    if overdue:
        recommendations = recommendations.overdue()
    statuses = Counter(recommendations_for_official(request.user).values_list("status", flat=True))
    today = timezone.localdate()
    return render(
        request,
        "portal/index.html",
        {
            "official": official,
            "recommendations": recommendations,
            "overdue": overdue,
            "overdue_count": recommendations_for_official(request.user).overdue().count(),
            "statuses": [(Recommendation.Status(s).label, n) for s, n in sorted(statuses.items())],
            "today": today,
            "open_statuses": [str(s) for s in OPEN_STATUSES],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation(request: HttpRequest, pk: int) -> HttpResponse:
    official = _official_or_404(request)
    found = recommendation_for_official(request.user, pk)
    if found is None:
        raise Http404
    answers = answers_of(found)
    first = not any(a.position != Answer.Position.PROGRESS for a in answers)
    form = AnswerForm(request.POST or None, request.FILES or None, first=first)
    if request.method == "POST" and form.is_valid():
        try:
            answer_record(
                actor=request.user,
                recommendation=found,
                position=form.cleaned_data["position"],
                text=form.cleaned_data["text"],
                plan=form.plan(),
                files=form.cleaned_data["evidence"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("Your answer is sent to the NPM."))
            return redirect("portal:recommendation", pk)
    return render(
        request,
        "portal/recommendation.html",
        {
            "official": official,
            "recommendation": found,
            "answers": answers,
            "form": form if found.status in OPEN_STATUSES else None,
            "today": timezone.localdate(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _may_open_file(user: Any, item: EvidenceFile) -> bool:
    recommendation = item.answer.recommendation
    official = official_of(user)
    if official is not None:
        return official.addressee_id == recommendation.addressee_id
    return visits_for(user).filter(pk=recommendation.visit_id).exists()


@login_required
@require_GET
def evidence_file(request: HttpRequest, uuid: str) -> FileResponse:
    item = EvidenceFile.objects.select_related("answer__recommendation").filter(uuid=uuid).first()
    if item is None or not _may_open_file(request.user, item):
        raise Http404
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=True,
        filename=item.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def officials(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.INVITE_OFFICIALS):
        raise PermissionDenied
    form = InviteForm(request.POST or None)
    link = ""
    if request.method == "POST" and form.is_valid():
        try:
            _invitation, token = official_invite(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            link = request.build_absolute_uri(reverse("portal:invitation", args=[token]))
            messages.success(
                request,
                _("The invitation is ready. Give this link to the official: it is shown once."),
            )
            form = InviteForm()
    return render(
        request,
        "portal/officials.html",
        {
            "form": form,
            "link": link,
            "invitations": invitations_list()[:100],
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def answer_assess_view(request: HttpRequest, pk: int) -> HttpResponse:
    answer = (
        Answer.objects.select_related("recommendation__visit")
        .filter(pk=pk, recommendation__visit__in=visits_for(request.user))
        .first()
    )
    if answer is None:
        raise Http404
    form = AssessAnswerForm(request.POST)
    if form.is_valid():
        try:
            answer_assess(actor=request.user, answer=answer, **form.cleaned_data)
        except Refused as refused:
            messages.error(request, refused.message or _("You may not do this."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The assessment is recorded; the addressee is told."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("recommendations:recommendation_detail", answer.recommendation_id)


@login_required
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    """Overdue recommendations by addressee, among the visits the viewer may see."""
    if not can(request.user, Action.VIEW_VISIT):
        raise PermissionDenied
    today = timezone.localdate()
    visible = Recommendation.objects.filter(visit__in=visits_for(request.user))
    rows = (
        Addressee.objects.filter(recommendations__in=visible.overdue(today))
        .annotate(
            overdue=Count("recommendations", filter=Q(recommendations__in=visible.overdue(today)))
        )
        .order_by("-overdue", "name_ru")
    )
    return render(request, "portal/overdue.html", {"rows": rows, "today": today})
