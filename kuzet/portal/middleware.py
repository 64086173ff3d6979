"""The addressees' officials see the portal and nothing of the NPM's internal pages: any
other page answers 404 (the home page sends them to the portal)."""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from kuzet.core.policy import PORTAL_ROLES

# URL namespaces and names an official may open besides the portal.
# "apply" and "verify" are membership's public pages (no sign-in needed, nothing internal).
OPEN_NAMESPACES = frozenset({"portal", "public", "notifications", "apply", "verify"})
OPEN_NAMES = frozenset(
    {
        "people:login",
        "people:logout",
        "people:two_factor_verify",
        "people:two_factor_setup",
        "people:profile",
        "set_language",
        "openrosa:root",
        "healthz",
        # The field app's shell holds no data (the field API refuses the role).
        "field:shell",
        "field:service_worker",
        "field:manifest",
    }
)


class PortalOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "role", "") in PORTAL_ROLES
            and not request.path_info.startswith("/static/")
        ):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and match.view_name == "home":
                return HttpResponseRedirect(reverse("portal:index"))
            if match is None or not (
                match.namespace in OPEN_NAMESPACES or match.view_name in OPEN_NAMES
            ):
                raise Http404
        return self.get_response(request)
