"""Pages recording on a visit: an interview, a finding, an allegation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kuzet.core.forms import show_service_errors
from kuzet.visits.forms import AllegationForm, FindingForm, InterviewForm
from kuzet.visits.services.findings import allegation_record, finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.workspace import record_page, visit_or_404


@login_required
@require_http_methods(["GET", "POST"])
def interview_new(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
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
