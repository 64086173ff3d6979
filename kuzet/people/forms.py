from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kuzet.people.throttle import SignInThrottled, sign_in_authenticate


class SignInForm(AuthenticationForm):
    """Django's sign-in form, its password check behind the sign-in throttle;
    ``retry_after`` holds the seconds to wait when the attempt came too soon."""

    retry_after: int | None = None
    # Django's own message has no Kazakh translation (it fell back to Russian on a kk page).
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong login or password."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if self.request is None:
            raise TypeError("SignInForm needs the request: throttling counts by address")
        if username is not None and password:
            try:
                self.user_cache = sign_in_authenticate(
                    self.request, username=username, password=password
                )
            except SignInThrottled as throttled:
                self.retry_after = throttled.retry_after
                raise forms.ValidationError(throttled.message(), code="throttled") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code has digits only."))
        return token


class InvitationAcceptForm(forms.Form):
    """The page of an invitation link (people.invitations): a login and a password, twice."""

    username = forms.RegexField(
        label=_("Login"),
        regex=r"^[\w.@+-]{3,150}$",
        max_length=150,
        error_messages={"invalid": _("3 to 150 letters, digits and . @ + - _")},
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data
