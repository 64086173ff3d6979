"""The register of video appeals (the secretariat's): the list with filters, and one appeal
with its forwarding and outcome. A recording is linked only for whoever the person allowed
it to be shown to; the file itself is served by ``media_file`` after the same check."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kuzet.core.forms import show_service_errors
from kuzet.core.policy import Action, can
from kuzet.visits.models import AUDIENCES, RECIPIENTS, Appeal
from kuzet.visits.services.appeals import (
    appeal_forward,
    appeal_may_watch,
    appeal_record_outcome,
    appeals_for,
)


class AppealFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("all")), *Appeal.Status.choices],
        required=False,
    )


class ForwardForm(forms.Form):
    to = forms.ChoiceField(
        label=gettext_lazy("Forwarded to"),
        choices=[(code, AUDIENCES[code]) for code in RECIPIENTS],
    )
    on = forms.DateField(
        label=gettext_lazy("Forwarded on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(
        label=gettext_lazy("Outgoing letter number"), max_length=100, required=False
    )

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to = self.fields["to"]
        assert isinstance(to, forms.ChoiceField)
        # Only the bodies the person allowed the appeal to be shown to.
        to.choices = [(code, AUDIENCES[code]) for code in allowed]


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=gettext_lazy("Outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The answer of the body the appeal went to; no names."),
    )
    on = forms.DateField(
        label=gettext_lazy("Outcome received on"), widget=forms.DateInput(attrs={"type": "date"})
    )


def _require_register(request: HttpRequest) -> None:
    if not can(request.user, Action.MANAGE_APPEALS):
        raise PermissionDenied


@login_required
@require_GET
def appeal_list(request: HttpRequest) -> HttpResponse:
    _require_register(request)
    form = AppealFilterForm(request.GET or None)
    appeals = appeals_for(request.user)
    if form.is_valid() and form.cleaned_data["status"]:
        appeals = appeals.filter(status=form.cleaned_data["status"])
    page = Paginator(appeals, 50).get_page(request.GET.get("page"))
    rows = [(appeal, appeal_may_watch(request.user, appeal.media)) for appeal in page]
    counts = {
        status: appeals_for(request.user).filter(status=status).count()
        for status in Appeal.Status.values
    }
    return render(
        request,
        "visits/appeal_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "counts": [(Appeal.Status(s).label, n) for s, n in counts.items()],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal_detail(request: HttpRequest, appeal_pk: int) -> HttpResponse:
    _require_register(request)
    appeal = appeals_for(request.user).filter(pk=appeal_pk).first()
    if appeal is None:
        raise Http404
    today = timezone.localdate()
    allowed = [code for code in RECIPIENTS if code in appeal.shown_to]
    forward = ForwardForm(initial={"on": today, "to": appeal.forwarded_to or None}, allowed=allowed)
    outcome = OutcomeForm(initial={"on": today})
    status = 200
    if request.method == "POST":
        step = request.POST.get("step")
        form: Any
        if step == "forward":
            form = forward = ForwardForm(request.POST, allowed=allowed)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    appeal_forward(
                        actor=request.user,
                        appeal=appeal,
                        to=data["to"],
                        on=data["on"],
                        reference=data["reference"],
                    )
                except ValidationError as exc:
                    show_service_errors(form, exc)
                else:
                    messages.success(request, gettext_lazy("The forwarding is recorded."))
                    return redirect("visits:appeal_detail", appeal.pk)
        elif step == "outcome":
            form = outcome = OutcomeForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    appeal_record_outcome(
                        actor=request.user, appeal=appeal, outcome=data["outcome"], on=data["on"]
                    )
                except ValidationError as exc:
                    show_service_errors(form, exc)
                else:
                    messages.success(request, gettext_lazy("The outcome is recorded."))
                    return redirect("visits:appeal_detail", appeal.pk)
        status = 422
    return render(
        request,
        "visits/appeal_detail.html",
        {
            "appeal": appeal,
            "may_watch": appeal_may_watch(request.user, appeal.media),
            "forward_form": forward if allowed else None,
            "outcome_form": outcome if appeal.forwarded_to else None,
            "no_recipient": not allowed,
        },
        status=status,
    )
