"""Pages of visits: the list and calendar, planning, and the visit workspace with its tabs."""

import calendar
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuzet.core.access import VisitAction, check_audited
from kuzet.core.forms import show_service_errors
from kuzet.core.policy import Action, can
from kuzet.instruments.responses import validate_response
from kuzet.visits.forms import (
    AllegationForm,
    AmendmentForm,
    FindingForm,
    InterviewForm,
    PlanVisitForm,
    ReviewCommentForm,
    TransitionForm,
    VisitTimesForm,
)
from kuzet.visits.models import Response, TeamMember, Visit
from kuzet.visits.preparation import instruments_for, preparation_pack
from kuzet.visits.response_form import build_form
from kuzet.visits.selectors import visits_for
from kuzet.visits.services.access import visit_access
from kuzet.visits.services.findings import allegation_record, finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.lifecycle import (
    next_steps,
    submission_problems,
    visit_times_set,
    visit_transition,
)
from kuzet.visits.services.planning import TeamPlace, visit_plan
from kuzet.visits.services.responses import (
    StaleResponse,
    answers_from_form,
    response_save,
    response_start,
)
from kuzet.visits.services.review import (
    amendment_add,
    review_comment_add,
    review_comment_resolve,
)
from kuzet.visits.workspace import TAB_SECTION, TABS, record_page, render_tab, visit_or_403


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    """The visits the user may see, as a list or as a month calendar (``?view=calendar``)."""
    if not can(request.user, Action.VIEW_VISIT):
        raise PermissionDenied
    status = request.GET.get("status", "")
    visits = visits_for(request.user)
    if status in Visit.Status.values:
        visits = visits.filter(status=status)
    context: dict[str, Any] = {
        "status": status,
        "statuses": Visit.Status.choices,
        "can_plan": can(request.user, Action.PLAN_VISIT),
        "view": "calendar" if request.GET.get("view") == "calendar" else "list",
    }
    if context["view"] == "calendar":
        context.update(_month(request.GET.get("month", ""), visits))
    else:
        context["visits"] = visits[:200]
    return render(request, "visits/visit_list.html", context)


def _month(value: str, visits: Any) -> dict[str, Any]:
    """A month of visits by day, Monday first; a missing or bad ``YYYY-MM`` is this month."""
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    by_day: dict[date, list[Visit]] = {}
    for visit in visits.filter(planned_date__range=(weeks[0][0], weeks[-1][-1])):
        by_day.setdefault(visit.planned_date, []).append(visit)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return {
        "month": first,
        "today": today,
        "previous_month": f"{previous:%Y-%m}",
        "next_month": f"{following:%Y-%m}",
        "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
        "weekdays": [date(2024, 1, d) for d in range(1, 8)],  # 1 January 2024 was a Monday
    }


@login_required
@require_http_methods(["GET", "POST"])
def visit_plan_view(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.PLAN_VISIT):
        raise PermissionDenied
    # "Plan a visit" on an institution's page comes with ?institution=<pk>.
    initial = {"institution": request.GET.get("institution")}
    form = PlanVisitForm(request.POST or None, user=request.user, initial=initial)
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
    visit = visit_or_403(request, pk)
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
    visit = visit_or_403(request, pk)
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
    visit = visit_or_403(request, pk)
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
    visit = visit_or_403(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return _back_to_tab(request, pk)
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
    return _back_to_tab(request, pk)


def _back_to_tab(request: HttpRequest, pk: int) -> HttpResponse:
    """Back to the tab a form was posted from (the overview if it is not a known tab)."""
    tab = request.POST.get("tab", "")
    if tab in dict(TABS) and tab != "overview":
        return redirect("visits:visit_tab", pk, tab)
    return redirect("visits:visit_detail", pk)


@login_required
@require_http_methods(["GET", "POST"])
def interview_new(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_403(request, pk)
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
            return redirect("visits:visit_tab", visit.pk, "interviews")
    return render(
        request,
        "visits/interview_new.html",
        {"visit": visit, "form": form},
        status=422 if form.errors else 200,
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
        "findings",
        initial={"items": request.GET.getlist("item")},
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
        "allegations",
    )


def _response_or_403(request: HttpRequest, pk: int, uuid: str) -> tuple[Visit, Response]:
    """The response, if the user may read it: questionnaires of interviews hold what people
    told the team, so they are for those who may see identities (as interview notes are)."""
    visit = visit_or_403(request, pk)
    response = (
        visit.responses.select_related("version__instrument", "interview__person")
        .filter(uuid=uuid)
        .first()
    )
    if response is None:
        raise Http404
    if _is_confidential(response):
        check_audited(
            visit_access(request.user, visit),
            VisitAction.SEE_IDENTITIES,
            user=request.user,
            object_type="visits.response",
            object_id=response.pk,
        )
    return visit, response


def _is_confidential(response: Response) -> bool:
    return response.interview_id is not None or response.version.document.get("kind") == "interview"


@login_required
@require_GET
def responses_tab(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_403(request, pk)
    return render_tab(
        request,
        visit,
        "responses",
        "visits/tab_responses.html",
        {
            "responses": visit.responses.select_related(
                "version__instrument", "interview__person", "started_by"
            ),
            # Checklists of the place first, then the questionnaires of interviews.
            "instruments": sorted(
                instruments_for(visit.institution),
                key=lambda v: v.document.get("kind") != "checklist",
            ),
            "interviews": visit.interviews.select_related("person"),
        },
    )


@login_required
@require_POST
def response_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_403(request, pk)
    versions = {str(v.pk): v for v in instruments_for(visit.institution)}
    version = versions.get(request.POST.get("version", ""))
    interview_pk = request.POST.get("interview", "")
    interview = (
        visit.interviews.filter(pk=int(interview_pk)).first() if interview_pk.isdigit() else None
    )
    if version is None or (interview_pk and interview is None):
        messages.error(request, _("Choose one of the instruments for this institution."))
        return redirect("visits:responses_tab", visit.pk)
    try:
        response = response_start(
            actor=request.user, visit=visit, version=version, interview=interview
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("visits:responses_tab", visit.pk)
    return redirect("visits:response_edit", visit.pk, response.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def response_edit(request: HttpRequest, pk: int, uuid: str) -> HttpResponse:
    """The form of one response. Browsers with JavaScript post drafts as they are typed
    (``X-Kuzet-Autosave: 1``, answered in JSON); without it the Save button does the same."""
    visit, response = _response_or_403(request, pk, uuid)
    document = response.version.document
    autosave = request.headers.get("X-Kuzet-Autosave") == "1"
    answers = response.answers
    errors: dict[str, list[str]] = {}
    status = 200
    checked = request.GET.get("check") == "1"
    if request.method == "POST":
        answers = answers_from_form(document, request.POST)
        try:
            revision = int(request.POST.get("revision", ""))
        except ValueError:
            revision = -1
        try:
            response = response_save(
                actor=request.user, response=response, answers=answers, revision=revision
            )
        except StaleResponse as exc:
            message = _(
                "Someone else saved this form at %(time)s. Your answers are still on this "
                "page: copy what you need, then reload to see theirs."
            ) % {"time": date_format(timezone.localtime(exc.response.updated_at), "TIME_FORMAT")}
            if autosave:
                return JsonResponse({"error": message}, status=409)
            messages.error(request, message)
            status = 409
        except ValidationError as exc:
            if autosave:
                return JsonResponse({"error": " ".join(exc.messages)}, status=422)
            for message in exc.messages:
                messages.error(request, message)
            status = 422
        else:
            if autosave:
                return JsonResponse(
                    {
                        "revision": response.revision,
                        "saved_at": date_format(
                            timezone.localtime(response.updated_at), "TIME_FORMAT"
                        ),
                        "answered": response.answered_count,
                        "problems": response.problem_count,
                    }
                )
            messages.success(request, _("The answers are saved."))
            target = reverse("visits:response_edit", args=[visit.pk, response.uuid])
            return redirect(target + ("?check=1" if "check" in request.POST else ""))
    language = (get_language() or "ru").split("-")[0]
    if checked or status != 200:
        errors = validate_response(document, answers).errors
    marks = {m.path: m for m in response.marks.prefetch_related("findings")}
    page = render_tab(
        request,
        visit,
        "responses",
        "visits/response_form.html",
        {
            "response": response,
            "sections": build_form(document, answers, errors, language, marks),
            "errors": errors,
            "checked": checked or status != 200,
        },
    )
    page.status_code = status
    return page


@login_required
@require_GET
def review_tab(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_403(request, pk)
    return _review_page(request, visit, ReviewCommentForm(), AmendmentForm())


def _review_page(
    request: HttpRequest,
    visit: Visit,
    comment_form: ReviewCommentForm,
    amendment_form: AmendmentForm,
    status: int = 200,
) -> HttpResponse:
    open_for_submission = visit.status in (Visit.Status.DRAFTING, Visit.Status.RETURNED)
    access = visit_access(request.user, visit)
    page = render_tab(
        request,
        visit,
        "review",
        "visits/tab_review.html",
        {
            "steps": next_steps(request.user, visit),
            "history": visit.history.select_related("actor"),
            "all_comments": visit.review_comments.select_related("author", "resolved_by"),
            "all_amendments": visit.amendments.select_related("author"),
            "problems": submission_problems(visit) if open_for_submission else None,
            "may_review": access.review and visit.status == Visit.Status.UNDER_REVIEW,
            "may_amend": access.amend,
            "comment_form": comment_form,
            "amendment_form": amendment_form,
        },
    )
    page.status_code = status
    return page


@login_required
@require_POST
def review_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_403(request, pk)
    form = ReviewCommentForm(request.POST)
    if form.is_valid():
        try:
            review_comment_add(actor=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The comment is added."))
            return redirect("visits:review_tab", visit.pk)
    return _review_page(request, visit, form, AmendmentForm(), status=422)


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    visit = visit_or_403(request, pk)
    comment = visit.review_comments.filter(pk=comment_pk).first()
    if comment is None:
        raise Http404
    try:
        review_comment_resolve(actor=request.user, comment=comment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The comment is marked as resolved."))
    # Back to the tab the comment is shown on.
    tab = next((t for t, s in TAB_SECTION.items() if s == comment.section), "overview")
    if tab == "overview":
        return redirect("visits:visit_detail", visit.pk)
    return redirect("visits:visit_tab", visit.pk, tab)


@login_required
@require_POST
def amendment_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_403(request, pk)
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            amendment_add(actor=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The amendment is recorded."))
            return redirect("visits:review_tab", visit.pk)
    return _review_page(request, visit, ReviewCommentForm(), form, status=422)
