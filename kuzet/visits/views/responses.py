"""Pages of a visit's checklists and questionnaires: the tab, starting one, filling it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuzet.core.access import Refused, VisitAction, check_audited
from kuzet.core.params import id_param
from kuzet.instruments.validation import validate_response
from kuzet.visits.models import Response, Visit
from kuzet.visits.preparation import instruments_for
from kuzet.visits.response_form import build_form
from kuzet.visits.services.access import visit_access
from kuzet.visits.services.responses import (
    StaleResponse,
    answers_from_form,
    response_save,
    response_start,
)
from kuzet.visits.workspace import render_tab, visit_or_404


def _response_or_404(request: HttpRequest, pk: int, uuid: str) -> tuple[Visit, Response]:
    """The response, if the user may read it: questionnaires of interviews hold what people
    told the team, so they are for those who may see identities (as interview notes are).
    One the user may not read is answered 404, as one that does not exist (audited)."""
    visit = visit_or_404(request, pk)
    response = (
        visit.responses.select_related("version__instrument", "interview__person")
        .filter(uuid=uuid)
        .first()
    )
    if response is None:
        raise Http404
    if _is_confidential(response):
        try:
            check_audited(
                visit_access(request.user, visit),
                VisitAction.SEE_IDENTITIES,
                user=request.user,
                object_type="visits.response",
                object_id=response.pk,
            )
        except Refused:
            raise Http404 from None
    return visit, response


def _is_confidential(response: Response) -> bool:
    return response.interview_id is not None or response.version.document.get("kind") == "interview"


@login_required
@require_GET
def responses_tab(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
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
            "interviews": visit.interviews.filter(consent_interview=True).select_related("person"),
        },
    )


@login_required
@require_POST
def response_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    versions = {str(v.pk): v for v in instruments_for(visit.institution)}
    version = versions.get(request.POST.get("version", ""))
    interview_pk = request.POST.get("interview", "")
    interview_id = id_param(interview_pk)
    interview = visit.interviews.filter(pk=interview_id).first() if interview_id else None
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
    visit, response = _response_or_404(request, pk, uuid)
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
            if "check" not in request.POST:
                # After "Save and check" the check's summary says both (one message).
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
            # Back from "Save and check": the summary is the one message of the save.
            "saved": checked and status == 200,
        },
    )
    page.status_code = status
    return page
