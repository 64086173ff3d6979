"""Prometheus metrics (prometheus_client): requests, latencies, field syncs, uploads, queue.

Counters live in the process that counts them. Under gunicorn each worker is a process of
its own, so ``deploy/gunicorn.conf.py`` sets PROMETHEUS_MULTIPROC_DIR before the
application is loaded: every worker then writes its counters to memory-mapped files there,
and ``/metrics`` (answered by any worker) adds up the files of all of them
(``MultiProcessCollector``). Without the variable (``runserver``, tests) the process's own
registry answers.

Requests are labelled by the URL's *name* (``visits:detail``), never by its path: a path
carries ids, and one label per id would grow without bound. The queue is read from the
database when scraped, so every instance reports the same, whole queue (take ``max``, not
``sum``, across instances).

``/metrics`` is answered by ``kuzet.core.observability.ObservabilityMiddleware`` before
any other middleware (no host check, no redirect to HTTPS: Prometheus scrapes each
instance at its own address), and only to a client inside KUZET_METRICS_NETWORKS that
shows KUZET_METRICS_TOKEN when one is set (docs/operations.md).
"""

import os
import secrets
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "kuzet_http_requests",
    "HTTP requests answered, by URL name, method and status code.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "kuzet_http_request_duration_seconds",
    "Time from the request reaching Kuzet to its answer, by URL name and method.",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
SUBMISSIONS = Counter(
    "kuzet_field_submissions",
    "Sealed records received from tablets: stored (new) or repeated (a resend, same receipt).",
    ["result"],
)
UPLOADS = Counter(
    "kuzet_uploads",
    "Resumable (tus) uploads: created, chunks appended, completed into evidence.",
    ["event"],
)
UPLOAD_BYTES = Counter("kuzet_upload_bytes", "Bytes of tus chunks stored.")


def submission_received(*, created: bool) -> None:
    SUBMISSIONS.labels(result="stored" if created else "repeated").inc()


def upload_event(event: str, size: int = 0) -> None:
    UPLOADS.labels(event=event).inc()
    if size:
        UPLOAD_BYTES.inc(size)


class QueueCollector(Collector):
    """The background jobs and workers, read from the database at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from kuzet.core.worker import worker_state

        state = worker_state()
        jobs = GaugeMetricFamily(
            "kuzet_queue_jobs", "Background jobs (reports) waiting or running.", labels=["state"]
        )
        jobs.add_metric(["waiting"], state.waiting)
        jobs.add_metric(["running"], state.running)
        yield jobs
        yield GaugeMetricFamily(
            "kuzet_queue_oldest_waiting_seconds",
            "Age of the oldest job not yet taken by a worker (0 when none waits).",
            value=state.oldest_waiting_seconds or 0,
        )
        yield GaugeMetricFamily(
            "kuzet_workers_live",
            "Background workers whose heartbeat is fresh (KUZET_WORKER_STALE_SECONDS).",
            value=state.live_workers,
        )


def exposition() -> bytes:
    """The text exposition of every counter (all workers of this instance) and the queue."""
    queue = CollectorRegistry(auto_describe=True)
    queue.register(QueueCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
        return generate_latest(counted) + generate_latest(queue)
    return generate_latest(REGISTRY) + generate_latest(queue)


def may_scrape(request: HttpRequest) -> bool:
    """Inside KUZET_METRICS_NETWORKS and, when KUZET_METRICS_TOKEN is set, showing it."""
    import ipaddress

    from kuzet.core.http import client_ip

    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if not any(ip in network for network in settings.METRICS_NETWORKS):
        return False
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return secrets.compare_digest(given.encode(), f"Bearer {token}".encode())
    return True


def metrics_response(request: HttpRequest) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    if not may_scrape(request):
        # The same answer whether the address or the token is wrong.
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
