"""Per-request context for the audit trail; pages of a signed-in user kept out of caches."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from kuzet.core.audit import acting_for_request


class AuditActorMiddleware:
    """Attributes audit events written while handling a request to the signed-in user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_for_request(request):
            return self.get_response(request)


class PrivatePagesMiddleware:
    """Every answer to a signed-in user may show what the visits recorded (identities,
    interviews, allegations, internal reports), so none is kept by a browser's or a proxy's
    cache: ``Cache-Control: no-store`` (with ``private``), unless the view said otherwise
    (the field app's shell, which holds no data and must be cached offline)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)  # no-store, private, …
        return response
