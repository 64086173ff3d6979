"""Sign-in, the second factor and the user's own page."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from kuzet.core.http import client_ip
from kuzet.people.forms import SignInForm, TokenForm
from kuzet.people.throttle import remember_browser
from kuzet.people.two_factor import (
    TooManyAttempts,
    has_confirmed_device,
    pending_device,
    qr_svg,
    secret_base32,
    two_factor_confirm,
    two_factor_verify,
)


class LoginView(auth_views.LoginView):
    template_name = "people/login.html"
    redirect_authenticated_user = True
    form_class = SignInForm

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        remember_browser(response, form.get_user())
        return response

    def form_invalid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if form.retry_after is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return "/"


@login_required
def two_factor_verify_view(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor_verify(
                user=request.user, token=form.cleaned_data["token"], address=client_ip(request)
            )
        except TooManyAttempts as throttled:
            form.add_error("token", throttled.message())
        else:
            if device is not None:
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error(
                "token", _("This code is not valid. Check the time on your phone and try again.")
            )
    return render(
        request, "people/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@login_required
def two_factor_setup_view(request: HttpRequest) -> HttpResponse:
    if has_confirmed_device(request.user):
        messages.info(request, _("Two-factor authentication is already set up."))
        return redirect("people:profile")
    device = pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = two_factor_confirm(user=request.user, token=form.cleaned_data["token"])
        except TooManyAttempts as throttled:
            form.add_error("token", throttled.message())
        else:
            if confirmed is not None:
                otp_login(request, confirmed)
                messages.success(request, _("Two-factor authentication is on."))
                return redirect(_next_url(request))
            form.add_error(
                "token", _("This code is not valid. Scan the code again and enter the new digits.")
            )
    context: dict[str, Any] = {
        "form": form,
        "qr_svg": qr_svg(device),
        "secret": secret_base32(device),
        "next": _next_url(request),
    }
    return render(request, "people/two_factor_setup.html", context)


@login_required
def profile_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    groups = user.regional_groups.select_related("region").filter(is_active=True)
    return render(
        request,
        "people/profile.html",
        {
            "groups": groups,
            "two_factor_on": has_confirmed_device(user),
            "device_tokens": user.device_tokens.all(),
        },
    )
