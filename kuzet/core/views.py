"""Health check, the home page ("my work") and the audit trail page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kuzet.core.http import signed_in
from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import Action, can
from kuzet.core.work import work_for


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not; no authentication."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_AUDIT):
        raise PermissionDenied
    events = AuditEvent.objects.order_by("-id")
    object_type = request.GET.get("type", "").strip()
    if object_type:
        events = events.filter(object_type=object_type)
    action = request.GET.get("action", "").strip()
    if action in AuditAction.values:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_list.html",
        {"page": page, "object_type": object_type, "action": action},
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What waits for the signed-in person: each app's sections (``core.work``)."""
    sections = work_for(signed_in(request), timezone.localdate())
    return render(
        request,
        "core/home.html",
        {"sections": sections, "waiting": sum(section.total for section in sections)},
    )
