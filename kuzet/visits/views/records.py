"""Pages recording on a visit (an interview, a finding, an allegation) and correcting what
was recorded, until the record is approved."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kuzet.core.forms import show_service_errors
from kuzet.visits.forms import AllegationForm, FindingForm, InterviewForm
from kuzet.visits.models import Section
from kuzet.visits.services.access import visit_access
from kuzet.visits.services.findings import (
    allegation_record,
    allegation_update,
    finding_record,
    finding_update,
)
from kuzet.visits.services.interviews import IDENTITY_FIELDS, interview_record, interview_update
from kuzet.visits.workspace import record_edit_page, record_page, visit_or_404


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
        identity = {k: data[k] for k in IDENTITY_FIELDS if data[k]}
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
                time_note=data["time_note"],
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
def interview_edit(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    interview = visit.interviews.select_related("person").filter(pk=record_pk).first()
    if interview is None:
        raise Http404
    initial: dict[str, Any] = model_to_dict(interview)
    initial["conducted_at"] = timezone.localtime(interview.conducted_at)
    with_identity = (
        interview.person is not None and visit_access(request.user, visit).see_identities
    )
    if with_identity:
        initial.update({name: getattr(interview.person, name) for name in IDENTITY_FIELDS})
    form = InterviewForm(request.POST or None, initial=initial, editing=True)
    if not with_identity:
        for name in IDENTITY_FIELDS:
            del form.fields[name]

    def update(*, actor: Any, **data: Any) -> None:
        identity = {name: data.pop(name) for name in IDENTITY_FIELDS if name in data}
        interview_update(actor=actor, interview=interview, identity=identity or None, **data)

    return record_edit_page(
        request,
        visit,
        interview,
        section=Section.INTERVIEWS,
        form=form,
        update=update,
        done=_("The interview is corrected."),
        title=_("Correct the interview"),
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
def finding_edit(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    finding = visit.findings.filter(pk=record_pk).first()
    if finding is None:
        raise Http404
    form = FindingForm(request.POST or None, visit=visit, initial=model_to_dict(finding))
    return record_edit_page(
        request,
        visit,
        finding,
        section=Section.FINDINGS,
        form=form,
        update=lambda **data: finding_update(finding=finding, **data),
        done=_("The finding is corrected."),
        title=_("Correct the finding"),
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


@login_required
@require_http_methods(["GET", "POST"])
def allegation_edit(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    allegation = visit.allegations.filter(pk=record_pk).first()
    if allegation is None:
        raise Http404
    form = AllegationForm(request.POST or None, visit=visit, initial=model_to_dict(allegation))
    return record_edit_page(
        request,
        visit,
        allegation,
        section=Section.ALLEGATIONS,
        form=form,
        update=lambda **data: allegation_update(allegation=allegation, **data),
        done=_("The allegation is corrected."),
        title=_("Correct the allegation"),
    )
