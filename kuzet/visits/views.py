"""Pages of visits: the list, planning a visit, the visit with its team, history and next steps."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuzet.core.audit import audit_append
from kuzet.core.forms import show_service_errors
from kuzet.core.models import AuditAction
from kuzet.core.policy import Action, can, can_on_visit
from kuzet.visits.forms import (
    AllegationForm,
    FindingForm,
    InterviewForm,
    PlanVisitForm,
    TransitionForm,
)
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.preparation import preparation_pack
from kuzet.visits.selectors import visits_for
from kuzet.visits.services.findings import allegation_record, finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import LOCKED, next_steps, team_user_ids, visit_transition
from kuzet.visits.services.planning import TeamPlace, visit_plan


def _visit_or_403(request: HttpRequest, pk: int) -> Visit:
    """The visit, if the user may see it; otherwise 403, and the attempt goes to the audit trail."""
    visit = visits_for(request.user).filter(pk=pk).first()
    if visit is None:
        if Visit.objects.filter(pk=pk).exists():
            audit_append(
                action=AuditAction.ACCESS_DENIED, object_type="visits.visit", object_id=str(pk)
            )
        raise PermissionDenied
    return visit


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_VISIT):
        raise PermissionDenied
    status = request.GET.get("status", "")
    visits = visits_for(request.user)
    if status in Visit.Status.values:
        visits = visits.filter(status=status)
    return render(
        request,
        "visits/visit_list.html",
        {
            "visits": visits[:200],
            "status": status,
            "statuses": Visit.Status.choices,
            "can_plan": can(request.user, Action.PLAN_VISIT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_plan_view(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.PLAN_VISIT):
        raise PermissionDenied
    form = PlanVisitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = [TeamPlace(data["leader"], TeamMember.Role.LEADER)]
        team += [
            TeamPlace(u, TeamMember.Role.MEMBER) for u in data["members"] if u != data["leader"]
        ]
        try:
            visit = visit_plan(
                actor=request.user,
                institution=data["institution"],
                planned_date=data["planned_date"],
                team=team,
                kind=data["kind"],
                announced=data["announced"],
                objectives=data["objectives"],
                theme=data["theme"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The visit is planned."))
            return redirect("visits:visit_detail", visit.pk)
    return render(
        request, "visits/visit_plan.html", {"form": form}, status=422 if form.errors else 200
    )


@login_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_403(request, pk)
    team = team_user_ids(visit)
    context: dict[str, Any] = {
        "visit": visit,
        "team": visit.team.select_related("user"),
        "history": visit.history.select_related("actor"),
        "steps": next_steps(request.user, visit),
        "interviews": visit.interviews.select_related("person", "conducted_by"),
        "findings": visit.findings.prefetch_related("interviews__person"),
        "allegations": visit.allegations.select_related("person"),
        "recommendations": visit.recommendations.select_related("addressee"),
        "pack": preparation_pack(visit),
        "show_identities": can_on_visit(
            request.user, Action.VIEW_IDENTITIES, region_id=visit.region_id, team_user_ids=team
        ),
        "can_record": can_on_visit(
            request.user, Action.CONDUCT_VISIT, region_id=visit.region_id, team_user_ids=team
        )
        and visit.status not in LOCKED,
    }
    return render(request, "visits/visit_detail.html", context)


@login_required
@require_POST
def visit_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_403(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return redirect("visits:visit_detail", pk)
    try:
        visit_transition(
            actor=request.user,
            visit=visit,
            to_status=form.cleaned_data["to_status"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The visit is now “%(status)s”.")
            % {"status": Visit.Status(form.cleaned_data["to_status"]).label},
        )
    return redirect("visits:visit_detail", pk)


@login_required
@require_http_methods(["GET", "POST"])
def interview_new(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_403(request, pk)
    form = InterviewForm(
        request.POST or None,
        initial={"conducted_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identity = {k: data[k] for k in ("full_name", "birth_date", "cell") if data[k]}
        try:
            interview_record(
                actor=request.user,
                visit=visit,
                kind=data["kind"],
                conducted_at=data["conducted_at"],
                person_code=data["person_code"],
                identity=identity,
                consent_interview=data["consent_interview"],
                consent_quote=data["consent_quote"],
                consent_identify=data["consent_identify"],
                consent_transmit=data["consent_transmit"],
                vulnerabilities=data["vulnerabilities"],
                fears_reprisals=data["fears_reprisals"],
                reprisal_risk=data["reprisal_risk"],
                follow_up_on=data["follow_up_on"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The interview is recorded."))
            return redirect("visits:visit_detail", visit.pk)
    return render(
        request,
        "visits/interview_new.html",
        {"visit": visit, "form": form},
        status=422 if form.errors else 200,
    )


def record_page(
    request: HttpRequest, pk: int, form_class: type[Form], template: str, record: Any, done: str
) -> HttpResponse:
    """A page with a form whose valid data one service records on the visit."""
    visit = _visit_or_403(request, pk)
    form = form_class(request.POST or None, visit=visit)  # type: ignore[call-arg]
    if request.method == "POST" and form.is_valid():
        try:
            record(actor=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("visits:visit_detail", visit.pk)
    return render(
        request, template, {"visit": visit, "form": form}, status=422 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_new(request: HttpRequest, pk: int) -> HttpResponse:
    return record_page(
        request,
        pk,
        FindingForm,
        "visits/finding_new.html",
        finding_record,
        _("The finding is recorded."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def allegation_new(request: HttpRequest, pk: int) -> HttpResponse:
    return record_page(
        request,
        pk,
        AllegationForm,
        "visits/allegation_new.html",
        allegation_record,
        _("The allegation is recorded."),
    )
