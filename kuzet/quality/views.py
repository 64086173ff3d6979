"""The report quality settings page (the secretariat)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kuzet.core.forms import show_service_errors
from kuzet.core.policy import Action, can
from kuzet.quality.forms import QualitySettingsForm
from kuzet.quality.models import QualitySettings
from kuzet.quality.services import quality_settings_update


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.MANAGE_QUALITY_SETTINGS):
        raise PermissionDenied
    form = QualitySettingsForm(request.POST or None, instance=QualitySettings.current())
    if request.method == "POST" and form.is_valid():
        try:
            quality_settings_update(actor=request.user, values=dict(form.cleaned_data))
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The report quality settings are saved."))
            return redirect("quality:settings")
    return render(
        request, "quality/settings.html", {"form": form}, status=422 if form.errors else 200
    )
