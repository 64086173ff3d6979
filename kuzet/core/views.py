"""Health check, the home page ("my work") and the audit trail page."""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kuzet.core import auditlog
from kuzet.core.http import signed_in
from kuzet.core.models import AuditAction, AuditEvent
from kuzet.core.policy import Action, can
from kuzet.core.work import work_for
from kuzet.core.worker import worker_state


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The state of this instance and what it depends on; no authentication, no secrets
    (counts and ages only).

    503 when this instance cannot serve (the database or the cache does not answer);
    200 otherwise, with ``"status": "degraded"`` when no background worker has been seen
    for KUZET_WORKER_STALE_SECONDS: pages still work, reports wait. Monitoring alerts on
    any status but "ok".
    """
    body: dict[str, Any] = {"status": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        body["database"] = "ok"
    except DatabaseError:
        body["database"] = "unreachable"
    try:
        # A key of this check's own: instances sharing the cache check at the same moment.
        token = secrets.token_hex(8)
        cache.set(f"kuzet:healthz:{token}", token, timeout=10)
        body["cache"] = "ok" if cache.get(f"kuzet:healthz:{token}") == token else "unreachable"
    except Exception:  # the backend's own errors (redis.ConnectionError…)
        body["cache"] = "unreachable"
    if body["database"] == "ok":
        try:
            state = worker_state()
        except DatabaseError:
            body["database"] = "unreachable"
        else:
            body["worker"] = {
                "status": "ok"
                if state.ok
                else ("stale" if state.last_seen_seconds is not None else "none"),
                "live": state.live_workers,
                "last_seen_seconds": state.last_seen_seconds,
            }
            body["queue"] = {
                "waiting": state.waiting,
                "running": state.running,
                "oldest_waiting_seconds": state.oldest_waiting_seconds,
            }
            if not state.ok:
                body["status"] = "degraded"
    if body["database"] != "ok" or body["cache"] != "ok":
        body["status"] = "error"
        return JsonResponse(body, status=503)
    return JsonResponse(body)


AUDIT_PAGE_SIZE = 50


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_AUDIT):
        raise PermissionDenied
    filters = auditlog.filters_from(request.GET)
    events = filters.apply(AuditEvent.objects.order_by("-id"))
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    people = get_user_model().objects.order_by("full_name", "username")
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "rows": auditlog.rows(list(page.object_list), signed_in(request)),
            "filters": filters,
            "people": people.only("pk", "username", "full_name", "role"),
            "types": auditlog.record_types(),
            "actions": AuditAction.choices,
            "query": query.urlencode(),
        },
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
