"""Per-request context for the audit trail."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kuzet.core.audit import acting_for_request


class AuditActorMiddleware:
    """Attributes audit events written while handling a request to the signed-in user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_for_request(request):
            return self.get_response(request)
