"""Request ids, one log line per request, JSON logs, and the request metrics.

``ObservabilityMiddleware`` comes first in MIDDLEWARE. For every request it

- takes the request id from ``X-Request-ID`` (nginx sets it: the client's own id when it
  sent a well-formed one, else nginx's ``$request_id``) or makes one, keeps it in a context
  variable that every log line of the request carries, and returns it in ``X-Request-ID``;
- counts the request and its duration by URL *name* (``kuzet.core.metrics``);
- logs one line (logger ``kuzet.request``): method, URL name, status, duration. Never the
  path or the query string, which may carry what someone typed, nor who asked (the audit
  trail records that, under its own protection);
- answers ``/metrics`` itself, before the host check and the redirect to HTTPS.

``JsonFormatter`` writes one JSON object a line (KUZET_LOG_FORMAT=json, the default with
debug off). It writes only the fields named in ``FIELDS`` and the message: an ``extra``
a library adds to a record is not copied out. Django's own request logger puts the path in
its message ("Not Found: /x/"); ``WithoutPaths`` puts the URL name there instead.
"""

import contextvars
import json
import logging
import os
import re
import socket
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from kuzet.core import metrics

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kuzet_request_id", default=None
)
# nginx's $request_id is 32 hex digits; a client's own id (a UUID, a trace id) is accepted
# when it is as plain as that. Anything else is replaced: it would go into every log line.
WELL_FORMED_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
INSTANCE = os.environ.get("KUZET_INSTANCE_NAME") or socket.gethostname()
request_log = logging.getLogger("kuzet.request")


def route_of(request: HttpRequest) -> str:
    """The URL's name (``visits:detail``), its pattern when it has no name, ``static`` for
    static files, or ``unmatched``: never the path itself."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class ObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if WELL_FORMED_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            if request.path_info == "/metrics":
                response, route = metrics.metrics_response(request), "metrics"
            else:
                response = self.get_response(request)
                route = route_of(request)
            elapsed = time.perf_counter() - started
            response["X-Request-ID"] = request_id
            metrics.REQUESTS.labels(
                route=route, method=request.method, status=str(response.status_code)
            ).inc()
            metrics.LATENCY.labels(route=route, method=request.method).observe(elapsed)
            if route != "static":
                request_log.info(
                    "%s %s %s %.0fms",
                    request.method,
                    route,
                    response.status_code,
                    elapsed * 1000,
                    extra={
                        "method": request.method,
                        "route": route,
                        "status": response.status_code,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )
            return response
        finally:
            REQUEST_ID.reset(token)


FIELDS = ("method", "route", "status", "duration_ms", "status_code")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, instance,
    process, the request fields of ``FIELDS``, and the traceback of an error."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # Django logs a 4xx or 5xx after the middleware has answered: from its request.
            "request_id": REQUEST_ID.get()
            or getattr(getattr(record, "request", None), "request_id", None),
            "instance": INSTANCE,
            "pid": record.process,
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["error"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """The development format, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = (
            REQUEST_ID.get() or getattr(getattr(record, "request", None), "request_id", None) or "-"
        )
        return super().format(record)


class WithoutPaths(logging.Filter):
    """Django's request loggers name the URL, not the path, which may carry what a user
    typed (``Not Found: /people/someone@example.kz``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return without_paths(record)


def without_paths(record: logging.LogRecord) -> bool:
    request = getattr(record, "request", None)
    if request is not None and record.name.startswith("django.") and len(record.args or ()) == 2:
        record.args = (record.args[0], route_of(request))  # type: ignore[index]
    elif record.name == "django.server":  # runserver's access log: "GET /path?query" …
        record.msg, record.args = "%s", (getattr(record, "status_code", ""),)
    return True
