"""Two-factor sign-in on the web: sends a signed-in user whose sign-in is not complete
(``core.policy.sign_in_step``) to the second factor's page."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from kuzet.core.policy import SignInStep, sign_in_step
from kuzet.people.two_factor import has_confirmed_device

# Pages reachable between password and second factor (URL names).
EXEMPT_VIEWS = frozenset(
    {
        "people:login",
        "people:logout",
        "people:two_factor_verify",
        "people:two_factor_setup",
        "people:reset",
        "set_language",
        "healthz",
        # The field app's shell holds no data and must be cacheable by its service worker.
        "field:shell",
        "field:service_worker",
        "field:manifest",
    }
)


STEP_PAGE = {
    SignInStep.VERIFY_SECOND_FACTOR: "people:two_factor_verify",
    SignInStep.ENROL_SECOND_FACTOR: "people:two_factor_setup",
}


def _exempt(request: HttpRequest) -> bool:
    if request.path_info.startswith("/static/"):
        return True
    try:
        return resolve(request.path_info).view_name in EXEMPT_VIEWS
    except Resolver404:
        return False


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]  # set by OTPMiddleware
            and not _exempt(request)
        ):
            step = sign_in_step(
                user, has_second_factor=has_confirmed_device(user), verified_second_factor=False
            )
            target = STEP_PAGE.get(step)
            if target:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse(target)}?{query}")
        return self.get_response(request)
