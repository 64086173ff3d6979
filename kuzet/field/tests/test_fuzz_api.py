"""Schemathesis fuzzes every operation of the field API's OpenAPI in-process (through the WSGI
application), as a signed-in tablet and without a token: no answer is ever a 5xx, and every
answer conforms to the documented schema. Bounded and derandomized for CI; KUZET_FUZZ_EXAMPLES
raises the number of cases per operation for a longer local run."""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from kuzet.field.api import api
from kuzet.field.tests.device import Device
from kuzet.people.models import User
from kuzet.visits.models import Visit

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]

EXAMPLES = int(os.environ.get("KUZET_FUZZ_EXAMPLES", "25"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


APP = WSGIHandler()


@pytest.fixture
def wsgi_app(db: Any, settings: Any) -> Iterator[WSGIHandler]:
    """The real WSGI application, inside the test's transaction: Django's own test client
    likewise keeps the end of a request from closing the connection (and with it the
    transaction)."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield APP
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(visit: Visit, leader: User, device_for: Callable[[User], Device]) -> str:
    """A real device token of the leader of a planned visit: the package has content."""
    return device_for(leader).token


# The schema /api/v1/openapi.json serves, taken from the API object: loading it over HTTP at
# collection would need the database (schemathesis' from_fixture does not support pytest 9).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = APP  # also the transport of schemathesis' own probes
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def call_and_validate(case: Any, **kwargs: Any) -> None:
    case.call_and_validate(app=APP, base_url="http://localhost", checks=CHECKS, **kwargs)


@schema.parametrize()
@FUZZ
def test_signed_in_tablet(case: Any, token: str, wsgi_app: WSGIHandler) -> None:
    call_and_validate(case, headers={"Authorization": f"Bearer {token}"})


@schema.parametrize()
@FUZZ
def test_without_a_token(case: Any, wsgi_app: WSGIHandler) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    call_and_validate(case)
