"""Logs and metrics of a field sync, through HTTP: JSON lines with request ids and without
personal data; /metrics with the requests by URL name, the syncs and the uploads; who may
read /metrics."""

import io
import ipaddress
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from kuzet.core.observability import JsonFormatter, WithoutPaths
from kuzet.core.policy import Role
from kuzet.field.tests.device import SECRET_NAME, Device, interview_record
from kuzet.field.tests.test_uploads import (  # noqa: F401 (fixtures)
    PERSONAL_NAME,
    Tus,
    media_root,
    tus_for,
    webm,
)
from kuzet.people.models import User
from kuzet.visits.models import TeamMember, Visit

pytestmark = pytest.mark.django_db

LOGIN = "aigerim.sapar"
EMAIL = "aigerim.sapar@mail.kz"
NOTES = "Рассказал об ударах при задержании"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the production handler writes: the JSON formatter and the path filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(WithoutPaths())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def recorder(make_user: Callable[..., User], visit: Visit) -> User:
    user = make_user(Role.PARTICIPANT, username=LOGIN, email=EMAIL)
    TeamMember.objects.create(visit=visit, user=user, role=TeamMember.Role.MEMBER)
    return user


def scrape(client: Client, **headers: str) -> str:
    reply = client.get("/metrics", **headers)
    assert reply.status_code == 200, reply.content
    assert reply["Content-Type"].startswith("text/plain; version=")
    return reply.content.decode()


def value(text: str, sample: str) -> float:
    """The value of one sample line (``name{labels}``) of an exposition, 0 when absent."""
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_sync_logs_json_lines_with_request_ids_and_no_personal_data(
    client: Client,
    recorder: User,
    visit: Visit,
    device_for: Callable[[User], Device],
    tus_for: Callable[[User], Tus],  # noqa: F811
    json_log: io.StringIO,
) -> None:
    # A sign-in with the login name, another with the e-mail, both with a wrong password.
    for login in (LOGIN, EMAIL):
        client.post("/accounts/login/", {"username": login, "password": "not-the-password-1"})
    # A path and a query string that carry them.
    client.get(f"/visits/{EMAIL}/", {"q": SECRET_NAME, "login": LOGIN})
    # A tablet's token asked with the login name and a wrong password, then a good one.
    device = device_for(recorder)
    refused = device.post("/auth/device-token", {"username": LOGIN, "password": "wrong-one-1", "device_name": "T"})  # fmt: skip
    assert refused.status_code in {400, 401, 403}
    # A sealed interview of a coded person (name, notes), sent with the client's request id,
    # and a recording whose file name names the person.
    reply = device.post(
        "/field/submissions",
        {"uuid": (rec := interview_record(visit, notes=NOTES))["uuid"], "envelope": device.seal(rec)},
        HTTP_X_REQUEST_ID="tablet-3-sync-0001",
    )  # fmt: skip
    assert reply.status_code == 201, reply.content
    assert reply["X-Request-ID"] == "tablet-3-sync-0001"
    data = webm(40_000)
    tus = tus_for(recorder)
    created = tus.create(data, visit)
    assert created.status_code == 201, created.content
    tus.send(created["Location"], data, chunk=16_000)
    # A request id that is not plain enough is replaced, not copied into the logs.
    odd = client.get("/healthz", HTTP_X_REQUEST_ID='x"\n{"level": "forged"}')
    assert odd["X-Request-ID"] != 'x"\n{"level": "forged"}' and len(odd["X-Request-ID"]) == 32

    text = json_log.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    requests = [line for line in lines if line["logger"] == "kuzet.request"]
    assert len(requests) >= 8
    for line in requests:
        assert len(line["request_id"]) >= 8 and line["route"] and line["status"]
        assert "/" not in line["route"] or line["route"].startswith("<")
    assert {
        k: next(r for r in requests if r["request_id"] == "tablet-3-sync-0001")[k]
        for k in ("method", "route", "status")
    } == {"method": "POST", "route": "api-v1:field_submission", "status": 201}
    assert any(r["route"] == "uploads:upload" and r["method"] == "PATCH" for r in requests)
    assert any(r["route"] == "people:login" for r in requests)
    # Django's "Not Found" line names no path either.
    django_lines = [line for line in lines if line["logger"] == "django.request"]
    assert any(line["message"] == "Not Found: unmatched" for line in django_lines)
    assert all(
        line["request_id"] for line in lines if line["logger"].startswith(("kuzet", "django"))
    )
    for secret in (LOGIN, EMAIL, SECRET_NAME, NOTES, PERSONAL_NAME, "Скрытов", "forged"):
        assert secret not in text, f"{secret!r} is in the logs:\n{text}"


def test_metrics_count_requests_by_url_name_syncs_uploads_and_the_queue(
    client: Client,
    recorder: User,
    visit: Visit,
    device_for: Callable[[User], Device],
    tus_for: Callable[[User], Tus],  # noqa: F811
) -> None:
    before = scrape(client)
    device = device_for(recorder)
    rec = interview_record(visit)
    envelope = device.seal(rec)
    assert device.send(rec["uuid"], envelope).status_code == 201
    assert device.send(rec["uuid"], envelope).status_code == 200  # a resend
    data = webm(30_000)
    tus = tus_for(recorder)
    created = tus.create(data, visit, str(uuid.uuid4()))
    tus.send(created["Location"], data, chunk=10_000)
    client.get(f"/visits/{uuid.uuid4()}/")

    after = scrape(client)

    def grew(sample: str) -> float:
        return value(after, sample) - value(before, sample)

    assert grew('kuzet_field_submissions_total{result="stored"}') == 1
    assert grew('kuzet_field_submissions_total{result="repeated"}') == 1
    assert grew('kuzet_uploads_total{event="created"}') == 1
    assert grew('kuzet_uploads_total{event="chunk"}') == 3
    assert grew('kuzet_uploads_total{event="completed"}') == 1
    assert grew("kuzet_upload_bytes_total") == 30_000
    route = 'route="api-v1:field_submission"'
    assert grew(f'kuzet_http_requests_total{{method="POST",{route},status="201"}}') == 1
    assert grew(f'kuzet_http_request_duration_seconds_count{{method="POST",{route}}}') == 2
    assert grew('kuzet_http_requests_total{method="PATCH",route="uploads:upload",status="204"}') == 3  # fmt: skip
    # No label is a path: the unknown visit's uuid is nowhere, its request is "unmatched"
    # or the URL's name.
    assert "/visits/" not in after
    assert 'kuzet_queue_jobs{state="waiting"} 0.0' in after
    assert "kuzet_queue_oldest_waiting_seconds 0.0" in after
    assert "kuzet_workers_live 0.0" in after


def test_metrics_answer_only_inside_the_networks_and_with_the_token(
    client: Client, settings: Any
) -> None:
    # The test client is 127.0.0.1, inside the default networks (loopback).
    assert client.get("/metrics").status_code == 200
    settings.METRICS_NETWORKS = (ipaddress.ip_network("10.0.0.0/8"),)
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    # Behind the proxy, the client's own address counts, not the proxy's.
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("127.0.0.1/32"),)
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 200
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    wrong = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    good = client.get(
        "/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer scrape-token-0123456789"
    )
    assert good.status_code == 200 and b"kuzet_http_requests_total" in good.content
    assert client.post("/metrics").status_code == 405
    # Answered before the host check and the redirect to HTTPS: Prometheus scrapes each
    # instance at its own address, whatever the site's name.
    settings.ALLOWED_HOSTS = ["kuzet.example.kz"]
    settings.SECURE_SSL_REDIRECT = True
    direct = client.get(
        "/metrics",
        REMOTE_ADDR="10.1.2.3",
        HTTP_HOST="10.0.0.5:8000",
        HTTP_AUTHORIZATION="Bearer scrape-token-0123456789",
    )
    assert direct.status_code == 200
